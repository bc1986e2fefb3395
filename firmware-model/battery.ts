/**
 * The lock's battery: a coulomb counter over a 2×AA lithium pack, pure and deterministic. Charge is
 * an integer count of nanocoulombs (1 nC = 1 µA for 1 ms), so every drain is exact integer
 * arithmetic and the same inputs give the same charge on every platform. Time comes only from the
 * lock's monotonic tick (`elapse`); nothing here reads a wall clock.
 *
 * Figures (approximate, chosen to be plausible for a BLE door lock; they are a model, not a
 * measurement):
 * - Capacity: 3,000 mAh, two Li-FeS2 AA cells in series (Energizer L91 datasheet: ~3,000–3,500 mAh
 *   to 0.9 V per cell at light drain). Configurable: `batteryCapacityMah`.
 * - Idle: 20 µA average. An nRF52-class SoC sleeps at ~2–3 µA with its RTC running; connectable
 *   advertising at a few hundred ms costs ~10–20 µA on average (Nordic's online power profiler);
 *   the motor driver and voltage supervisor leak ~1 µA. Advertising is billed here, not per
 *   `advertise` input: the model only sees the adverts a scanning phone hears, not the lock's airtime.
 * - A phone's visit (one accepted connection): ~3 mA for ~600 ms, the link at a 15 ms connection
 *   interval plus the unlock's P-256/Ed25519 crypto on a Cortex-M4 without an accelerator.
 * - Motor: ~300 mA for ~300 ms per bolt movement (a small geared DC motor, as in lever and
 *   deadbolt retrofit locks); an unlock is two movements (open, then relock).
 * With 10 unlocks a day that is ≈ 1.0 mAh/day, so a fresh pack lasts years in the model; commercial
 * locks quote 6–12 months because of larger motors, Wi-Fi bridges and alkaline cells.
 * - Voltage: a piecewise-linear curve of the pack's loaded voltage against state of charge (fresh
 *   3.2 V, a long flat plateau near 3.0 V, a knee below 10 %, 1.8 V = 0.9 V per cell at empty).
 *   Because the plateau is flat, the state of charge comes from counting charge, not from voltage.
 *
 * Thresholds: at or below `lowPercent` the lock audits `battery_low` once; at or below
 * `cutoffPercent` it refuses to unlock (`battery_depleted`) and keeps the rest for relocking and
 * for telling phones why.
 */

/** 1 mAh = 3.6 C = 3.6e9 nC. */
const nanocoulombsPerMah = 3_600_000_000;
/** Keeps capacity × 100 below 2^53 (exact integers). */
export const batteryCapacityMahMax = 20_000;

/** Average or peak current (µA) and how long it flows (ms) for one event of each kind. */
export const batteryLoads = {
  motor: { microamps: 300_000, durationMs: 300 },
  connection: { microamps: 3_000, durationMs: 600 },
} as const;
export type BatteryLoad = keyof typeof batteryLoads;
export const batteryIdleMicroamps = 20;

/** Loaded pack voltage (mV) at a state of charge (‰), highest first; linear in between. */
const voltageCurve: readonly (readonly [permille: number, millivolts: number])[] = [
  [1000, 3_200],
  [900, 3_060],
  [500, 3_000],
  [200, 2_920],
  [100, 2_840],
  [50, 2_650],
  [20, 2_400],
  [0, 1_800],
];

export interface BatteryOptions {
  capacityMah: number;
  /** 0–100, may be fractional. */
  initialPercent: number;
  /** Integer 0–100. */
  lowPercent: number;
  /** Integer 0–100, at most lowPercent. */
  cutoffPercent: number;
  /** Average idle current, µA (hardware profile; default batteryIdleMicroamps). */
  idleMicroamps?: number;
  /** Radio share of one phone visit (hardware profile; default batteryLoads.connection). */
  connection?: { microamps: number; durationMs: number };
}

/** Where the charge went, nC: idle (sleep + advertising), radio (phone visits), crypto (compute), motor. */
export interface ChargeShares {
  idle: number;
  radio: number;
  crypto: number;
  motor: number;
}

export interface BatteryReading {
  /** State of charge rounded up (so `percent <= lowPercent` exactly when the pack is low). */
  readonly percent: number;
  readonly millivolts: number;
  readonly low: boolean;
  /** Too low to move the bolt open: the lock refuses unlocks with `battery_depleted`. */
  readonly depleted: boolean;
}

function checkPercent(value: number, title: string, integer: boolean): void {
  if (typeof value !== 'number') throw new TypeError(`${title}: expected a number`);
  if (!Number.isFinite(value) || value < 0 || value > 100 || (integer && !Number.isInteger(value))) throw new RangeError(`${title}: expected ${integer ? 'an integer' : 'a number'} in [0, 100], got ${value}`);
}

