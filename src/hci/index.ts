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
import type { HciAirOptions } from './controller/link.ts';
import type { Position } from '../radio/air/rssi.ts';
import type { Controller } from './controller/controller.ts';
import { parseControllerSetting } from './host/require-hook.ts';
import { parseHciTransportSpec } from './transport/spec.ts';
import type { ControllerSetting } from './host/require-hook.ts';
import { connectControllerToPort } from './host/port-transport.ts';
import { connectExternalController } from './host/external-controller.ts';
import type { ExternalController, ExternalControllerInfo } from './host/external-controller.ts';
import { formatHciTransportSpec } from './transport/spec.ts';
import type { HciTransportSpec } from './transport/spec.ts';
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
export type { HciTransportSpec } from './transport/spec.ts';
export { parseHciTransportSpec, formatHciTransportSpec, HciSpecError } from './transport/spec.ts';
export { HciTransportError } from './transport/open-stream.ts';
export type { ExternalControllerInfo } from './host/external-controller.ts';

export interface VirtualBleOptions {
  /** Seed of every random decision of the link (uint32). Default 1. */
  readonly seed?: number;
  /** Probability that one radio PDU is lost. Default 0/1. */
  readonly lossRatio?: Ratio;
  /** Extra one-way latency per PDU, ms. Default 0. */
  readonly latencyMs?: number;
  /** Write a btsnoop (H4) capture of all hosts' HCI traffic here. */
  readonly capturePath?: string | null;
  /** 'virtual' (default) or a real adapter name like 'hci0'; both roles (see lock/phoneController). */
  readonly controller?: ControllerSetting;
  /** Controller of every peripheral (bleno) host; default from `controller`. One controller per
   * host: a tcp:/serial: spec serves one peripheral only. */
  readonly lockController?: HciTransportSpec;
  /** Controller of every central (noble) host; default from `controller`. */
  readonly phoneController?: HciTransportSpec;
  /** Deadline of each step of an external controller's initialisation, ms. Default 2000. */
  readonly externalTimeoutMs?: number;
  /** Clock of the link; default real timers. */
  readonly scheduler?: Scheduler;
  /** The air model's RSSI rule and packets per event (src/radio/air); default the virtual radio's. */
  readonly air?: Partial<HciAirOptions>;
  /** Where each in-process host's antenna is (m), by host label; unplaced hosts are 1 m from all. */
  readonly positions?: Readonly<Record<string, Position>>;
}

export interface SpawnOptions {
  readonly label?: string;
  readonly options?: unknown;
  readonly advertisingIntervalMs?: number;
  readonly readyTimeoutMs?: number;
  /** This peripheral's controller, overriding `lockController` (one tcp:/serial: controller per host). */
  readonly controller?: HciTransportSpec;
}

export interface VirtualBle {
  readonly seed: number;
  /** One line with every option that shapes the run; print it before the run starts. */
  readonly description: string;
  readonly controller: ControllerSetting;
  /** The simulated air (null when no host uses the in-process controller). */
  readonly link: LocalLink | null;
  readonly capture: BtsnoopWriter | null;
  spawnPeripheral(handlerModule: string | URL, options?: SpawnOptions): Promise<PeripheralHandle>;
  /** `controller` overrides `phoneController` for this central. */
  createCentral(label?: string, controller?: HciTransportSpec): CentralHandle;
  /** Waits for every external (tcp:/serial:) controller attached so far to be initialised;
   * rejects with HciTransportError (e.g. hci_controller_timeout) when one does not answer. */
  hostsReady(): Promise<ExternalControllerInfo[]>;
  /** Moves the in-process controller of host `label` (false: no such host on this air, e.g. tcp:/serial:). */
  place(label: string, position: Position): boolean;
  close(): Promise<void>;
}

function specOfSetting(setting: ControllerSetting): HciTransportSpec {
  return parseHciTransportSpec(setting);
}

/** The require-hook setting a host thread needs for a controller spec. */
export function hookSettingOf(spec: HciTransportSpec): ControllerSetting {
  if (spec.kind === 'virtual' || spec.kind === 'tcp' || spec.kind === 'serial') return 'virtual';
  if (spec.kind === 'kernel') return spec.adapter;
  return formatHciTransportSpec(spec) as `usb:${string}`;
}

