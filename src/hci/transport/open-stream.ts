/**
 * Opens the byte stream to an external controller: TCP or a tty (UART or pseudo-terminal).
 *
 * Why no serialport package: a tty is a file; `stty` (coreutils) sets raw mode and the baud rate,
 * and Node's tty.ReadStream reads it without blocking a thread-pool thread. Every failure is an
 * HciTransportError with a stable code, naming the spec the user typed.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import { connect } from 'node:net';
import { isatty, ReadStream, WriteStream } from 'node:tty';
import { promisify } from 'node:util';
import type { HciTransportSpec } from './spec.ts';
import { formatHciTransportSpec } from './spec.ts';

export type HciTransportErrorCode =
  | 'hci_controller_unreachable'
  | 'hci_controller_timeout'
  | 'hci_controller_closed'
  | 'hci_controller_refused'
  | 'hci_serial_not_a_tty'
  | 'hci_serial_open_failed'
  | 'hci_usb_device_not_found'
  | 'hci_transport_unsupported';

export class HciTransportError extends Error {
  readonly code: HciTransportErrorCode;
  constructor(code: HciTransportErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'HciTransportError';
    this.code = code;
  }
}

/** A duplex byte stream to a controller. */
export interface ControllerStream {
  write(bytes: Uint8Array): void;
  onData(listener: (chunk: Uint8Array) => void): void;
  onClose(listener: (error: Error | null) => void): void;
  /** Closes after `farewell` (if any) is written. */
  close(farewell?: Uint8Array): void;
}

export const connectTimeoutMsDefault = 2000;
const execFileAsync = promisify(execFile);

function tcpStream(spec: Extract<HciTransportSpec, { kind: 'tcp' }>, timeoutMs: number): Promise<ControllerStream> {
  const name = formatHciTransportSpec(spec);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: spec.host, port: spec.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HciTransportError('hci_controller_timeout', `${name}: no TCP connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new HciTransportError('hci_controller_unreachable', `${name}: ${error.code ?? error.message} (is the controller — latchkey hci serve, Bumble, Rootcanal — listening?)`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.setNoDelay(true);
      let closeListener: ((error: Error | null) => void) | null = null;
      let closeError: Error | null = null;
      socket.on('error', (error) => void (closeError = error));
      socket.on('close', () => closeListener?.(closeError));
      resolve({
        write: (bytes) => void (socket.destroyed || socket.write(bytes)),
        onData: (listener) => void socket.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))),
        onClose: (listener) => void (closeListener = listener),
        close: (farewell) => {
          if (farewell === undefined || socket.destroyed) return void socket.destroy();
          socket.end(farewell);
          setTimeout(() => socket.destroy(), 1000).unref();
        },
      });
    });
  });
}

async function serialStream(spec: Extract<HciTransportSpec, { kind: 'serial' }>): Promise<ControllerStream> {
  const name = formatHciTransportSpec(spec);
  let fd: number;
  try {
    fd = openSync(spec.path, constants.O_RDWR | constants.O_NOCTTY);
  } catch (error) {
    throw new HciTransportError('hci_serial_open_failed', `${name}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (permissions: the dialout group; the path: ls /dev/ttyACM* /dev/serial/by-id)`);
  }
  if (!isatty(fd)) {
    closeSync(fd);
    throw new HciTransportError('hci_serial_not_a_tty', `${name}: not a terminal device`);
  }
  try {
    // Raw 8N1, no echo, no flow-control translation; the baud rate (ignored by pseudo-terminals).
    await execFileAsync('stty', ['-F', spec.path, String(spec.baud), 'raw', '-echo', 'cs8', '-cstopb', '-parenb', 'clocal']);
  } catch (error) {
    closeSync(fd);
    throw new HciTransportError('hci_serial_open_failed', `${name}: stty failed: ${String((error as Error).message).split('\n')[0]}`);
  }
  const input = new ReadStream(fd);
  input.setRawMode(true);
  const output = new WriteStream(fd);
  let closed = false;
  let closeListener: ((error: Error | null) => void) | null = null;
  const finish = (error: Error | null): void => {
    if (closed) return;
    closed = true;
    input.destroy();
    output.destroy();
    closeListener?.(error);
  };
  input.on('error', (error) => finish(error));
  input.on('end', () => finish(null));
  return {
    write: (bytes) => void (closed || output.write(bytes)),
    onData: (listener) => void input.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))),
    onClose: (listener) => void (closeListener = listener),
    close: (farewell) => {
      if (farewell === undefined || closed) return finish(null);
      output.write(farewell, () => finish(null));
      setTimeout(() => finish(null), 1000).unref();
    },
  };
}

/** Opens a tcp: or serial: controller; other kinds are not byte streams. */
export async function openControllerStream(spec: HciTransportSpec, timeoutMs = connectTimeoutMsDefault): Promise<ControllerStream> {
  if (spec.kind === 'tcp') return tcpStream(spec, timeoutMs);
  if (spec.kind === 'serial') return serialStream(spec);
  throw new HciTransportError('hci_transport_unsupported', `${formatHciTransportSpec(spec)} is not a byte-stream transport`);
}
