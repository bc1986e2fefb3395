/**
 * LocalLink: the simulated LE air between virtual controllers (Bumble's LocalLink).
 *
 * Why: a host only ever talks HCI to its own controller; everything that involves two devices —
 * an advertiser's PDUs reaching scanners, a scan response, an initiator catching an advertiser,
 * data PDUs on a connection, a terminate — happens here, on an injected clock, with loss and
 * extra latency drawn from the run's seed. Model (stated, not hidden):
 * - advertising events every Advertising_Interval_Min plus the spec's 0–10 ms advDelay; each
 *   scanner hears the ADV PDU with probability 1 − loss and when its RSSI (the air model's path
 *   loss from the two controllers' positions, src/radio/air/rssi.ts) reaches the sensitivity, and
 *   when scanning actively also the SCAN_RSP (one more loss draw and RSSI sample for the
 *   SCAN_REQ/SCAN_RSP exchange); scan windows are ignored;
 * - a pending LE Create Connection completes at the target's next heard connectable advertising
 *   event; advertising then stops on the peripheral (Vol 6, Part B, §4.4.2); the first connection
 *   event follows the transmit window and one interval, as on the virtual radio;
 * - data PDUs: the air model's connection events (connection.ts; src/radio/air/);
 * - connection handles are unique across the whole link, so a merged capture stays readable.
 */
import { AdvertisingReportEventType, AdvertisingType, connectionHandleMax, ConnectionRole, HciStatus, LeScanType, TimeUnitMicroseconds } from '../codec/constants.ts';
import { formatBdAddr } from '../codec/fields.ts';
import type { CommandParameters } from '../codec/commands.ts';
import { advertisingDelayMsMax, advertisingIntervalMsMax, advertisingIntervalMsMin, connectionsMax, duplicateFilterEntriesMax, hostsMax, latencyMsMax } from '../limits.ts';
import { assertRatio, assertSeed, createRng, createStream, uniformBelow } from '../rng.ts';
import type { Ratio, Rng } from '../rng.ts';
import type { SeededRandom } from '../../protocol/random.ts';
import { firstConnectionEventMs, pduLost } from '../../radio/air/connection-events.ts';
import { sampleRssiDbm } from '../../radio/air/rssi.ts';
import type { Position, RssiParams } from '../../radio/air/rssi.ts';
import { radioDefaults } from '../../radio/options.ts';
import type { Cancel, Scheduler } from '../scheduler.ts';
import type { CommandTarget, LinkPort } from './command-handlers.ts';
import { Connection, intervalMsOf, llConnectionUpdateIndOctets, llTerminateIndOctets } from './connection.ts';
import type { AirConditions, AirStats } from './connection.ts';
import { Controller } from './controller.ts';
import type { HciTap } from './controller.ts';
import type { ControllerBuffers } from './state.ts';

export interface LocalLinkOptions {
  readonly seed: number;
  /** Probability that one radio PDU is lost. */
  readonly lossRatio: Ratio;
  /** Extra one-way latency added to every PDU, ms. */
  readonly latencyMs: number;
  readonly scheduler: Scheduler;
  /** Sees every HCI packet of every controller (btsnoop capture). */
  readonly tap?: HciTap | null;
  /** The air model's RSSI rule and packets per event; defaults are the virtual radio's (radioDefaults). */
  readonly air?: Partial<HciAirOptions>;
}

/** The air model's parameters that the HCI link takes from the virtual radio's options. */
export interface HciAirOptions extends RssiParams {
  packetsPerEventMax: number;
}

/** Controllers not placed (attach's `position`, `place`) are this far from every other controller. */
export const unplacedDistanceM = 1;

/** Per-controller settings (a served controller may look like a real one). */
export interface ControllerOptions {
  /** BD_ADDR; default unique per link and stable per seed. '00:00:00:00:00:00' mimics stock Bumble/Zephyr. */
  readonly publicAddress?: string;
  readonly buffers?: ControllerBuffers;
  readonly zephyrVendorCommands?: boolean;
  /** Deliver whole L2CAP frames to the host, larger than `buffers` if need be. */
  readonly reassembleToHost?: boolean;
  /** Where the controller's antenna is (m), for the air model's path loss; default: 1 m from everyone. */
  readonly position?: Position;
}

export interface LinkStats {
  advertisingEvents: number;
  reportsDelivered: number;
  reportsLost: number;
  /** Advertising PDUs (and CONNECT_INDs) heard under the receiver's sensitivity: out of range. */
  reportsOutOfRange: number;
  connectionsCreated: number;
  connectionsLost: number;
  disconnections: number;
  aclDelivered: number;
  /** LL packets on air over every connection (empty and control PDUs included), as the virtual radio's airTally. */
  llPackets: number;
  llPacketsAtRisk: number;
  llPacketsLost: number;
}

