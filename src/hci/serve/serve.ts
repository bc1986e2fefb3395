/**
 * `latchkey hci serve`: controllers of latchkey's virtual air, served to any host over H4.
 *
 * Why: a host stack that is not latchkey's — Bumble's apps, a Zephyr native_sim lock firmware
 * (`--bt-dev=127.0.0.1:PORT`), BlueZ through btproxy, or latchkey's own bleno/noble in another
 * process — joins the same LocalLink as everything else. Each controller is one TCP endpoint
 * (one client at a time: a second connection is closed at once, as Rootcanal/Bumble do) and,
 * with `pty`, also a pseudo-terminal made by socat (`PTY,link=…,raw,echo=0`) — the path a
 * serial: host opens as if it were a UART. One endpoint owns a controller at a time and gets its
 * output: a TCP client from connect to close (the pty's packets are dropped meanwhile); the pty
 * from its first packet until a TCP client connects after the pty was idle for ptyIdleMsMax
 * (before that the TCP client is refused). A pty cannot tell that its host left, so idleness is
 * the only sign. The owner changing, or a TCP client going away, powers the controller off and
 * on (connections drop, peers see Connection Timeout); every latchkey host also starts with
 * HCI_Reset. An endpoint that does not read its output is bounded: past serveBacklogBytesMax
 * queued octets a TCP client is dropped, a pty loses its output (and its ownership) until the
 * queue drains, each with a logged reason.
 * The air model (advertising every Advertising_Interval_Min + the spec's 0–10 ms advDelay, scan
 * responses only to active scanners, loss, FIFO data) is LocalLink's (docs/HCI.md).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Controller } from '../controller/controller.ts';
import { LocalLink } from '../controller/link.ts';
import type { ControllerBuffers } from '../controller/state.ts';
import { hostsMax, ptyIdleMsMax, serveBacklogBytesMax } from '../limits.ts';
import { never } from '../rng.ts';
import type { Ratio } from '../rng.ts';
import { createRealScheduler } from '../scheduler.ts';
import { BtsnoopWriter } from '../snoop/btsnoop.ts';
import { H4StreamParser } from '../transport/h4-stream.ts';

export interface HciServeOptions {
  readonly controllers: number;
  /** Listening address. Default 127.0.0.1. */
  readonly host?: string;
  /** Port of controller 0; controller i listens on base + i. 0: each gets an ephemeral port. */
  readonly basePort?: number;
  /** Also expose each controller as a pseudo-terminal (needs socat). */
  readonly pty?: boolean;
  /** Directory for the pty links (hci0, hci1, …). Default: a fresh temporary directory. */
  readonly ptyDirectory?: string;
  readonly buffers?: ControllerBuffers;
  /** Report BD_ADDR 00:00:00:00:00:00, as stock Bumble and Zephyr dongles without a stored address do. */
  readonly zeroAddress?: boolean;
  /** Answer Zephyr's vendor Write BD_ADDR (0xFC06). */
  readonly zephyrVendorCommands?: boolean;
  /** Deliver whole L2CAP frames to hosts, larger than the ACL buffer (as many real controllers do). */
  readonly reassembleToHost?: boolean;
  readonly seed?: number;
  readonly lossRatio?: Ratio;
  readonly latencyMs?: number;
  readonly capturePath?: string | null;
  readonly log?: { info(fields: object, message: string): void; warn(fields: object, message: string): void };
  /** Clock for the pty idle rule, ms (monotonic). Default performance.now; tests inject one. */
  readonly nowMs?: () => number;
}

/** Per controller. */
export interface ServeCounters {
  /** Octets skipped by the H4 parsers (resyncs). */
  resyncOctets: number;
  packets: number;
  /** TCP clients refused: another TCP client, or a pty host active within ptyIdleMsMax. */
  clientsRefused: number;
  clientsServed: number;
  /** TCP clients dropped because they did not read (backlog over serveBacklogBytesMax). */
  clientsDropped: number;
  /** Packets from the pty dropped while a TCP client owned the controller. */
  ptyPacketsRefused: number;
  /** Output octets not written to a pty whose backlog was over serveBacklogBytesMax. */
  ptyOctetsDropped: number;
}

export interface ServedController {
  readonly index: number;
  readonly label: string;
  readonly publicAddress: string;
  readonly tcp: string;
  readonly pty: string | null;
}

export interface HciServer {
  readonly controllers: readonly ServedController[];
  readonly link: LocalLink;
  readonly stats: readonly ServeCounters[];
  close(): Promise<void>;
}

