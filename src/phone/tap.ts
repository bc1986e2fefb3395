/**
 * "Unlock with tap": which of the guest's entrances the phone is being held to, from the RSSI of
 * the advertisements it hears (issue 18; the model behind the figures: docs/RF.md).
 *
 * Pure and clock-free: the caller feeds samples with their (virtual) time and asks for a decision.
 * Rules:
 * - Only granted entrances count. A sample from any other lock is dropped on arrival, so a door the
 *   guest holds no credential for can never be chosen, however loud it is.
 * - Smoothing: an entrance's level is the median of its samples in the last `windowMs`, and needs
 *   `minSamples` of them (one upward fade is not a tap).
 * - Touch threshold with hysteresis: an entrance enters touch range when its level reaches
 *   `touchDbm` and leaves it only below `touchDbm − hysteresisDb`. After an unlock the same
 *   entrance must leave touch range before it can be chosen again (holding the phone there does not
 *   unlock twice).
 * - Refuse to guess: when the runner-up granted entrance's level is within `marginDb` of the best,
 *   the answer is `tap_ambiguous` naming both, not a coin toss.
 */

export interface TapOptions {
  touchDbm: number;
  hysteresisDb: number;
  windowMs: number;
  minSamples: number;
  marginDb: number;
}

/** Chosen with the corridor benchmark (BENCHMARKS.md, "Unlock with tap"). */
export const tapDefaults: TapOptions = { touchDbm: -42, hysteresisDb: 6, windowMs: 300, minSamples: 2, marginDb: 10 };

export interface RssiSample {
  entranceId: string;
  rssiDbm: number;
  timeMs: number;
}

export type TapDecision =
  | { result: 'unlock'; entranceId: string; levelDbm: number; runnerUpDbm: number | undefined }
  | { result: 'tap_ambiguous'; entranceIds: [string, string]; levelsDbm: [number, number] }
  | { result: 'no_entrance_in_touch_range'; bestEntranceId: string | undefined; bestDbm: number | undefined };

export class TapOptionsError extends Error {
  readonly code = 'tap_options_invalid';
  constructor(message: string) {
    super(`tap_options_invalid: ${message}`);
  }
}

export function checkTapOptions(options: TapOptions): TapOptions {
  const { touchDbm, hysteresisDb, windowMs, minSamples, marginDb } = options;
  if (!Number.isFinite(touchDbm) || touchDbm > 0 || touchDbm < -127) throw new TapOptionsError('touchDbm must be in -127..0');
  if (!Number.isFinite(hysteresisDb) || hysteresisDb < 0 || hysteresisDb > 40) throw new TapOptionsError('hysteresisDb must be in 0..40');
  if (!Number.isFinite(windowMs) || windowMs <= 0 || windowMs > 10_000) throw new TapOptionsError('windowMs must be in (0, 10000]');
  if (!Number.isInteger(minSamples) || minSamples < 1 || minSamples > 100) throw new TapOptionsError('minSamples must be an integer in 1..100');
  if (!Number.isFinite(marginDb) || marginDb < 0 || marginDb > 60) throw new TapOptionsError('marginDb must be in 0..60');
  return options;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export class TapRanker {
  readonly options: TapOptions;
  private readonly granted: ReadonlySet<string>;
  private readonly samples = new Map<string, RssiSample[]>();
  /** Entrances in touch range after the last decide() (the hysteresis state). */
  private readonly inTouch = new Set<string>();
  /** Entrances unlocked and not yet out of touch range since. */
  private readonly spent = new Set<string>();

  constructor(grantedEntranceIds: Iterable<string>, options: Partial<TapOptions> = {}) {
    this.options = checkTapOptions({ ...tapDefaults, ...options });
    this.granted = new Set(grantedEntranceIds);
  }

  /** Records a sample; false (and ignored) when the entrance is not granted or the value is not an RSSI. */
  observe(sample: RssiSample): boolean {
    if (!this.granted.has(sample.entranceId) || !Number.isFinite(sample.rssiDbm) || !Number.isFinite(sample.timeMs)) return false;
    const list = this.samples.get(sample.entranceId);
    if (list === undefined) this.samples.set(sample.entranceId, [sample]);
    else list.push(sample);
    return true;
  }

  /** The smoothed level of each granted entrance with enough samples in the window ending at `nowMs`. */
  levels(nowMs: number): Map<string, number> {
    const levels = new Map<string, number>();
    const from = nowMs - this.options.windowMs;
    for (const [id, list] of this.samples) {
      while (list.length > 0 && list[0]!.timeMs < from) list.shift();
      const recent = list.filter((s) => s.timeMs <= nowMs);
      if (recent.length >= this.options.minSamples) levels.set(id, median(recent.map((s) => s.rssiDbm)));
    }
    return levels;
  }

  /** Decides at `nowMs` (samples must be fed in time order). An `unlock` marks that entrance spent until it leaves touch range. */
  decide(nowMs: number): TapDecision {
    const { touchDbm, hysteresisDb, marginDb } = this.options;
    const levels = this.levels(nowMs);
    for (const id of [...this.inTouch]) {
      const level = levels.get(id);
      if (level === undefined || level < touchDbm - hysteresisDb) {
        this.inTouch.delete(id);
        this.spent.delete(id);
      }
    }
    for (const [id, level] of levels) if (level >= touchDbm) this.inTouch.add(id);
    // Rank by level; ties by id so the answer never depends on the order samples arrived in.
    const ranked = [...levels].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const best = ranked[0];
    if (best === undefined || !this.inTouch.has(best[0]) || this.spent.has(best[0])) {
      return { result: 'no_entrance_in_touch_range', bestEntranceId: best?.[0], bestDbm: best?.[1] };
    }
    const runnerUp = ranked[1];
    if (runnerUp !== undefined && best[1] - runnerUp[1] < marginDb) {
      return { result: 'tap_ambiguous', entranceIds: [best[0], runnerUp[0]], levelsDbm: [best[1], runnerUp[1]] };
    }
    this.spent.add(best[0]);
    return { result: 'unlock', entranceId: best[0], levelDbm: best[1], runnerUpDbm: runnerUp?.[1] };
  }
}
