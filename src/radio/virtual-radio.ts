/**
 * A seeded BLE simulation in virtual time. Locks (firmware-model instances) advertise; phones scan,
 * connect, exchange MTU, read and write. Every connection runs connection events on a grid of
 * `connIntervalMs`; in each event the central sends up to `packetsPerEventMax` LL packets, then the
 * peripheral does; a response is ready at the earliest in the next event (plus any injected
 * latency), so one ATT round trip costs one interval and a request right after a response waits
 * for the following event. ATT PDUs are fragmented into LL packets (L2CAP header included); lost
 * packets are retransmitted in the next event; bytes on air count every packet, empty ones too.
 * The physics (connection events, loss, supervision timeout, RSSI and range) is the air model of
 * src/radio/air/, shared with the virtual HCI controllers bleno and noble talk to; this file adds
 * the firmware-model lock, ATT, compute delays, advertising and scans, in virtual time.
 *
 * Phone code is ordinary async code against `Transport`; the run loop fires one event, then lets
 * all promise continuations settle (one macrotask) before the next, so the same seed gives the same
 * trace byte for byte.
 */
import type { Lock, LockOutput } from '../../firmware-model/lock.ts';
import { concatBytes, toHex } from '../protocol/bytes.ts';
import { createSeededRandom, type SeededRandom } from '../protocol/random.ts';
import { attPduBytes, isRequest, l2capHeaderBytes, type AttPdu } from './att.ts';
import { ConnectionEvents, firstConnectionEventMs, type AirTally } from './air/connection-events.ts';
import { maxRangeM, sampleRssiDbm, type Position } from './air/rssi.ts';
import { EventQueue } from './event-queue.ts';
import { attUnlikelyError, readAnswerOf, writeAnswerOf } from './gatt-adapter.ts';
import { responseReadyMs } from '../../firmware-model/hardware/cpu-clock.ts';
import { idleStepCompute } from '../../firmware-model/hardware/meter.ts';
import { radioDefaults, type RadioOptions } from './options.ts';
import { AttError, TransportError, type Advertisement, type CharacteristicName, type GattConnection, type LinkStats, type Transport } from './transport.ts';

export type { Position };

interface LockNode {
  deviceId: string;
  lock: Lock;
  position: Position;
  advPhaseMs: number;
  /** Insertion order: scans visit candidates in this order so runs stay deterministic. */
  index: number;
  /** The lock's CPU is busy until then (background work: precomputed keys, early ECDH). */
  busyUntilMs: number;
  /** When the last step's response is ready: its foreground compute done (lock.lastStepCompute). */
  readyAtMs: number;
  /** A `compute_done` step is scheduled for then (lock.computeDoneAtMs). */
  wakeAtMs: number | undefined;
}

interface Pending {
  resolve: (pdu: AttPdu) => void;
  reject: (error: Error) => void;
}

export type RadioObserver = (event: { timeMs: number; deviceId: string; output: LockOutput }) => void;

const barrier: () => Promise<void> = () => new Promise((resolve) => setImmediate(resolve));

export class VirtualRadio {
  readonly options: RadioOptions;
  private readonly queue = new EventQueue();
  private readonly random: SeededRandom;
  private readonly locks = new Map<string, LockNode>();
  private readonly phones = new Map<string, Position>();
  private nowMs: number;
  private nextLinkId = 1;
  private traceHash = 0x811c9dc5;
  readonly trace: string[] = [];
  private readonly observers: RadioObserver[] = [];
  /**
   * Phones whose compute delays their requests (World registers each phone's meter): `take` returns
   * the µs counted since its last call; `atMs` is when the phone's code last resumed (a response, a
   * connection), and `sinceUs` the compute counted since then.
   */
  private readonly phoneCompute = new Map<string, { take: () => number; atMs: number; sinceUs: number }>();
  /** LL packets on air over every link (empty ones included) and how many were lost. */
  readonly airTally: AirTally = { llPackets: 0, llPacketsAtRisk: 0, llPacketsLost: 0 };
  /** Links to drop after the central has sent this many more packets (fault injection). */
  private readonly disconnectAfterPackets = new Map<string, number>();

  constructor(options: Partial<RadioOptions> = {}) {
    this.options = { ...radioDefaults, ...options };
    this.random = createSeededRandom(this.options.seed).fork('radio');
    this.nowMs = this.options.epochMs;
  }