/** How long a new TCP client waits for the previous one's close before it is refused (one host per controller). */
export const reconnectGraceMs = 250;

/** A way in to a controller; the owner also gets the controller's output. */
interface Endpoint {
  readonly kind: 'tcp' | 'pty';
  write(bytes: Uint8Array): void;
}

/** Feeds a chunk to a parser, counting the octets it skipped. */
function feed(parser: H4StreamParser, chunk: Buffer, counters: ServeCounters): void {
  const before = parser.stats.resyncOctets;
  parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  counters.resyncOctets += parser.stats.resyncOctets - before;
}

/** Starts socat on a pty linked at `path`; resolves with the process once the link exists. */
async function startPty(path: string): Promise<ChildProcess> {
  const child = spawn('socat', [`PTY,link=${path},raw,echo=0`, 'STDIO'], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) => reject(new Error(`socat (needed for --pty; apt-get install socat): ${error.message}`)));
    const started = Date.now();
    const poll = (): void => {
      if (existsSync(path)) return resolve();
      if (child.exitCode !== null) return reject(new Error(`socat exited (${child.exitCode}) before creating ${path}`));
      if (Date.now() - started > 5000) return reject(new Error(`socat did not create ${path} within 5 s`));
      setTimeout(poll, 10);
    };
    poll();
  });
  return child;
}

