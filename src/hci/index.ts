/**
 * Virtual BLE for unmodified bleno and noble: the one entry point the rest of latchkey uses.
 *
 * Why: this machine has no kernel Bluetooth, yet the lock must be exercised through the real
 * bleno (peripheral) and noble (central) stacks. `startVirtualBle` builds a LocalLink (the air),
 * gives every host its own virtual controller over H4/MessagePort, and can record every HCI
 * packet to a btsnoop file that Wireshark/tshark decode.
 *
 * ```ts
 * const ble = startVirtualBle({ seed: 7, lossRatio: { numerator: 1, denominator: 50 }, latencyMs: 2, capturePath: 'run.btsnoop' });
 * console.log(ble.description); // print the seed first: same seed, same loss decisions
 * const lock = await ble.spawnPeripheral('firmware-model/ble-lock.ts', { label: 'lock-1', options: { … } });
 * const phone = ble.createCentral('phone');
 * await waitForPoweredOn(phone.noble);            // helpers in ./central/operations.ts: every
 * const [p] = await scanForPeripherals(phone.noble, { serviceUuids: [...], count: 1 }); // call
 * await connectPeripheral(p);                     // has a deadline
 * …
 * await ble.close();                              // workers terminated, ports and capture closed
 * ```
 *
 * - `spawnPeripheral(handlerModule, { label, options, advertisingIntervalMs })` starts bleno in
 *   a worker thread; `handlerModule` exports `createPeripheral(context)` returning a
 *   PeripheralDefinition (peripheral/definition.ts): GATT read/write handlers over plain bytes.
 *   Resolves once the peripheral advertises; the handle emits 'accept', 'disconnect', 'mtu',
 *   'report' (whatever the handler posts with context.report) and 'failed'.
 * - `createCentral(label)` returns an unmodified noble instance on its own controller, in
 *   this thread (several per process are fine).
 * - `controller`: 'virtual' (default) or a real adapter such as 'hci0', which hands bleno/noble
 *   the real @abandonware/bluetooth-hci-socket pinned to that adapter through the same code
 *   path (no link, no capture, untested here: no Bluetooth hardware on this machine).
 * - Loss and latency model: see controller/link.ts and controller/connection.ts.
 */
import { MessageChannel } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { createCentralOnPort } from './central/central.ts';
import type { CentralHandle } from './central/central.ts';
import { LocalLink } from './controller/link.ts';
import type { Controller } from './controller/controller.ts';
import { parseControllerSetting } from './host/require-hook.ts';
import type { ControllerSetting } from './host/require-hook.ts';
import { connectControllerToPort } from './host/port-transport.ts';
import { spawnPeripheralWorker } from './peripheral/spawn.ts';
import type { PeripheralHandle } from './peripheral/spawn.ts';
import { assertRatio, assertSeed, never } from './rng.ts';
import type { Ratio } from './rng.ts';
import { createRealScheduler } from './scheduler.ts';
import type { Scheduler } from './scheduler.ts';
import { BtsnoopWriter } from './snoop/btsnoop.ts';

export type { CentralHandle, Noble } from './central/central.ts';
export * from './central/operations.ts';
export * from './central/att-tap.ts';
export type { AirStats } from './controller/connection.ts';
export type { PeripheralHandle } from './peripheral/spawn.ts';
export type * from './peripheral/definition.ts';
export { AttErrorCode } from './peripheral/definition.ts';
export type { Ratio } from './rng.ts';
export type { ControllerSetting } from './host/require-hook.ts';
export { LocalLink } from './controller/link.ts';

export interface VirtualBleOptions {
  /** Seed of every random decision of the link (uint32). Default 1. */
  readonly seed?: number;
  /** Probability that one radio PDU is lost. Default 0/1. */
  readonly lossRatio?: Ratio;
  /** Extra one-way latency per PDU, ms. Default 0. */
  readonly latencyMs?: number;
  /** Write a btsnoop (H4) capture of all hosts' HCI traffic here. */
  readonly capturePath?: string | null;
  /** 'virtual' (default) or a real adapter name like 'hci0'. */
  readonly controller?: ControllerSetting;
  /** Clock of the link; default real timers. */
  readonly scheduler?: Scheduler;
}