  now(): number {
    return this.nowMs;
  }

  addLock(deviceId: string, lock: Lock, position: Position): void {
    const node = { deviceId, lock, position, advPhaseMs: this.random.below(this.options.advIntervalMs), index: this.locks.size, busyUntilMs: this.nowMs, readyAtMs: this.nowMs, wakeAtMs: undefined };
    this.locks.set(deviceId, node);
    if (this.grid !== undefined) this.gridInsert(node);
  }

  // -- spatial index: a scan looks at the 3×3 cells around the phone (cell = radio range) --
  private grid: Map<string, LockNode[]> | undefined;
  private gridCellM = 0;

  private gridKey(xM: number, yM: number): string {
    return `${Math.floor(xM / this.gridCellM)},${Math.floor(yM / this.gridCellM)}`;
  }
  private gridInsert(node: LockNode): void {
    const key = this.gridKey(node.position.xM, node.position.yM);
    const cell = this.grid!.get(key);
    if (cell === undefined) this.grid!.set(key, [node]);
    else cell.push(node);
  }
  /** Locks that may be in range of a point, in insertion order. Rebuilt if the radio options change the range. */
  private candidatesNear(position: Position): LockNode[] {
    const rangeM = this.maxRangeM();
    if (this.grid === undefined || this.gridCellM !== rangeM) {
      this.grid = new Map();
      this.gridCellM = rangeM;
      for (const node of this.locks.values()) this.gridInsert(node);
    }
    const cx = Math.floor(position.xM / this.gridCellM);
    const cy = Math.floor(position.yM / this.gridCellM);
    const found: LockNode[] = [];
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) found.push(...(this.grid.get(`${cx + dx},${cy + dy}`) ?? []));
    return found.sort((a, b) => a.index - b.index);
  }
  lockNode(deviceId: string): Lock {
    const node = this.locks.get(deviceId);
    if (node === undefined) throw new Error(`no lock ${deviceId}`);
    return node.lock;
  }
  lockPosition(deviceId: string): Position {
    const node = this.locks.get(deviceId);
    if (node === undefined) throw new Error(`no lock ${deviceId}`);
    return { xM: node.position.xM + 0.5, yM: node.position.yM };
  }
  placePhone(phoneId: string, position: Position): void {
    this.phones.set(phoneId, position);
  }
  /**
   * The phone's compute delays its requests as the lock's delays its responses: a request goes out
   * in the first connection event after the compute before it is done. `take`: µs of phone compute
   * counted since the last call (its meter priced on the phone's profile; 0 on `ideal`).
   */
  setPhoneCompute(phoneId: string, take: () => number): void {
    take();
    this.phoneCompute.set(phoneId, { take, atMs: this.nowMs, sinceUs: 0 });
  }

  /** The phone's code resumes now (a response or a connection): compute counted before this is past. */
  phoneResumes(phoneId: string): void {
    const phone = this.phoneCompute.get(phoneId);
    if (phone === undefined) return;
    phone.take();
    phone.atMs = this.nowMs;
    phone.sinceUs = 0;
  }

  /** When the phone's next request is ready: its compute since it last resumed done (JS runs to completion there). */
  phoneReadyMs(phoneId: string): number {
    const phone = this.phoneCompute.get(phoneId);
    if (phone === undefined) return this.nowMs;
    const more = phone.take();
    if (more > 0) {
      phone.sinceUs += more;
      this.record(`${phoneId} compute ${more} us`);
    }
    return Math.max(this.nowMs, phone.atMs + phone.sinceUs / 1000);
  }

  observe(observer: RadioObserver): void {
    this.observers.push(observer);
  }
  /** Fault: drop `deviceId`'s next link after the phone has sent `packets` LL packets on it. */
  injectDisconnect(deviceId: string, packets: number): void {
    this.disconnectAfterPackets.set(deviceId, packets);
  }

  /** FNV-1a over the trace lines: equal hashes ⇔ equal traces (for determinism checks). */
  get traceDigest(): string {
    return (this.traceHash >>> 0).toString(16).padStart(8, '0');
  }

  record(line: string): void {
    const full = `${(this.nowMs - this.options.epochMs).toFixed(3)} ${line}`;
    for (let i = 0; i < full.length; i++) this.traceHash = Math.imul(this.traceHash ^ full.charCodeAt(i), 0x01000193);
    if (this.options.trace) this.trace.push(full);
  }

  schedule(atMs: number, fire: () => void): void {
    this.queue.push(Math.max(atMs, this.nowMs), fire);
  }

  /** Feeds an input to a lock now and routes its outputs. */
  stepLock(deviceId: string, input: Parameters<Lock['step']>[0]): LockOutput[] {
    const node = this.locks.get(deviceId)!;
    const outputs = node.lock.step(input, this.nowMs);
    this.chargeCompute(node);
    for (const output of outputs) {
      if (output.type === 'actuate') {
        this.record(`${deviceId} ACTUATE`);
        this.schedule(this.nowMs + node.lock.config.unlockMs, () => this.stepLock(deviceId, { type: 'tick' }));
      } else if (output.type === 'relock') this.record(`${deviceId} relock`);
      else if (output.type === 'disconnect') {
        // The lock drops a link (idle, over age, too many refusals, or no free slot).
        const link = this.links.get(output.connectionId);
        if (link !== undefined && link.deviceId === deviceId) this.schedule(this.nowMs, () => link.drop('lock dropped the connection'));
      }
      else if (output.type === 'audit') this.record(`${deviceId} audit ${output.record.event}${output.record.code ? ` ${output.record.code}` : ''}`);
      for (const observer of this.observers) observer({ timeMs: this.nowMs, deviceId, output });
    }
    if (!node.lock.isPowered) for (const link of this.links.values()) if (link.deviceId === deviceId) link.drop('lock lost power');
    this.wakeForHeldEffects(node);
    return outputs;
  }

  /**
   * The lock holds an NV write or a bolt movement until the compute that decides it is done
   * (lock.computeDoneAtMs): step it then, before the response that compute delays goes out.
   */
  private wakeForHeldEffects(node: LockNode): void {
    const dueMs = (node.lock as Partial<Lock>).computeDoneAtMs;
    if (dueMs === undefined || node.wakeAtMs === dueMs) return;
    node.wakeAtMs = dueMs;
    this.schedule(dueMs, () => {
      if (node.wakeAtMs === dueMs) node.wakeAtMs = undefined;
      this.stepLock(node.deviceId, { type: 'compute_done' });
    });
  }

  /** The lock's compute on one CPU, the rule of firmware-model/hardware/cpu-clock.ts (the lock keeps the same account). */
  private chargeCompute(node: LockNode): void {
    // Scripted stand-ins (the Aliro-shaped bench reader, a scenario's fake lock) report no compute.
    const compute = (node.lock as Partial<Lock>).lastStepCompute ?? idleStepCompute;
    // Work queued on the CPU dies with the power, as the lock's own account does (else the radio
    // would delay answers by it while the lock adds nothing to its relay bound: attack on issue 15, F3).
    if ((node.lock as Partial<Lock>).isPowered === false) node.busyUntilMs = this.nowMs;
    const { foregroundMicroseconds, backgroundMicroseconds } = compute;
    const ready = responseReadyMs(this.nowMs, node.busyUntilMs, compute);
    node.readyAtMs = ready.readyMs;
    node.busyUntilMs = ready.busyUntilMs;
    if (foregroundMicroseconds === 0 && backgroundMicroseconds === 0) return;
    this.record(`${node.deviceId} compute ${foregroundMicroseconds}+${backgroundMicroseconds} us`);
  }

  /** When the lock's last response is ready (after its compute), for Link. */
  responseReadyMs(deviceId: string): number {
    return this.locks.get(deviceId)!.readyAtMs;
  }

  /** Runs events until `promise` settles (or the queue drains: then the promise is stuck — a bug). */
  async runUntil<T>(promise: Promise<T>): Promise<T> {
    let settled = false;
    const tracked = promise.finally(() => {
      settled = true;
    });
    tracked.catch(() => undefined);
    await barrier();
    while (!settled) {
      const event = this.queue.pop();
      if (event === undefined) throw new Error('virtual radio: no events left but the operation is still pending');
      this.nowMs = Math.max(this.nowMs, event.timeMs);
      const fired = event.fire() as unknown;
      if (fired instanceof Promise) await fired;
      await barrier();
    }
    return tracked;
  }

  /** Advances virtual time, firing everything due on the way. */
  async advance(durationMs: number): Promise<void> {
    const target = this.nowMs + durationMs;
    await this.runUntil(new Promise<void>((resolve) => this.schedule(target, resolve)));
  }

  transportFor(phoneId: string): Transport {
    return {
      now: () => this.nowMs,
      scan: (durationMs) => this.scan(phoneId, durationMs),
      connect: (deviceId, options) => this.connect(phoneId, deviceId, options),
    };
  }

  // -- advertising and scanning --

  rssiDbm(phoneId: string, deviceId: string, atMs: number = this.nowMs): number {
    const phone = this.phones.get(phoneId) ?? { xM: 0, yM: 0 };
    return sampleRssiDbm(this.options, this.random, phoneId, deviceId, phone, this.locks.get(deviceId)!.position, atMs);
  }

  /** Distance beyond which even the best noise draw stays under the receiver sensitivity. */
  private maxRangeM(): number {
    return maxRangeM(this.options);
  }

  private nextAdvertisingMs(node: LockNode, afterMs: number): number {
    const interval = this.options.advIntervalMs;
    const k = Math.ceil((afterMs - this.options.epochMs - node.advPhaseMs) / interval);
    return this.options.epochMs + node.advPhaseMs + Math.max(0, k) * interval;
  }

  private scan(phoneId: string, durationMs: number): Promise<Advertisement[]> {
    return new Promise((resolve) => {
      const start = this.nowMs;
      this.schedule(start + durationMs, () => {
        const heard: Advertisement[] = [];
        const phone = this.phones.get(phoneId) ?? { xM: 0, yM: 0 };
        const rangeM = this.maxRangeM();
        for (const node of this.candidatesNear(phone)) {
          if (!node.lock.isPowered) continue;
          // Cull by distance before drawing noise: a scan in a 10,000-door building stays cheap.
          if (Math.hypot(phone.xM - node.position.xM, phone.yM - node.position.yM) > rangeM) continue;
          let best: number | undefined;
          for (let t = this.nextAdvertisingMs(node, start); t <= start + durationMs; t += this.options.advIntervalMs) {
            if (this.random.chance(this.options.lossNumerator, this.options.lossDenominator)) continue;
            const rssi = this.rssiDbm(phoneId, node.deviceId, t);
            if (rssi >= this.options.sensitivityDbm && (best === undefined || rssi > best)) best = rssi;
          }
          if (best === undefined) continue;
          const advert = this.stepLock(node.deviceId, { type: 'advertise' }).find((output) => output.type === 'advertisement');
          const challenge = advert?.type === 'advertisement' ? advert.challenge : undefined;
          const resumeNonce = advert?.type === 'advertisement' ? advert.resumeNonce : undefined;
          heard.push({ deviceId: node.deviceId, lockId: node.lock.identity.lockId, rssiDbm: best, ...(challenge ? { challenge } : {}), ...(resumeNonce ? { resumeNonce } : {}) });
        }
        this.record(`${phoneId} scan heard ${heard.map((a) => `${a.deviceId}@${a.rssiDbm}`).join(',')}`);
        resolve(heard);
      });
    });
  }

  // -- connections --

  private readonly links = new Map<number, Link>();

  private async connect(phoneId: string, deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection> {
    const node = this.locks.get(deviceId);
    if (node === undefined || !node.lock.isPowered) throw new TransportError('transport_timeout', `no lock ${deviceId} advertising`);
    if (this.rssiDbm(phoneId, deviceId) < this.options.sensitivityDbm) throw new TransportError('transport_timeout', `${deviceId} out of range`);
    // CONNECT_IND answers the next advertisement; the first connection event follows the transmit window.
    const establishedMs = firstConnectionEventMs(this.nextAdvertisingMs(node, this.nowMs), this.options.connIntervalMs);
    await new Promise<void>((resolve) => this.schedule(establishedMs, resolve));
    const link = new Link(this, this.nextLinkId++, phoneId, deviceId, this.nowMs, options.timeoutMs);
    this.phoneResumes(phoneId);
    const budget = this.disconnectAfterPackets.get(deviceId);
    if (budget !== undefined) {
      link.centralPacketBudget = budget;
      this.disconnectAfterPackets.delete(deviceId);
    }
    this.links.set(link.id, link);
    this.record(`${phoneId} connected ${deviceId} link ${link.id}`);
    const refused = this.stepLock(deviceId, { type: 'connect', connectionId: link.id, connIntervalMs: this.options.connIntervalMs }).some((output) => output.type === 'disconnect' && output.connectionId === link.id);
    if (refused) {
      link.drop('lock refused the connection');
      throw new TransportError('lock_busy', 'the lock serves its maximum number of connections');
    }
    if (options.mtu > 23) {
      const response = await link.request({ op: 'exchange_mtu_req', mtu: options.mtu });
      if (response.op === 'exchange_mtu_rsp') link.mtu = Math.min(options.mtu, response.mtu);
    }
    link.resetStats();
    return link.connection();
  }

  forgetLink(id: number): void {
    this.links.delete(id);
  }

  // Used by Link:
  get rng(): SeededRandom {
    return this.random;
  }
  lockNodeOf(deviceId: string): LockNode {
    return this.locks.get(deviceId)!;
  }
}

