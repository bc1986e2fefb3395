/**
 * The lock's real-time clock, driven by the simulator's true time. It drifts (integer ppm), can be
 * set by a signed time sync, and never moves back beyond a tolerance: local time is clamped to the
 * high-water mark minus the tolerance, and the mark survives power cuts through NV.
 */
export interface ClockOptions {
  driftPpm: number;
  /** How far back a clock adjustment may move local time. */
  rollbackToleranceMs: number;
}

export class LockClock {
  private offsetMs = 0;
  highWaterMs = 0;
  readonly options: ClockOptions;
  constructor(options: ClockOptions, startMs: number) {
    this.options = options;
    this.offsetMs = startMs;
  }

  /** When the oscillator started: drift accumulates from here, not from the Unix epoch. */
  private startedAtTrueMs: number | undefined;

  /** The oscillator's reading before the rollback clamp (whole milliseconds). */
  private rawMs(trueMs: number): number {
    this.startedAtTrueMs ??= trueMs;
    return Math.floor(trueMs + ((trueMs - this.startedAtTrueMs) * this.options.driftPpm) / 1_000_000 + this.offsetMs);
  }

  /** Local time for a true simulator time. */
  localMs(trueMs: number): number {
    const drifted = this.rawMs(trueMs);
    const clamped = Math.max(drifted, this.highWaterMs - this.options.rollbackToleranceMs);
    if (clamped > this.highWaterMs) this.highWaterMs = clamped;
    return clamped;
  }

  /** Moves the clock to `targetMs` if that is not a rollback beyond the tolerance; returns whether it did. */
  set(trueMs: number, targetMs: number): boolean {
    const current = this.localMs(trueMs);
    if (targetMs < current - this.options.rollbackToleranceMs) return false;
    // Correct the oscillator itself (not the clamped reading), so a clock held up by the clamp
    // really moves to the target.
    this.offsetMs += targetMs - this.rawMs(trueMs);
    if (targetMs < this.highWaterMs) this.highWaterMs = Math.max(targetMs, this.highWaterMs - this.options.rollbackToleranceMs);
    return true;
  }

  /** Hardware RTC disturbance (e.g. an attacker or a fault): the clamp still applies on read. */
  disturb(deltaMs: number): void {
    this.offsetMs += deltaMs;
  }
}