const firstConnectionHandle = 0x0040;

export class LocalLink implements LinkPort {
  readonly stats: LinkStats = { advertisingEvents: 0, reportsDelivered: 0, reportsLost: 0, reportsOutOfRange: 0, connectionsCreated: 0, connectionsLost: 0, disconnections: 0, aclDelivered: 0, llPackets: 0, llPacketsAtRisk: 0, llPacketsLost: 0 };
  readonly #air: AirConditions;
  readonly #rssi: RssiParams;
  readonly #positions = new Map<Controller, Position>();
  readonly #tap: HciTap | null;
  readonly #controllers: Controller[] = [];
  readonly #advertisingTimers = new Map<Controller, Cancel>();
  readonly #connections = new Map<number, Connection>(); // by each end's handle
  readonly #pairRngs = new Map<string, SeededRandom>();
  readonly #timingRng: Rng;
  #attachedCount = 0;
  #nextConnectionId = 1;
  #nextHandle = firstConnectionHandle;
  #closed = false;

  constructor(options: LocalLinkOptions) {
    assertSeed(options.seed);
    assertRatio(options.lossRatio, 'lossRatio');
    if (!Number.isFinite(options.latencyMs) || options.latencyMs < 0 || options.latencyMs > latencyMsMax) {
      throw new RangeError(`latencyMs: expected 0..${latencyMsMax}, got ${options.latencyMs}`);
    }
    const air = { ...pickAir(radioDefaults), ...options.air };
    this.#air = { seed: options.seed, lossRatio: options.lossRatio, latencyMs: options.latencyMs, scheduler: options.scheduler, packetsPerEventMax: air.packetsPerEventMax, tally: this.stats };
    this.#rssi = air;
    this.#tap = options.tap ?? null;
    this.#timingRng = createRng(options.seed, 'advertising_delay');
  }

  get controllers(): readonly Controller[] {
    return this.#controllers;
  }