export interface SpawnOptions {
  readonly label?: string;
  readonly options?: unknown;
  readonly advertisingIntervalMs?: number;
  readonly readyTimeoutMs?: number;
}

export interface VirtualBle {
  readonly seed: number;
  /** One line with every option that shapes the run; print it before the run starts. */
  readonly description: string;
  readonly controller: ControllerSetting;
  /** The simulated air (null with a real adapter). */
  readonly link: LocalLink | null;
  readonly capture: BtsnoopWriter | null;
  spawnPeripheral(handlerModule: string | URL, options?: SpawnOptions): Promise<PeripheralHandle>;
  createCentral(label?: string): CentralHandle;
  close(): Promise<void>;
}

export function startVirtualBle(options: VirtualBleOptions = {}): VirtualBle {
  const seed = options.seed ?? 1;
  const lossRatio = options.lossRatio ?? never;
  const latencyMs = options.latencyMs ?? 0;
  const setting = parseControllerSetting(options.controller ?? 'virtual');
  assertSeed(seed);
  assertRatio(lossRatio, 'lossRatio');
  const virtual = setting === 'virtual';
  const capture = virtual && options.capturePath ? new BtsnoopWriter(options.capturePath) : null;
  const link = virtual
    ? new LocalLink({
        seed,
        lossRatio,
        latencyMs,
        scheduler: options.scheduler ?? createRealScheduler(),
        tap: capture === null ? null : (_controller, direction, h4) => capture.record(direction, h4),
      })
    : null;
  const peripherals = new Set<PeripheralHandle>();
  const centrals = new Set<CentralHandle>();
  const disconnectors = new Set<() => void>();
  let hostCount = 0;
  let closed = false;

  const attachHost = (label: string): { port: MessagePort; controller: Controller } | null => {
    if (closed) throw new Error('virtual BLE closed');
    if (link === null) return null;
    const controller: Controller = link.attach(label);
    const { port1, port2 } = new MessageChannel();
    const disconnect = connectControllerToPort(controller, port1, () => {
      disconnectors.delete(disconnect);
      link.detach(controller);
    });
    disconnectors.add(disconnect);
    return { port: port2, controller };
  };

  return Object.freeze({
    seed,
    description: `virtual BLE controller=${setting} seed=${seed} loss=${lossRatio.numerator}/${lossRatio.denominator} latencyMs=${latencyMs} capture=${options.capturePath ?? 'none'}`,
    controller: setting,
    link,
    capture,
    async spawnPeripheral(handlerModule: string | URL, spawn: SpawnOptions = {}): Promise<PeripheralHandle> {
      hostCount += 1;
      const label = spawn.label ?? `peripheral-${hostCount}`;
      const handle = spawnPeripheralWorker(setting, attachHost(label)?.port ?? null, { ...spawn, label, handlerModule });
      peripherals.add(handle);
      try {
        await handle.ready;
      } catch (error) {
        peripherals.delete(handle);
        await handle.stop();
        throw error;
      }
      return handle;
    },
    createCentral(label?: string): CentralHandle {
      hostCount += 1;
      const name = label ?? `central-${hostCount}`;
      const host = attachHost(name);
      const airStatsOf = (connectionHandle: number) => (host === null || link === null ? null : link.airStatsOf(host.controller, connectionHandle));
      const central = createCentralOnPort(setting, host?.port ?? null, name, airStatsOf);
      centrals.add(central);
      return central;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const central of centrals) central.close();
      await Promise.all([...peripherals].map((peripheral) => peripheral.stop()));
      for (const disconnect of [...disconnectors]) disconnect();
      link?.close();
      capture?.close();
    },
  });
}