/** One BLE connection between a phone (central) and a lock (peripheral), on the air's connection events. */
class Link {
  mtu = 23;
  centralPacketBudget: number | undefined;
  private pending: Pending | undefined;
  private roundTrips = 0;
  private commands = 0;
  private readonly events: ConnectionEvents<AttPdu>;
  readonly radio: VirtualRadio;
  readonly id: number;
  readonly phoneId: string;
  readonly deviceId: string;
  readonly timeoutMs: number;

  constructor(radio: VirtualRadio, id: number, phoneId: string, deviceId: string, anchorMs: number, timeoutMs: number) {
    this.radio = radio;
    this.id = id;
    this.phoneId = phoneId;
    this.deviceId = deviceId;
    this.timeoutMs = timeoutMs;
    const options = radio.options;
    this.events = new ConnectionEvents<AttPdu>({
      clock: { now: () => radio.now(), at: (atMs, task) => radio.schedule(atMs, task) },
      anchorMs,
      intervalMs: options.connIntervalMs,
      packetsPerEventMax: options.packetsPerEventMax,
      supervisionTimeoutMs: options.supervisionTimeoutMs,
      loss: { numerator: options.lossNumerator, denominator: options.lossDenominator },
      random: radio.rng,
      centralContinuesEvent: options.centralContinuesEvent,
      settle: barrier,
      tally: radio.airTally,
      hooks: {
        deliver: (from, pdu) => this.deliver(from, pdu),
        lost: (from, pdu) => this.radio.record(`link ${this.id} ${from} lost ${pdu.op}`),
        sent: (from) => {
          if (from !== 'central' || this.centralPacketBudget === undefined || --this.centralPacketBudget >= 0) return true;
          this.drop('injected disconnect');
          return false;
        },
        supervisionTimeout: () => this.drop('supervision timeout'),
      },
    });
  }