export async function startHciServer(options: HciServeOptions): Promise<HciServer> {
  if (!Number.isInteger(options.controllers) || options.controllers < 1 || options.controllers > hostsMax) throw new RangeError(`--controllers must be 1..${hostsMax}`);
  const basePort = options.basePort ?? 0;
  if (!Number.isInteger(basePort) || basePort < 0 || basePort + options.controllers - 1 > 65535) throw new RangeError('--port: base port + controllers must fit in 1..65535');
  const host = options.host ?? '127.0.0.1';
  const capture = options.capturePath ? new BtsnoopWriter(options.capturePath) : null;
  const link = new LocalLink({
    seed: options.seed ?? 1,
    lossRatio: options.lossRatio ?? never,
    latencyMs: options.latencyMs ?? 0,
    scheduler: createRealScheduler(),
    tap: capture === null ? null : (_controller, direction, h4) => capture.record(direction, h4),
  });
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const ptys: ChildProcess[] = [];
  const heldSlaves: number[] = [];
  const ownedPtyDirectory = options.pty && options.ptyDirectory === undefined ? mkdtempSync(join(tmpdir(), 'latchkey-hci-pty-')) : null;
  const ptyDirectory = options.ptyDirectory ?? ownedPtyDirectory;
  const served: ServedController[] = [];
  const stats: ServeCounters[] = [];
  const nowMs = options.nowMs ?? (() => performance.now());

  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    for (const fd of heldSlaves.splice(0)) closeSync(fd);
    await Promise.all(ptys.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    })));
    link.close();
    capture?.close();
    if (ownedPtyDirectory !== null) rmSync(ownedPtyDirectory, { recursive: true, force: true });
  };

  try {
    for (let index = 0; index < options.controllers; index += 1) {
      const label = `hci-serve-${index}`;
      const controller: Controller = link.attach(label, {
        ...(options.zeroAddress ? { publicAddress: '00:00:00:00:00:00' } : {}),
        ...(options.buffers ? { buffers: options.buffers } : {}),
        ...(options.zephyrVendorCommands ? { zephyrVendorCommands: true } : {}),
        ...(options.reassembleToHost ? { reassembleToHost: true } : {}),
      });
      const counters: ServeCounters = { resyncOctets: 0, packets: 0, clientsRefused: 0, clientsServed: 0, clientsDropped: 0, ptyPacketsRefused: 0, ptyOctetsDropped: 0 };
      stats.push(counters);
      const log = (level: 'info' | 'warn', fields: object, message: string): void => options.log?.[level]({ controller: index, ...fields }, message);
      let owner: Endpoint | null = null;
      let ptyEndpoint: Endpoint | null = null;
      let ptyLastPacketMs = -Infinity;
      controller.attachHost((h4) => owner?.write(h4));
      const powerCycle = (): void => {
        link.resetController(controller);
        controller.resetState();
      };
      /** `endpoint` gives the controller up (gone, or not reading): the next owner finds it at power-on. */
      const release = (endpoint: Endpoint): void => {
        if (owner !== endpoint) return;
        owner = null;
        powerCycle();
      };

      let client: Socket | null = null;
      const admit = (socket: Socket): void => {
        if (socket.destroyed) return;
        const ptyActive = owner !== null && owner === ptyEndpoint && nowMs() - ptyLastPacketMs < ptyIdleMsMax;
        if (client !== null || ptyActive) {
          counters.clientsRefused += 1;
          log('warn', { remote: socket.remoteAddress }, client !== null ? 'second client refused: one host per controller' : `client refused: the controller's pty host was active within ${ptyIdleMsMax} ms`);
          socket.destroy();
          return;
        }
        if (owner !== null) {
          log('info', {}, `pty idle for ${ptyIdleMsMax} ms: a TCP client takes the controller (power-cycled)`);
          release(owner);
        }
        counters.clientsServed += 1;
        client = socket;
        sockets.add(socket);
        socket.setNoDelay(true);
        const endpoint: Endpoint = {
          kind: 'tcp',
          write: (bytes) => {
            if (socket.destroyed) return;
            socket.write(bytes);
            if (socket.writableLength <= serveBacklogBytesMax) return;
            counters.clientsDropped += 1;
            log('warn', { queuedOctets: socket.writableLength }, `client dropped: it does not read (more than ${serveBacklogBytesMax} octets queued)`);
            socket.destroy();
          },
        };
        owner = endpoint;
        const parser = new H4StreamParser('controller', (h4) => {
          counters.packets += 1;
          controller.receiveFromHost(h4);
        });
        socket.on('data', (chunk: Buffer) => feed(parser, chunk, counters));
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
          client = null;
          release(endpoint);
          log('info', {}, 'client gone: controller power-cycled');
        });
        socket.resume();
      };
      const server = createServer((socket) => {
        socket.pause();
        const previous = client;
        if (previous === null) return admit(socket);
        // A host that closes and reconnects at once (a restarted host, the next scenario of a run)
        // can arrive before its old connection's close is seen: wait a moment for that close before
        // refusing (second attack on issue 16: 10 of 40 immediate reconnects were refused).
        let decided = false;
        const decide = (): void => {
          if (decided) return; // the close and the timer may both fire: admit once
          decided = true;
          clearTimeout(timer);
          previous.off('close', onClose);
          admit(socket);
        };
        const onClose = (): void => void setImmediate(decide);
        const timer = setTimeout(decide, reconnectGraceMs);
        previous.once('close', onClose);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(basePort === 0 ? 0 : basePort + index, host, () => resolve());
      });
      const port = (server.address() as AddressInfo).port;

      let ptyPath: string | null = null;
      if (options.pty && ptyDirectory !== null) {
        ptyPath = join(ptyDirectory, `hci${index}`);
        const child = await startPty(ptyPath);
        ptys.push(child);
        // Hold the slave open (never read): socat ends when the last slave fd closes, so hosts
        // may open and close the pty as often as they like.
        heldSlaves.push(openSync(ptyPath, constants.O_RDWR | constants.O_NOCTTY));
        const input = child.stdin!;
        let stalled = false;
        const endpoint: Endpoint = {
          kind: 'pty',
          write: (bytes) => {
            if (stalled) return void (counters.ptyOctetsDropped += bytes.length);
            input.write(bytes);
            if (input.writableLength <= serveBacklogBytesMax) return;
            stalled = true;
            log('warn', { queuedOctets: input.writableLength }, `pty output dropped until its host reads again (more than ${serveBacklogBytesMax} octets queued); controller released`);
            input.once('drain', () => void (stalled = false));
            setImmediate(() => release(endpoint));
          },
        };
        ptyEndpoint = endpoint;
        const parser = new H4StreamParser('controller', (h4) => {
          if (owner !== null && owner !== endpoint) {
            if (counters.ptyPacketsRefused === 0) log('warn', {}, 'pty packets dropped: a TCP client owns the controller');
            counters.ptyPacketsRefused += 1;
            return;
          }
          owner = endpoint;
          ptyLastPacketMs = nowMs();
          counters.packets += 1;
          controller.receiveFromHost(h4);
        });
        child.stdout!.on('data', (chunk: Buffer) => feed(parser, chunk, counters));
        input.on('error', () => undefined);
      }
      served.push({ index, label, publicAddress: controller.publicAddress, tcp: `tcp:${host}:${port}`, pty: ptyPath === null ? null : `serial:${ptyPath}` });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { controllers: served, link, stats, close };
}
