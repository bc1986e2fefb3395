/**
 * An unmodified noble instance bound to one HCI transport, in the calling thread.
 *
 * Why here and not in a worker: the phone client drives noble directly, and noble (unlike
 * bleno) can be instantiated several times per process through `with-custom-binding`. What noble
 * lacks is a way to stop: its HCI layer re-arms a 1 s `pollIsDevUp` timer forever and adds
 * process 'exit'/'SIGINT' listeners per instance. `close()` undoes exactly those, so a process
 * that closes its centrals can exit by itself. The timer is captured by wrapping the instance's
 * own `pollIsDevUp` (not noble's files) and noting the one setTimeout it makes per call.
 */
import type { MessagePort } from 'node:worker_threads';
import type * as NobleModule from '@abandonware/noble';
import { bindNextHciSocket } from '../host/hci-socket-shim.ts';
import type { HciSocketBackend } from '../host/hci-socket-shim.ts';
import { createPortBackend } from '../host/port-transport.ts';
import { installHciSocketHook, requireHost } from '../host/require-hook.ts';
import type { ControllerSetting } from '../host/require-hook.ts';
import type { AirStats } from '../controller/connection.ts';

export type Noble = typeof NobleModule;

export interface CentralHandle {
  readonly label: string;
  readonly noble: Noble;
  /**
   * Data-PDU counters of the connection with HCI handle `connectionHandle` on the virtual link
   * (see connectionHandleOf in att-tap.ts); null with a real adapter or an unknown handle.
   */
  airStatsOf(connectionHandle: number): Readonly<AirStats> | null;
  /** Stops noble's timers and listeners and closes its HCI transport. Idempotent. */
  close(): void;
}

interface NobleInternals {
  _bindings: {
    _hci: {
      pollIsDevUp: () => void;
      _socket: { stop(): void; backend?: HciSocketBackend };
    };
  };
}

/** Runs `run` and returns the timers it created with setTimeout, synchronously. */
function captureTimeouts(run: () => void): NodeJS.Timeout[] {
  const original = globalThis.setTimeout;
  const captured: NodeJS.Timeout[] = [];
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    const timer = original(...args);
    captured.push(timer);
    return timer;
  }) as typeof setTimeout;
  try {
    run();
  } finally {
    globalThis.setTimeout = original;
  }
  return captured;
}

type Listener = (...args: unknown[]) => void;

function listenersOf(event: 'exit' | 'SIGINT'): Listener[] {
  return (event === 'exit' ? process.listeners('exit') : process.listeners('SIGINT')) as Listener[];
}

function listenersAdded(event: 'exit' | 'SIGINT', before: readonly Listener[]): Listener[] {
  return listenersOf(event).filter((listener) => !before.includes(listener));
}

export function createCentralOnPort(
  setting: ControllerSetting,
  hciPort: MessagePort | null,
  label: string,
  airStatsOf: (connectionHandle: number) => Readonly<AirStats> | null = () => null,
): CentralHandle {
  installHciSocketHook(setting);
  if (setting === 'virtual') {
    if (hciPort === null) throw new Error('virtual controller needs an HCI port');
    bindNextHciSocket(createPortBackend(hciPort));
  }
  const withCustomBinding = requireHost<(options: object) => Noble>('@abandonware/noble/with-custom-binding');
  const noble = withCustomBinding({});
  const hci = (noble as unknown as NobleInternals)._bindings._hci;
  const poll = Object.getPrototypeOf(hci).pollIsDevUp as (this: unknown) => void;
  let pollTimers: NodeJS.Timeout[] = [];
  let closed = false;
  hci.pollIsDevUp = function pollIsDevUp(this: unknown): void {
    if (closed) return;
    pollTimers = captureTimeouts(() => poll.call(this));
  };
  const exitBefore = listenersOf('exit');
  const sigintBefore = listenersOf('SIGINT');
  void (noble as unknown as { state: string }).state; // noble initialises its bindings on first read of `state`.
  const exitListeners = listenersAdded('exit', exitBefore);
  const sigintListeners = listenersAdded('SIGINT', sigintBefore);
  return Object.freeze({
    label,
    noble,
    airStatsOf,
    close(): void {
      if (closed) return;
      closed = true;
      for (const timer of pollTimers) clearTimeout(timer);
      for (const listener of exitListeners) process.removeListener('exit', listener);
      for (const listener of sigintListeners) process.removeListener('SIGINT', listener);
      const socket = hci._socket;
      if (socket.backend !== undefined) socket.backend.close();
      else socket.stop();
    },
  });
}
