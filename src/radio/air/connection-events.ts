/**
 * Connection events of one BLE link: the one model of the air's data channel, used by the virtual
 * radio (src/radio/virtual-radio.ts: ATT PDUs of the firmware-model lock, virtual time) and by the
 * virtual HCI controllers (src/hci/controller/connection.ts: bleno/noble's ACL, wall time).
 *
 * Rule (docs/PROTOCOL.md §12.1): events run on a grid of `intervalMs` from `anchorMs`, and only
 * while something is queued (idle events are not simulated). In each event the central sends up
 * to `packetsPerEventMax` of its eligible LL packets, then the peripheral does; a side with
 * nothing to send sends one empty packet (counted on air, never lost). Each packet is lost with
 * the ratio `loss`, drawn from the injected seeded stream; a loss ends the event and the packet
 * goes again in the next one (FIFO per direction: the LL acknowledges and retransmits, Core v5.4
 * Vol 6 Part B §4.5.9). An event in which no packet got through, more than `supervisionTimeoutMs`
 * after the last packet that did, ends the link (supervision timeout); idle events between the
 * ones run count as heard (their empty packets are never lost). With `centralContinuesEvent` the
 * central may answer, within the same event, what it just received (MD bit, §4.5.6): the engine
 * lets the central's code run (`settle`) and gives it the rest of the event.
 */
import type { SeededRandom } from '../../protocol/random.ts';
import { llOverheadBytes } from '../att.ts';
import type { AirClock } from './clock.ts';

export type Side = 'central' | 'peripheral';

/** A probability as an integer ratio, decided without floats. */
export interface LossRatio {
  readonly numerator: number;
  readonly denominator: number;
}

/** CONNECT_IND answers an advertisement; the first connection event follows the 1.25 ms transmit window and one interval. */
export const transmitWindowOffsetMs = 1.25;
export function firstConnectionEventMs(connectIndMs: number, intervalMs: number): number {
  return connectIndMs + transmitWindowOffsetMs + intervalMs;
}

/** True when one PDU is lost (no draw when the ratio is 0). */
export function pduLost(random: SeededRandom, loss: LossRatio): boolean {
  return random.chance(loss.numerator, loss.denominator);
}

interface Packet<T> {
  readonly item: T;
  readonly payloadBytes: number;
  readonly last: boolean;
  eligibleEvent: number;
  readonly reliable: boolean;
}

export interface ConnectionEventsHooks<T> {
  /** The last LL packet of `item` got through. */
  deliver(from: Side, item: T): void;
  /** A packet of `item` was lost (it goes again in the next event). */
  lost?(from: Side, item: T): void;
  /** After each data packet that got through, before delivery; false ends the event (the hook dropped the link). */
  sent?(from: Side): boolean;
  /** The supervision timeout expired. */
  supervisionTimeout(): void;
}

export interface ConnectionEventsOptions<T> {
  readonly clock: AirClock;
  readonly anchorMs: number;
  readonly intervalMs: number;
  readonly packetsPerEventMax: number;
  readonly supervisionTimeoutMs: number;
  readonly loss: LossRatio;
  /** Loss draws. */
  readonly random: SeededRandom;
  readonly centralContinuesEvent: boolean;
  /** Lets the central's code react before its continuation (virtual time: one macrotask). */
  readonly settle?: () => Promise<void>;
  readonly hooks: ConnectionEventsHooks<T>;
  /** Counters over every link of one air (never reset): LL packets on air and how many were lost. */
  readonly tally?: AirTally;
}

export interface AirTally {
  /** Every LL packet on air, empty ones included. */
  llPackets: number;
  /** Packets that drew a loss decision (data; not empty or LL control PDUs). */
  llPacketsAtRisk: number;
  llPacketsLost: number;
}

export class ConnectionEvents<T> {
  open = true;
  /** LL packets on air, both directions, retransmissions and empty packets included. */
  readonly stats = { packets: 0, bytesOnAir: 0 };
  supervisionTimeoutMs: number;
  #anchorMs: number;
  #intervalMs: number;
  readonly #central: Packet<T>[] = [];
  readonly #peripheral: Packet<T>[] = [];
  readonly #options: ConnectionEventsOptions<T>;
  #lastEventIndex = -1;
  #sentThisEvent = 0;
  #inEvent = false;
  #eventScheduled = false;
  #generation = 0;
  #lastHeardMs: number;
  #receivedThisEvent = false;

  constructor(options: ConnectionEventsOptions<T>) {
    this.#options = options;
    this.#anchorMs = options.anchorMs;
    this.#intervalMs = options.intervalMs;
    this.supervisionTimeoutMs = options.supervisionTimeoutMs;
    this.#lastHeardMs = options.anchorMs;
  }

  get anchorMs(): number {
    return this.#anchorMs;
  }
  get intervalMs(): number {
    return this.#intervalMs;
  }

  resetStats(): void {
    this.stats.packets = 0;
    this.stats.bytesOnAir = 0;
  }