  get connected(): boolean {
    return this.events.open;
  }
  resetStats(): void {
    this.roundTrips = 0;
    this.commands = 0;
    this.events.resetStats();
  }

  connection(): GattConnection {
    return {
      deviceId: this.deviceId,
      mtu: this.mtu,
      read: (characteristic) => this.longRead(characteristic),
      write: async (characteristic, data, withResponse) => {
        if (data.length > this.mtu - 3) throw new RangeError(`write of ${data.length} bytes over MTU ${this.mtu}`);
        if (!withResponse) {
          this.send('central', { op: 'write_cmd', characteristic, value: data.slice() });
          return;
        }
        const response = await this.request({ op: 'write_req', characteristic, value: data.slice() });
        if (response.op === 'error_rsp') throw new AttError(response.attError);
      },
      disconnect: async () => this.drop('phone disconnected'),
      stats: () => ({ roundTrips: this.roundTrips, commands: this.commands, bytesOnAir: this.events.stats.bytesOnAir, packets: this.events.stats.packets }),
    };
  }

  private async longRead(characteristic: CharacteristicName): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const response = await this.request(offset === 0 ? { op: 'read_req', characteristic } : { op: 'read_blob_req', characteristic, offset });
      if (response.op === 'error_rsp') throw new AttError(response.attError);
      if (response.op !== 'read_rsp') throw new Error('unexpected response to a read');
      parts.push(response.value);
      offset += response.value.length;
      if (response.value.length < this.mtu - 1) break;
    }
    return concatBytes(...parts);
  }

  request(pdu: AttPdu): Promise<AttPdu> {
    if (!this.connected) return Promise.reject(new TransportError('transport_disconnected'));
    if (this.pending !== undefined) throw new Error('ATT allows one outstanding request per bearer');
    return new Promise<AttPdu>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.roundTrips++;
      this.send('central', pdu);
      const started = this.radio.now();
      this.radio.schedule(started + this.timeoutMs, () => {
        if (this.pending?.resolve === resolve) {
          this.pending = undefined;
          this.radio.record(`link ${this.id} timeout`);
          reject(new TransportError('transport_timeout', `no response in ${this.timeoutMs} ms`));
        }
      });
    });
  }

  /**
   * `readyMs`: a lock response cannot go out before its compute is done (first event at or after
   * it); a phone request likewise waits for the phone's compute (VirtualRadio.phoneReadyMs).
   */
  private send(side: 'central' | 'peripheral', pdu: AttPdu, readyMs: number | undefined = side === 'central' ? this.radio.phoneReadyMs(this.phoneId) : undefined): void {
    if (!this.connected) return;
    if (side === 'central' && !isRequest(pdu)) this.commands++;
    const options = this.radio.options;
    const extraEvents = side === 'peripheral' ? Math.ceil((options.extraLatencyMs + options.lockComputeMs) / options.connIntervalMs) : 0;
    const computed = readyMs === undefined || readyMs <= this.radio.now() ? 0 : this.events.eventIndexAt(readyMs);
    const eligibleEvent = Math.max(this.events.nextEventIndex(side) + extraEvents, computed);
    this.events.enqueue(side, pdu, attPduBytes(pdu) + l2capHeaderBytes, options.llPayloadBytesMax, eligibleEvent);
  }

  private deliver(from: 'central' | 'peripheral', pdu: AttPdu): void {
    this.radio.record(`link ${this.id} ${from === 'central' ? '>' : '<'} ${describe(pdu)}`);
    if (from === 'peripheral') {
      this.radio.phoneResumes(this.phoneId);
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(pdu);
      return;
    }
    const response = this.serve(pdu);
    if (response !== undefined) this.send('peripheral', response, this.radio.responseReadyMs(this.deviceId));
  }

  /** The lock's GATT server: turns an ATT PDU into a firmware-model input and back. */
  private serve(pdu: AttPdu): AttPdu | undefined {
    const step = (input: Parameters<Lock['step']>[0]): LockOutput[] => this.radio.stepLock(this.deviceId, input);
    switch (pdu.op) {
      case 'exchange_mtu_req':
        return { op: 'exchange_mtu_rsp', mtu: this.radio.options.lockMtuMax };
      case 'read_req':
      case 'read_blob_req': {
        const answer = readAnswerOf(step({ type: 'read', connectionId: this.id, characteristic: pdu.characteristic, offset: pdu.op === 'read_req' ? 0 : pdu.offset }));
        if (answer === null) return this.connected ? { op: 'error_rsp', attError: attUnlikelyError } : undefined;
        return answer.ok ? { op: 'read_rsp', value: answer.value.slice(0, this.mtu - 1) } : { op: 'error_rsp', attError: answer.attError };
      }
      case 'write_req':
      case 'write_cmd': {
        const outputs = step({ type: 'write', connectionId: this.id, characteristic: pdu.characteristic, data: pdu.value, withResponse: pdu.op === 'write_req' });
        if (pdu.op === 'write_cmd') return undefined;
        const answer = writeAnswerOf(outputs);
        if (answer === null) return this.connected ? { op: 'error_rsp', attError: attUnlikelyError } : undefined;
        return answer.ok ? { op: 'write_rsp' } : { op: 'error_rsp', attError: answer.attError };
      }
      default:
        return undefined;
    }
  }

  drop(reason: string): void {
    if (!this.connected) return;
    this.events.close();
    this.radio.record(`link ${this.id} down: ${reason}`);
    this.radio.forgetLink(this.id);
    if (this.radio.lockNode(this.deviceId).isPowered) this.radio.stepLock(this.deviceId, { type: 'disconnect', connectionId: this.id });
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(new TransportError('transport_disconnected', reason));
  }
}

function describe(pdu: AttPdu): string {
  switch (pdu.op) {
    case 'read_rsp':
    case 'write_req':
    case 'write_cmd':
      return `${pdu.op} ${toHex(pdu.value)}`;
    case 'error_rsp':
      return `${pdu.op} 0x${pdu.attError.toString(16)}`;
    default:
      return pdu.op;
  }
}
