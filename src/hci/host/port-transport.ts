/**
 * HCI over a MessagePort: one H4 packet per message, both directions.
 *
 * Why a MessagePort: it preserves order, is asynchronous (so a host writing a command while
 * handling an event never re-enters the controller), crosses into worker threads by transfer,
 * and closes when a worker dies — which the controller side turns into "device powered off".
 * The controller end checks what arrives (type and size) because it comes from another thread.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Controller } from '../controller/controller.ts';
import { h4PacketBytesMax } from '../limits.ts';
import type { HciSocketBackend } from './hci-socket-shim.ts';

/** Host end: a backend for VirtualBluetoothHciSocket. */
export function createPortBackend(port: MessagePort): HciSocketBackend {
  let listener: ((message: unknown) => void) | null = null;
  let closed = false;
  return {
    open(onPacket) {
      if (closed || listener !== null) return;
      listener = (message) => {
        if (message instanceof Uint8Array) onPacket(message);
      };
      port.on('message', listener);
    },
    send(h4) {
      if (!closed) port.postMessage(h4);
    },
    pause() {
      if (listener !== null) port.off('message', listener);
      listener = null;
    },
    close() {
      closed = true;
      this.pause();
      port.close();
    },
  };
}

/** Controller end: feeds the port's packets to `controller` and its answers back. `onClose`
 * runs once when either side closes the channel (for example, the worker exited). */
export function connectControllerToPort(controller: Controller, port: MessagePort, onClose: () => void): () => void {
  let open = true;
  const onMessage = (message: unknown): void => {
    if (!(message instanceof Uint8Array) || message.length > h4PacketBytesMax) {
      controller.stats.invalidPackets += 1;
      return;
    }
    controller.receiveFromHost(message);
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    port.off('message', onMessage);
    controller.attachHost(null);
    port.close();
    onClose();
  };
  controller.attachHost((h4) => {
    if (open) port.postMessage(h4);
  });
  port.on('message', onMessage);
  port.once('close', close);
  return close;
}