  /** Creates a controller on this link with a BD_ADDR unique on the link and stable per seed. */
  attach(label: string, options: ControllerOptions = {}): Controller {
    if (this.#closed) throw new Error('link closed');
    if (this.#controllers.length >= hostsMax) throw new RangeError(`at most ${hostsMax} controllers per link`);
    this.#attachedCount += 1;
    const controller = new Controller({
      label,
      publicAddress: options.publicAddress ?? this.#addressFor(this.#attachedCount),
      link: this,
      tap: this.#tap,
      rng: createRng(this.#air.seed, `le_rand:${this.#attachedCount}`),
      ...(options.buffers ? { buffers: options.buffers } : {}),
      ...(options.zephyrVendorCommands ? { zephyrVendorCommands: true } : {}),
      ...(options.reassembleToHost ? { reassembleToHost: true } : {}),
    });
    this.#controllers.push(controller);
    if (options.position) this.#positions.set(controller, { ...options.position });
    return controller;
  }

  /** The controller attached as `label`, if any. */
  controllerLabelled(label: string): Controller | undefined {
    return this.#controllers.find((controller) => controller.label === label);
  }

  /** Moves a controller's antenna (m): later advertisements and connections see the new distance. */
  place(controller: Controller, position: Position): void {
    this.#own(controller);
    this.#positions.set(controller, { ...position });
  }

  /** Powers a controller off: its connections drop (peers see Connection Timeout). */
  detach(controller: Controller): void {
    this.resetController(controller);
    controller.attachHost(null);
    const index = this.#controllers.indexOf(controller);
    if (index >= 0) this.#controllers.splice(index, 1);
  }

  /** Stops every timer; no event is delivered afterwards. */
  close(): void {
    this.#closed = true;
    for (const connection of new Set(this.#connections.values())) connection.close();
    this.#connections.clear();
    this.#advertisingTimers.clear();
    this.#air.scheduler.cancelAll();
  }

  advertisingChanged(target: CommandTarget): void {
    const controller = this.#own(target);
    const running = this.#advertisingTimers.has(controller);
    if (controller.state.advertising.enabled && !running) this.#scheduleAdvertisingEvent(controller, 0);
    if (!controller.state.advertising.enabled && running) {
      this.#advertisingTimers.get(controller)?.();
      this.#advertisingTimers.delete(controller);
    }
  }

  initiatingChanged(_target: CommandTarget): void {
    // Initiators are matched at the advertiser's next advertising event.
  }

  sendAcl(target: CommandTarget, handle: number, packetBoundaryFlag: number, data: Uint8Array): boolean {
    const controller = this.#own(target);
    const found = this.#endsOf(controller, handle);
    if (found === null) return false;
    const { connection, remote } = found;
    connection.send(
      controller,
      () => {
        this.stats.aclDelivered += 1;
        remote.controller.deliverAcl(remote.handle, packetBoundaryFlag, data);
        controller.completePacket(handle);
      },
      { kind: 'data', octets: data.length },
    );
    return true;
  }

  disconnect(target: CommandTarget, handle: number, reason: number): boolean {
    const controller = this.#own(target);
    const found = this.#endsOf(controller, handle);
    if (found === null) return false;
    // LL_TERMINATE_IND travels after the data already queued in this direction.
    found.connection.send(controller, () => this.#close(found.connection, controller, HciStatus.ConnectionTerminatedByLocalHost, reason), { kind: 'control', octets: llTerminateIndOctets });
    return true;
  }

  updateConnection(target: CommandTarget, handle: number, parameters: CommandParameters<'HCI_LE_Connection_Update'>): boolean {
    const controller = this.#own(target);
    const found = this.#endsOf(controller, handle);
    if (found === null) return false;
    const { connection } = found;
    found.connection.send(controller, () => {
      connection.interval = parameters.Connection_Interval_Max;
      connection.peripheralLatency = parameters.Max_Latency;
      connection.supervisionTimeout = parameters.Supervision_Timeout;
      for (const end of [connection.central, connection.peripheral]) {
        end.controller.emit('HCI_LE_Connection_Update_Complete', {
          Status: HciStatus.Success,
          Connection_Handle: end.handle,
          Connection_Interval: connection.interval,
          Peripheral_Latency: connection.peripheralLatency,
          Supervision_Timeout: connection.supervisionTimeout,
        });
      }
    }, { kind: 'control', octets: llConnectionUpdateIndOctets });
    return true;
  }

  /**
   * The live data-PDU counters of the connection a controller's `handle` names (null when no
   * such open connection). The object keeps counting until the connection closes and stays
   * readable after, so a host can take it at connect time and read it at any point.
   */
  airStatsOf(controller: Controller, handle: number): Readonly<AirStats> | null {
    return this.#endsOf(controller, handle)?.connection.airStats ?? null;
  }

  rssiOf(target: CommandTarget, handle: number): number | null {
    const found = this.#endsOf(this.#own(target), handle);
    return found === null ? null : found.connection.rssi;
  }

  resetController(target: CommandTarget): void {
    const controller = this.#own(target);
    this.#advertisingTimers.get(controller)?.();
    this.#advertisingTimers.delete(controller);
    for (const connection of new Set(this.#connections.values())) {
      const ends = connection.ends(controller);
      if (ends === null) continue;
      this.#forget(connection);
      controller.closeHandle(ends.local.handle);
      ends.remote.controller.closeHandle(ends.remote.handle);
      ends.remote.controller.emit('HCI_Disconnection_Complete', { Status: HciStatus.Success, Connection_Handle: ends.remote.handle, Reason: HciStatus.ConnectionTimeout });
    }
  }

  #own(target: CommandTarget): Controller {
    if (!(target instanceof Controller) || !this.#controllers.includes(target)) throw new Error('controller not attached to this link');
    return target;
  }

  #endsOf(controller: Controller, handle: number): { connection: Connection; remote: { controller: Controller; handle: number } } | null {
    const connection = this.#connections.get(handle);
    const ends = connection?.ends(controller);
    if (connection === undefined || !connection.open || !ends || ends.local.handle !== handle) return null;
    return { connection, remote: ends.remote };
  }

  #addressFor(index: number): string {
    const rng = createRng(this.#air.seed, 'bd_addr');
    const prefix = rng.nextUint32();
    // Wire order: two octets of index (unique), then four octets of the seeded prefix.
    return formatBdAddr(Uint8Array.of(index & 0xff, (index >> 8) & 0xff, prefix & 0xff, (prefix >> 8) & 0xff, (prefix >> 16) & 0xff, (prefix >>> 24) & 0xff));
  }

  #pairRng(from: Controller, to: Controller, purpose: string): SeededRandom {
    const key = `${purpose}:${from.publicAddress}>${to.publicAddress}`;
    let rng = this.#pairRngs.get(key);
    if (rng === undefined) {
      rng = createStream(this.#air.seed, key);
      this.#pairRngs.set(key, rng);
    }
    return rng;
  }

  /**
   * One PDU from `transmitter` as `receiver` hears it: lost with the loss ratio, then its RSSI
   * from the air model (path loss over the controllers' distance, noise from `random`); null when
   * lost or under the sensitivity. The virtual radio's scan draws in the same order.
   */
  #hear(random: SeededRandom, receiver: Controller, transmitter: Controller): number | null {
    if (pduLost(random, this.#air.lossRatio)) {
      this.stats.reportsLost += 1;
      return null;
    }
    const placedReceiver = this.#positions.get(receiver);
    const placedTransmitter = this.#positions.get(transmitter);
    const [rx, tx] = placedReceiver && placedTransmitter ? [placedReceiver, placedTransmitter] : [{ xM: 0, yM: 0 }, { xM: unplacedDistanceM, yM: 0 }];
    const rssi = sampleRssiDbm(this.#rssi, random, receiver.label, transmitter.label, rx, tx, this.#air.scheduler.nowMs());
    if (rssi < this.#rssi.sensitivityDbm) {
      this.stats.reportsOutOfRange += 1;
      return null;
    }
    return rssi;
  }

  #scheduleAdvertisingEvent(controller: Controller, intervalMs: number): void {
    const delayMs = intervalMs + uniformBelow(this.#timingRng, advertisingDelayMsMax + 1);
    const cancel = this.#air.scheduler.schedule(delayMs, () => {
      this.#advertisingTimers.delete(controller);
      if (!controller.state.advertising.enabled || !this.#controllers.includes(controller)) return;
      this.#advertisingEvent(controller);
      if (controller.state.advertising.enabled && !this.#advertisingTimers.has(controller)) {
        const units = controller.state.advertising.parameters.Advertising_Interval_Min;
        const nextMs = Math.min(advertisingIntervalMsMax, Math.max(advertisingIntervalMsMin, (units * TimeUnitMicroseconds.advertising) / 1000));
        this.#scheduleAdvertisingEvent(controller, nextMs);
      }
    });
    this.#advertisingTimers.set(controller, cancel);
  }

  #advertisingEvent(advertiser: Controller): void {
    this.stats.advertisingEvents += 1;
    const { parameters, data, scanResponseData } = advertiser.state.advertising;
    const type = parameters.Advertising_Type;
    const own = advertiser.ownAddress(parameters.Own_Address_Type);
    const directed = type === AdvertisingType.AdvDirectIndHighDuty || type === AdvertisingType.AdvDirectIndLowDuty;
    const reportType = directed ? AdvertisingReportEventType.AdvDirectInd : type; // 0x00, 0x02, 0x03 coincide.
    const scannable = type === AdvertisingType.AdvInd || type === AdvertisingType.AdvScanInd;
    for (const scanner of this.#controllers) {
      if (scanner === advertiser || !scanner.state.scanning.enabled) continue;
      const rng = this.#pairRng(advertiser, scanner, 'advertising');
      const rssi = this.#hear(rng, scanner, advertiser);
      if (rssi === null) continue;
      this.#report(scanner, reportType, own, directed ? new Uint8Array(0) : data, rssi);
      if (scannable && scanner.state.scanning.scanType === LeScanType.Active) {
        const responseRssi = this.#hear(rng, scanner, advertiser);
        if (responseRssi !== null) this.#report(scanner, AdvertisingReportEventType.ScanRsp, own, scanResponseData, responseRssi);
      }
    }
    if (type === AdvertisingType.AdvScanInd || type === AdvertisingType.AdvNonconnInd) return;
    for (const initiator of this.#controllers) {
      const pending = initiator.state.initiating;
      if (initiator === advertiser || pending === null) continue;
      if (pending.Peer_Address !== own.address || (pending.Peer_Address_Type & 1) !== own.addressType) continue;
      if (directed && parameters.Peer_Address !== initiator.ownAddress(pending.Own_Address_Type).address) continue;
      const rssi = this.#hear(this.#pairRng(initiator, advertiser, 'connect_ind'), initiator, advertiser);
      if (rssi === null) continue;
      if (this.#connect(initiator, advertiser, rssi)) return;
    }
  }

  #report(scanner: Controller, eventType: number, own: { address: string; addressType: number }, payload: Uint8Array, rssi: number): void {
    this.#air.scheduler.schedule(this.#air.latencyMs, () => {
      const scanning = scanner.state.scanning;
      if (!scanning.enabled) return;
      if (scanning.filterDuplicates) {
        const key = `${own.address}/${eventType}/${Buffer.from(payload).toString('hex')}`;
        if (scanning.reported.has(key)) return;
        if (scanning.reported.size >= duplicateFilterEntriesMax) scanning.reported.clear();
        scanning.reported.add(key);
      }
      this.stats.reportsDelivered += 1;
      scanner.emit('HCI_LE_Advertising_Report', {
        Num_Reports: 1,
        Event_Type: eventType,
        Address_Type: own.addressType,
        Address: own.address,
        Data_Length: payload.length,
        Data: payload,
        RSSI: rssi,
      });
    });
  }

  #allocateHandle(): number {
    for (let attempt = 0; attempt < connectionHandleMax; attempt += 1) {
      const handle = this.#nextHandle;
      this.#nextHandle = handle >= connectionHandleMax ? 1 : handle + 1;
      if (!this.#connections.has(handle)) return handle;
    }
    throw new Error('no free connection handle');
  }

  #connect(central: Controller, peripheral: Controller, rssi: number): boolean {
    const pending = central.state.initiating;
    if (pending === null || this.#connections.size / 2 >= connectionsMax) return false;
    central.state.initiating = null;
    peripheral.state.advertising.enabled = false;
    this.#advertisingTimers.get(peripheral)?.();
    this.#advertisingTimers.delete(peripheral);
    const connection = new Connection({
      id: this.#nextConnectionId++,
      central: { controller: central, handle: this.#allocateHandle() },
      peripheral: { controller: peripheral, handle: this.#allocateHandle() },
      interval: pending.Connection_Interval_Min,
      peripheralLatency: pending.Max_Latency,
      supervisionTimeout: pending.Supervision_Timeout,
      rssi,
      air: this.#air,
      anchorMs: firstConnectionEventMs(this.#air.scheduler.nowMs(), intervalMsOf(pending.Connection_Interval_Min)),
      onLost: () => {
        this.stats.connectionsLost += 1;
        this.#close(connection, null, HciStatus.ConnectionTimeout, HciStatus.ConnectionTimeout);
      },
    });
    this.#connections.set(connection.central.handle, connection);
    this.#connections.set(connection.peripheral.handle, connection);
    central.openHandle(connection.central.handle);
    peripheral.openHandle(connection.peripheral.handle);
    this.stats.connectionsCreated += 1;
    const centralAddress = central.ownAddress(pending.Own_Address_Type);
    const peripheralAddress = peripheral.ownAddress(peripheral.state.advertising.parameters.Own_Address_Type);
    this.#air.scheduler.schedule(this.#air.latencyMs, () => {
      if (!connection.open) return;
      const common = {
        Status: HciStatus.Success,
        Connection_Interval: connection.interval,
        Peripheral_Latency: connection.peripheralLatency,
        Supervision_Timeout: connection.supervisionTimeout,
        Central_Clock_Accuracy: 0,
      };
      central.emit('HCI_LE_Connection_Complete', { ...common, Connection_Handle: connection.central.handle, Role: ConnectionRole.Central, Peer_Address_Type: peripheralAddress.addressType, Peer_Address: peripheralAddress.address });
      peripheral.emit('HCI_LE_Connection_Complete', { ...common, Connection_Handle: connection.peripheral.handle, Role: ConnectionRole.Peripheral, Peer_Address_Type: centralAddress.addressType, Peer_Address: centralAddress.address });
    });
    return true;
  }

  #forget(connection: Connection): void {
    connection.close();
    this.#connections.delete(connection.central.handle);
    this.#connections.delete(connection.peripheral.handle);
  }

  /** Ends a connection: Disconnection_Complete to both hosts, buffers freed. */
  #close(connection: Connection, initiator: Controller | null, initiatorReason: number, remoteReason: number): void {
    if (!connection.open) return;
    this.#forget(connection);
    this.stats.disconnections += 1;
    for (const end of [connection.central, connection.peripheral]) {
      end.controller.closeHandle(end.handle);
      const reason = end.controller === initiator ? initiatorReason : remoteReason;
      end.controller.emit('HCI_Disconnection_Complete', { Status: HciStatus.Success, Connection_Handle: end.handle, Reason: reason });
    }
  }
}

function pickAir(options: HciAirOptions): HciAirOptions {
  const { rssiAt1mDbm, pathLossExponentTenths, rssiNoiseDb, sensitivityDbm, packetsPerEventMax } = options;
  return { rssiAt1mDbm, pathLossExponentTenths, rssiNoiseDb, sensitivityDbm, packetsPerEventMax };
}
