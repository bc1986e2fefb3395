/**
 * Rates per second of user CPU time, the unit `openssl speed` reports in (its default). On a
 * machine shared with other sessions a wall-clock rate falls with their load while openssl's does
 * not; measuring both sides in user CPU time keeps the ratio about the code. Wall time is kept
 * beside it for the record.
 */
export interface Rate {
  ops: number;
  cpuS: number;
  wallS: number;
  /** ops per user-CPU second (compare with openssl speed). */
  perCpuS: number;
  perWallS: number;
}

export function rateOf(ops: number, cpuMicros: number, wallMs: number): Rate {
  const cpuS = cpuMicros / 1e6;
  const wallS = wallMs / 1000;
  return { ops, cpuS, wallS, perCpuS: cpuS > 0 ? ops / cpuS : Number.NaN, perWallS: wallS > 0 ? ops / wallS : Number.NaN };
}

/** A stopwatch over user CPU and wall time that can be paused around work that is not measured. */
export class CpuStopwatch {
  private cpuMicros = 0;
  private wallMs = 0;
  private startedCpu: number | undefined;
  private startedWall = 0;
  start(): void {
    this.startedCpu = process.cpuUsage().user;
    this.startedWall = performance.now();
  }
  stop(): void {
    if (this.startedCpu === undefined) return;
    this.cpuMicros += process.cpuUsage().user - this.startedCpu;
    this.wallMs += performance.now() - this.startedWall;
    this.startedCpu = undefined;
  }
  /** Runs `work` with the stopwatch running. */
  time<T>(work: () => T): T {
    this.start();
    try {
      return work();
    } finally {
      this.stop();
    }
  }
  rate(ops: number): Rate {
    return rateOf(ops, this.cpuMicros, this.wallMs);
  }
}

/** Runs `operation` over `cases` for at least `durationMs` of wall time (after a warm-up) and returns its rate. */
export function measureRate<T>(cases: readonly T[], durationMs: number, operation: (input: T) => void): Rate {
  const warmUntil = performance.now() + Math.min(300, durationMs / 4);
  do for (const input of cases) operation(input);
  while (performance.now() < warmUntil);
  const watch = new CpuStopwatch();
  let ops = 0;
  const started = performance.now();
  watch.start();
  while (performance.now() - started < durationMs) {
    for (const input of cases) operation(input);
    ops += cases.length;
  }
  watch.stop();
  return watch.rate(ops);
}

/** Each case exactly once (no repeats: nothing can be cached between cases), timed as one block. */
export function measureOnce<T>(cases: readonly T[], operation: (input: T) => void): Rate {
  const watch = new CpuStopwatch();
  watch.start();
  for (const input of cases) operation(input);
  watch.stop();
  return watch.rate(cases.length);
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

/** Median (mean of the middle two for an even count), min and max; NaN entries are dropped. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, rounds: 0 };
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]!, rounds: sorted.length };
}