/**
 * Example: `const battery = new Battery({ capacityMah: 3000, initialPercent: 100, lowPercent: 20, cutoffPercent: 2 });
 * battery.elapse(0); battery.draw('motor'); battery.reading.percent // 100`
 */
export class Battery {
  private readonly capacityNc: number;
  private readonly lowNc: number;
  private readonly cutoffNc: number;
  private remainingNc: number;
  /** Tick of the last `elapse`; undefined until the first one (and while suspended). */
  private lastMs: number | undefined;
  private lowReported = false;
  private readonly idleMicroamps: number;
  private readonly connection: { microamps: number; durationMs: number };
  /** Charge drawn so far by share (nC). */
  readonly spent: ChargeShares = { idle: 0, radio: 0, crypto: 0, motor: 0 };

  constructor(options: BatteryOptions) {
    if (!Number.isInteger(options.capacityMah) || options.capacityMah < 1 || options.capacityMah > batteryCapacityMahMax) throw new RangeError(`capacityMah: expected an integer in [1, ${batteryCapacityMahMax}], got ${options.capacityMah}`);
    checkPercent(options.initialPercent, 'initialPercent', false);
    checkPercent(options.lowPercent, 'lowPercent', true);
    checkPercent(options.cutoffPercent, 'cutoffPercent', true);
    if (options.cutoffPercent > options.lowPercent) throw new RangeError(`cutoffPercent (${options.cutoffPercent}) must not exceed lowPercent (${options.lowPercent})`);
    this.capacityNc = options.capacityMah * nanocoulombsPerMah;
    this.remainingNc = Math.floor((this.capacityNc * options.initialPercent) / 100);
    this.lowNc = (this.capacityNc / 100) * options.lowPercent;
    this.cutoffNc = (this.capacityNc / 100) * options.cutoffPercent;
    this.idleMicroamps = options.idleMicroamps ?? batteryIdleMicroamps;
    this.connection = options.connection ?? batteryLoads.connection;
  }

  /** Idle drain from the last tick seen to `tickMs`. The first call only sets the anchor; a tick that goes back drains nothing. */
  elapse(tickMs: number): void {
    // Whole nC between the two ticks' running totals: fractional ticks (the radio's are) telescope exactly.
    if (this.lastMs !== undefined && tickMs > this.lastMs) this.take(Math.floor(this.idleMicroamps * tickMs) - Math.floor(this.idleMicroamps * this.lastMs), 'idle');
    if (this.lastMs === undefined || tickMs > this.lastMs) this.lastMs = tickMs;
  }

  /** Power is off (cells out or a brown-out): no idle drain until the next `elapse` sets a new anchor. */
  suspend(): void {
    this.lastMs = undefined;
  }

  draw(load: BatteryLoad): void {
    const { microamps, durationMs } = load === 'connection' ? this.connection : batteryLoads[load];
    this.take(microamps * durationMs, load === 'connection' ? 'radio' : 'motor');
  }

  /** Compute charge (nC) billed by the lock's meter (firmware-model/hardware/meter.ts). */
  drawCompute(chargeNc: number): void {
    if (chargeNc > 0) this.take(chargeNc, 'crypto');
  }

  /** True exactly once: the first time it is asked with the charge at or below the low threshold. */
  takeLowWarning(): boolean {
    if (this.lowReported || this.remainingNc > this.lowNc) return false;
    this.lowReported = true;
    return true;
  }

  get depleted(): boolean {
    return this.remainingNc <= this.cutoffNc;
  }

  get reading(): BatteryReading {
    const percent = Math.ceil((this.remainingNc * 100) / this.capacityNc);
    return Object.freeze({ percent, millivolts: millivoltsAt(Math.floor((this.remainingNc * 1000) / this.capacityNc)), low: this.remainingNc <= this.lowNc, depleted: this.depleted });
  }

  private take(chargeNc: number, share: keyof ChargeShares): void {
    this.spent[share] += chargeNc;
    this.remainingNc = Math.max(0, this.remainingNc - chargeNc);
  }
}

/** Pack voltage at a state of charge in ‰ (integer mV, linear between the curve's points). */
export function millivoltsAt(permille: number): number {
  for (let i = 1; i < voltageCurve.length; i++) {
    const [highPermille, highMv] = voltageCurve[i - 1]!;
    const [lowPermille, lowMv] = voltageCurve[i]!;
    if (permille >= lowPermille) return lowMv + Math.floor(((highMv - lowMv) * (Math.min(permille, highPermille) - lowPermille)) / (highPermille - lowPermille));
  }
  return voltageCurve[voltageCurve.length - 1]![1];
}