  /** The first event at or after `timeMs`. */
  eventIndexAt(timeMs: number): number {
    return Math.ceil((timeMs - this.#anchorMs) / this.#intervalMs);
  }

  /** The first connection event a packet queued now can still go out in. */
  nextEventIndex(side: Side = 'peripheral'): number {
    const byTime = this.eventIndexAt(this.#options.clock.now());
    const open = side === 'central' && this.#options.centralContinuesEvent && this.#inEvent ? this.#lastEventIndex : this.#lastEventIndex + 1;
    return Math.max(byTime, open);
  }

  /**
   * Queues `item` from `side` as LL packets carrying `totalBytes` in payloads of at most
   * `fragmentBytes`, first eligible in event `eligibleEvent` (default: the next one it can go in).
   * `reliable`: never lost (LL control PDUs whose loss is not modelled).
   */
  enqueue(side: Side, item: T, totalBytes: number, fragmentBytes: number, eligibleEvent: number = this.nextEventIndex(side), reliable = false): void {
    if (!this.open) return;
    const count = Math.max(1, Math.ceil(totalBytes / fragmentBytes));
    const queue = side === 'central' ? this.#central : this.#peripheral;
    for (let i = 0; i < count; i++) queue.push({ item, payloadBytes: Math.min(fragmentBytes, totalBytes - i * fragmentBytes), last: i === count - 1, eligibleEvent, reliable });
    this.#scheduleEvent();
  }

  /**
   * New connection parameters from the next event on (LL_CONNECTION_UPDATE_IND's instant, taken
   * as the next event): the grid restarts there with `intervalMs`.
   */
  retime(intervalMs: number): void {
    if (!this.open || intervalMs === this.#intervalMs) return;
    const next = this.nextEventIndex();
    this.#anchorMs += next * this.#intervalMs;
    this.#intervalMs = intervalMs;
    for (const packet of [...this.#central, ...this.#peripheral]) packet.eligibleEvent = Math.max(0, packet.eligibleEvent - next);
    this.#lastEventIndex = -1;
    this.#generation++;
    this.#eventScheduled = false;
    this.#scheduleEvent();
  }

  /** Ends the link: nothing queued goes out, no event runs. */
  close(): void {
    this.open = false;
    this.#central.length = 0;
    this.#peripheral.length = 0;
  }

  #scheduleEvent(): void {
    if (this.#eventScheduled || !this.open) return;
    const pendingPackets = [...this.#central, ...this.#peripheral];
    if (pendingPackets.length === 0) return;
    const index = Math.max(this.nextEventIndex(), Math.min(...pendingPackets.map((p) => p.eligibleEvent)));
    this.#eventScheduled = true;
    const generation = this.#generation;
    this.#options.clock.at(this.#anchorMs + index * this.#intervalMs, () => (generation === this.#generation ? this.#connectionEvent(index) : undefined));
  }

  async #connectionEvent(index: number): Promise<void> {
    if (!this.open) return;
    // eventScheduled stays true while the event runs, so packets queued meanwhile do not schedule
    // a duplicate event; scheduleEvent() at the end picks them up.
    // Events between the previous one run and this one were idle, not absent: both sides exchanged
    // empty packets there (never lost in this model), so the link was heard up to the event before
    // this one (second attack on issue 16: an idle link died on its first loss after a quiet spell).
    if (index - this.#lastEventIndex > 1) this.#lastHeardMs = Math.max(this.#lastHeardMs, this.#anchorMs + (index - 1) * this.#intervalMs);
    this.#lastEventIndex = index;
    this.#sentThisEvent = 0;
    this.#receivedThisEvent = false;
    const generation = this.#generation;
    let complete = this.#transmit('central', index) && this.#transmit('peripheral', index);
    if (complete && this.#options.centralContinuesEvent) {
      this.#inEvent = true;
      await this.#options.settle?.();
      this.#inEvent = false;
      complete = this.#transmit('central', index, true);
    }
    // The supervision timer restarts on any packet received correctly (Core v5.4 Vol 6 Part B
    // §4.5.2), not only on an event without a loss: a busy lossy link that gets packets through lives.
    const heard = this.#receivedThisEvent;
    // A retime() during the event (a connection update arriving) has scheduled the next event itself.
    if (!this.open || generation !== this.#generation) return;
    this.#eventScheduled = false;
    const now = this.#options.clock.now();
    if (heard) this.#lastHeardMs = now;
    else if (now - this.#lastHeardMs > this.supervisionTimeoutMs) {
      this.#options.hooks.supervisionTimeout();
      return;
    }
    this.#scheduleEvent();
  }

  /** Sends one side's eligible packets in this event; false when a packet was lost (event ends). */
  #transmit(side: Side, index: number, continuation = false): boolean {
    const queue = side === 'central' ? this.#central : this.#peripheral;
    const { packetsPerEventMax, loss, random, hooks, tally } = this.#options;
    let sent = continuation ? this.#sentThisEvent : 0;
    const start = sent;
    while (sent < packetsPerEventMax && queue.length > 0 && queue[0]!.eligibleEvent <= index && this.open) {
      const packet = queue[0]!;
      this.stats.packets++;
      this.stats.bytesOnAir += llOverheadBytes + packet.payloadBytes;
      if (tally) tally.llPackets++;
      if (tally && !packet.reliable) tally.llPacketsAtRisk++;
      if (!packet.reliable && pduLost(random, loss)) {
        if (tally) tally.llPacketsLost++;
        hooks.lost?.(side, packet.item);
        return false;
      }
      queue.shift();
      sent++;
      this.#receivedThisEvent = true;
      if (hooks.sent !== undefined && !hooks.sent(side)) return false;
      if (packet.last) hooks.deliver(side, packet.item);
    }
    if (side === 'central') this.#sentThisEvent = sent;
    if (sent === start && !continuation) {
      this.stats.packets++;
      this.stats.bytesOnAir += llOverheadBytes; // empty PDU keeps the event going
      this.#receivedThisEvent = true; // never lost: the other side heard it
      if (tally) tally.llPackets++;
    }
    return true;
  }
}
