/**
 * One LE connection between two virtual controllers, and how its link-layer PDUs cross the air.
 *
 * The physics is the air model shared with the virtual radio (src/radio/air/connection-events.ts):
 * each ACL packet a host hands its controller is one LL data packet, sent in the connection's
 * next event on the grid of Connection_Interval from the first connection event; up to
 * `packetsPerEventMax` per side per event, the central first; per direction PDUs arrive in the
 * order sent (the LL acknowledges and retransmits, Vol 6, Part B, §4.5.9); a lost PDU ends the
 * event and goes again in the next; Supervision_Timeout without an event fully heard drops the
 * link. Loss draws come from this connection's own seeded stream, so they depend only on its own
 * traffic. LL control PDUs (terminate, connection update) travel in order with the data and are
 * never lost. `latencyMs` (an HCI-only knob) delays every arrival after its event.
 */
import { ConnectionEvents } from '../../radio/air/connection-events.ts';
import type { AirTally, Side } from '../../radio/air/connection-events.ts';
import { airClockOf } from '../../radio/air/clock.ts';
import { createStream } from '../rng.ts';
import type { Ratio } from '../rng.ts';
import type { Scheduler } from '../scheduler.ts';
import { TimeUnitMicroseconds } from '../codec/constants.ts';
import type { Controller } from './controller.ts';

export interface ConnectionEnd {
  readonly controller: Controller;
  readonly handle: number;
}

export interface AirConditions {
  readonly seed: number;
  readonly lossRatio: Ratio;
  readonly latencyMs: number;
  readonly scheduler: Scheduler;
  /** LL data packets each side may send in one connection event. */
  readonly packetsPerEventMax: number;
  /** Counters over every connection of the link. */
  readonly tally: AirTally;
}

/** Link-layer data PDU overhead: preamble 1 + access address 4 + LL header 2 + CRC 3 (Vol 6,
 * Part B, §2.1; no MIC: the link is not encrypted). The air model counts the same (att.ts). */
export const llDataPduOverheadOctets = 10;

/** What one send puts on air: an ACL packet's payload, or an LL control PDU (never lost). */
export type AirPdu = { readonly kind: 'data'; readonly octets: number } | { readonly kind: 'control'; readonly octets: number };

/** LL control PDU payloads (Vol 6, Part B, §2.4.2): opcode + CtrData. */
export const llTerminateIndOctets = 2;
export const llConnectionUpdateIndOctets = 12;

/** LL packets on one connection, both directions: retransmissions, empty and control PDUs included. */
export interface AirStats {
  packets: number;
  bytesOnAir: number;
}

/** Connection_Interval (1.25 ms units, Vol 4, Part E, §7.7.65.1) in ms. */
export function intervalMsOf(units: number): number {
  return (units * TimeUnitMicroseconds.connectionInterval) / 1000;
}

export class Connection {
  readonly id: number;
  readonly central: ConnectionEnd;
  readonly peripheral: ConnectionEnd;
  peripheralLatency: number;
  /** RSSI of the CONNECT_IND's advertisement as the central heard it (HCI_Read_RSSI). */
  readonly rssi: number;
  readonly #events: ConnectionEvents<() => void>;
  #interval: number;
  #supervisionTimeout: number;

  constructor(options: {
    id: number;
    central: ConnectionEnd;
    peripheral: ConnectionEnd;
    interval: number;
    peripheralLatency: number;
    supervisionTimeout: number;
    rssi: number;
    air: AirConditions;
    /** When the first connection event happens (ms on the scheduler's clock). */
    anchorMs: number;
    /** The supervision timeout expired: the link is lost. */
    onLost: () => void;
  }) {
    this.id = options.id;
    this.central = options.central;
    this.peripheral = options.peripheral;
    this.#interval = options.interval;
    this.peripheralLatency = options.peripheralLatency;
    this.#supervisionTimeout = options.supervisionTimeout;
    this.rssi = options.rssi;
    const { scheduler, latencyMs } = options.air;
    this.#events = new ConnectionEvents<() => void>({
      clock: airClockOf(scheduler),
      anchorMs: options.anchorMs,
      intervalMs: intervalMsOf(options.interval),
      packetsPerEventMax: options.air.packetsPerEventMax,
      supervisionTimeoutMs: options.supervisionTimeout * 10,
      loss: options.air.lossRatio,
      random: createStream(options.air.seed, `connection:${options.id}`),
      // Hosts run on other threads in wall time: none answers within the event it heard.
      centralContinuesEvent: false,
      tally: options.air.tally,
      hooks: {
        deliver: (_from: Side, arrive) => {
          if (latencyMs === 0) return arrive();
          scheduler.schedule(latencyMs, () => {
            if (this.open) arrive();
          });
        },
        supervisionTimeout: options.onLost,
      },
    });
  }

  get open(): boolean {
    return this.#events.open;
  }

  /** Ends the connection: nothing queued arrives. */
  close(): void {
    this.#events.close();
  }

  /** Data-PDU counters, live until the connection closes and readable after. */
  get airStats(): Readonly<AirStats> {
    return this.#events.stats;
  }

  /** Connection_Interval in 1.25 ms units; a new value restarts the event grid at the next event. */
  get interval(): number {
    return this.#interval;
  }
  set interval(units: number) {
    this.#interval = units;
    this.#events.retime(intervalMsOf(units));
  }

  /** Supervision_Timeout in 10 ms units. */
  get supervisionTimeout(): number {
    return this.#supervisionTimeout;
  }
  set supervisionTimeout(units: number) {
    this.#supervisionTimeout = units;
    this.#events.supervisionTimeoutMs = units * 10;
  }

  /** The end of this connection owned by `controller`, and the opposite end. */
  ends(controller: Controller): { local: ConnectionEnd; remote: ConnectionEnd } | null {
    if (this.central.controller === controller) return { local: this.central, remote: this.peripheral };
    if (this.peripheral.controller === controller) return { local: this.peripheral, remote: this.central };
    return null;
  }

  get intervalMs(): number {
    return intervalMsOf(this.#interval);
  }

  /**
   * Sends one PDU from `from` to the other end in the connection's next event: `arrive` runs when
   * its LL packet got through, in FIFO order with this direction's earlier PDUs, unless the
   * connection closed meanwhile.
   */
  send(from: Controller, arrive: () => void, pdu: AirPdu): void {
    const side: Side = from === this.central.controller ? 'central' : 'peripheral';
    this.#events.enqueue(side, arrive, pdu.octets, Math.max(1, pdu.octets), undefined, pdu.kind === 'control');
  }
}
