/**
 * One LE connection between two virtual controllers, and how its link-layer PDUs cross the air.
 *
 * Why its own file: the delivery rule is the part of the simulator that must be right for ATT to
 * work — per direction, PDUs arrive in the order sent (the LL acknowledges and retransmits, Vol 6,
 * Part B, §4.5.9), a lost PDU costs one connection interval per retransmission, and after
 * `retransmissionsMax` consecutive losses the link is declared dead, standing in for the
 * supervision timeout. Loss decisions come from a per-direction seeded stream, so they depend
 * only on this connection's own traffic.
 */
import { chance, createRng } from '../rng.ts';
import type { Ratio, Rng } from '../rng.ts';
import type { Scheduler } from '../scheduler.ts';
import { TimeUnitMicroseconds } from '../codec/constants.ts';
import { retransmissionsMax } from '../limits.ts';
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
}

class Direction {
  readonly rng: Rng;
  lastArrivalMs = 0;
  constructor(seed: number, label: string) {
    this.rng = createRng(seed, label);
  }
}

export type SendOutcome = 'scheduled' | 'link_lost';

/** Link-layer data PDU overhead: preamble 1 + access address 4 + LL header 2 + CRC 3 (Vol 6,
 * Part B, §2.1; no MIC: the link is not encrypted). */
export const llDataPduOverheadOctets = 10;

/** Data PDUs sent on one connection, both directions, retransmissions included. */
export interface AirStats {
  packets: number;
  bytesOnAir: number;
}

export class Connection {
  readonly id: number;
  readonly central: ConnectionEnd;
  readonly peripheral: ConnectionEnd;
  /** Connection_Interval in 1.25 ms units (Vol 4, Part E, §7.7.65.1). */
  interval: number;
  peripheralLatency: number;
  supervisionTimeout: number;
  readonly rssi: number;
  open = true;
  /** Counted for ACL data only (LL control PDUs and empty PDUs are not modelled). */
  readonly airStats: AirStats = { packets: 0, bytesOnAir: 0 };
  readonly #air: AirConditions;
  readonly #toPeripheral: Direction;
  readonly #toCentral: Direction;

  constructor(options: {
    id: number;
    central: ConnectionEnd;
    peripheral: ConnectionEnd;
    interval: number;
    peripheralLatency: number;
    supervisionTimeout: number;
    rssi: number;
    air: AirConditions;
  }) {
    this.id = options.id;
    this.central = options.central;
    this.peripheral = options.peripheral;
    this.interval = options.interval;
    this.peripheralLatency = options.peripheralLatency;
    this.supervisionTimeout = options.supervisionTimeout;
    this.rssi = options.rssi;
    this.#air = options.air;
    this.#toPeripheral = new Direction(options.air.seed, `connection:${options.id}:to_peripheral`);
    this.#toCentral = new Direction(options.air.seed, `connection:${options.id}:to_central`);
  }

  /** The end of this connection owned by `controller`, and the opposite end. */
  ends(controller: Controller): { local: ConnectionEnd; remote: ConnectionEnd } | null {
    if (this.central.controller === controller) return { local: this.central, remote: this.peripheral };
    if (this.peripheral.controller === controller) return { local: this.peripheral, remote: this.central };
    return null;
  }

  get intervalMs(): number {
    return (this.interval * TimeUnitMicroseconds.connectionInterval) / 1000;
  }

  /**
   * Sends one PDU from `from` to the other end: `arrive` runs on arrival, in FIFO order with
   * this direction's earlier PDUs, unless the connection closed meanwhile. With `reliable` the
   * PDU is never lost (used for LL control PDUs whose loss we do not model). `payloadOctets`
   * (ACL data only) is counted in `airStats`, once per transmission.
   */
  send(from: Controller, arrive: () => void, reliable = false, payloadOctets: number | null = null): SendOutcome {
    const direction = from === this.central.controller ? this.#toPeripheral : this.#toCentral;
    let retransmissions = 0;
    while (!reliable && chance(direction.rng, this.#air.lossRatio)) {
      retransmissions += 1;
      if (retransmissions > retransmissionsMax) return 'link_lost';
    }
    if (payloadOctets !== null) {
      this.airStats.packets += retransmissions + 1;
      this.airStats.bytesOnAir += (retransmissions + 1) * (llDataPduOverheadOctets + payloadOctets);
    }
    const { scheduler, latencyMs } = this.#air;
    const nowMs = scheduler.nowMs();
    const arrivalMs = Math.max(nowMs + latencyMs + retransmissions * this.intervalMs, direction.lastArrivalMs);
    direction.lastArrivalMs = arrivalMs;
    scheduler.schedule(arrivalMs - nowMs, () => {
      if (this.open) arrive();
    });
    return 'scheduled';
  }
}