export function startVirtualBle(options: VirtualBleOptions = {}): VirtualBle {
  const seed = options.seed ?? 1;
  const lossRatio = options.lossRatio ?? never;
  const latencyMs = options.latencyMs ?? 0;
  const setting = parseControllerSetting(options.controller ?? 'virtual');
  assertSeed(seed);
  assertRatio(lossRatio, 'lossRatio');
  const lockSpec = options.lockController ?? specOfSetting(setting);
  const phoneSpec = options.phoneController ?? specOfSetting(setting);
  const virtual = lockSpec.kind === 'virtual' || phoneSpec.kind === 'virtual';
  const capture = virtual && options.capturePath ? new BtsnoopWriter(options.capturePath) : null;
  const link = virtual
    ? new LocalLink({
        seed,
        lossRatio,
        latencyMs,
        scheduler: options.scheduler ?? createRealScheduler(),
        tap: capture === null ? null : (_controller, direction, h4) => capture.record(direction, h4),
        ...(options.air ? { air: options.air } : {}),
      })
    : null;
  const peripherals = new Set<PeripheralHandle>();
  const centrals = new Set<CentralHandle>();
  const disconnectors = new Set<() => void>();
  const externals = new Set<ExternalController>();
  let hostCount = 0;
  let closed = false;

  const attachHost = (label: string, spec: HciTransportSpec): { port: MessagePort; controller: Controller | null; ready: Promise<unknown> } | null => {
    if (closed) throw new Error('virtual BLE closed');
    if (spec.kind === 'tcp' || spec.kind === 'serial') {
      const external = connectExternalController({ spec, label, seed, ...(options.externalTimeoutMs === undefined ? {} : { timeoutMs: options.externalTimeoutMs }) });
      externals.add(external);
      return { port: external.port, controller: null, ready: external.ready };
    }
    if (spec.kind !== 'virtual' || link === null) return null;
    const position = options.positions?.[label];
    const controller: Controller = link.attach(label, position ? { position } : {});
    const { port1, port2 } = new MessageChannel();
    const disconnect = connectControllerToPort(controller, port1, () => {
      disconnectors.delete(disconnect);
      link.detach(controller);
    });
    disconnectors.add(disconnect);
    return { port: port2, controller, ready: Promise.resolve() };
  };

  return Object.freeze({
    seed,
    description: `virtual BLE lock-hci=${formatHciTransportSpec(lockSpec)} phone-hci=${formatHciTransportSpec(phoneSpec)} seed=${seed} loss=${lossRatio.numerator}/${lossRatio.denominator} latencyMs=${latencyMs} capture=${options.capturePath ?? 'none'}`,
    controller: setting,
    link,
    capture,
    async spawnPeripheral(handlerModule: string | URL, spawn: SpawnOptions = {}): Promise<PeripheralHandle> {
      hostCount += 1;
      const label = spawn.label ?? `peripheral-${hostCount}`;
      const spec = spawn.controller ?? lockSpec;
      const host = attachHost(label, spec);
      await host?.ready; // an absent external controller fails here, with its own error
      const handle = spawnPeripheralWorker(hookSettingOf(spec), host?.port ?? null, { ...spawn, label, handlerModule });
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
    createCentral(label?: string, controllerSpec?: HciTransportSpec): CentralHandle {
      hostCount += 1;
      const name = label ?? `central-${hostCount}`;
      const spec = controllerSpec ?? phoneSpec;
      const host = attachHost(name, spec);
      const controller = host?.controller ?? null;
      const airStatsOf = (connectionHandle: number) => (controller === null || link === null ? null : link.airStatsOf(controller, connectionHandle));
      const central = createCentralOnPort(hookSettingOf(spec), host?.port ?? null, name, airStatsOf);
      centrals.add(central);
      return central;
    },
    place(label: string, position: Position): boolean {
      const controller = link?.controllerLabelled(label);
      if (controller === undefined) return false;
      link!.place(controller, position);
      return true;
    },
    async hostsReady(): Promise<ExternalControllerInfo[]> {
      return Promise.all([...externals].map((external) => external.ready));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const central of centrals) central.close();
      for (const external of externals) external.close();
      await Promise.all([...peripherals].map((peripheral) => peripheral.stop()));
      for (const disconnect of [...disconnectors]) disconnect();
      link?.close();
      capture?.close();
    },
  });
}
