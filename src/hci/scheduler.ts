/**
 * Time for the simulated link: "run this after N ms", behind an interface.
 *
 * Why injected: bleno and noble run on the real clock, so a live run uses timers; but the link's
 * own logic (latency, retransmission delay, advertising events, FIFO order) is tested on a
 * manual clock that only moves when the test says so — no sleeps, no flaky barriers. Every
 * scheduled task is tracked so that `cancelAll()` leaves no timer behind when a run closes.
 */

export type Cancel = () => void;

export interface Scheduler {
  /** Milliseconds on this scheduler's clock (monotonic). */
  nowMs(): number;
  /** Runs `task` once after `delayMs` (0: on a later turn of the event loop, never inline). */
  schedule(delayMs: number, task: () => void): Cancel;
  /** Cancels every pending task; the scheduler stays usable. */
  cancelAll(): void;
  /** Number of pending tasks (for leak checks). */
  pendingCount(): number;
}

/** Timers on the real event loop; `nowMs` is performance.now(). */
export function createRealScheduler(): Scheduler {
  const pending = new Map<number, () => void>();
  let nextId = 0;
  return {
    nowMs: () => performance.now(),
    schedule(delayMs, task) {
      if (!(delayMs >= 0)) throw new RangeError(`delayMs: ${delayMs}`);
      const id = nextId++;
      const run = (): void => {
        pending.delete(id);
        task();
      };
      if (delayMs === 0) {
        const immediate = setImmediate(run);
        pending.set(id, () => clearImmediate(immediate));
      } else {
        const timeout = setTimeout(run, delayMs);
        pending.set(id, () => clearTimeout(timeout));
      }
      return () => {
        pending.get(id)?.();
        pending.delete(id);
      };
    },
    cancelAll() {
      for (const cancel of pending.values()) cancel();
      pending.clear();
    },
    pendingCount: () => pending.size,
  };
}

export interface ManualScheduler extends Scheduler {
  /** Moves the clock forward by `ms`, running due tasks in (time, insertion) order. */
  advance(ms: number): void;
  /** Runs tasks until none is left or `stepsMax` tasks ran; returns the number run. */
  runUntilIdle(stepsMax: number): number;
}

interface ManualTask {
  readonly atMs: number;
  readonly sequence: number;
  readonly task: () => void;
}

/** A clock that only moves when told to: deterministic tests of timing logic. */
export function createManualScheduler(startMs = 0): ManualScheduler {
  let nowMs = startMs;
  let sequence = 0;
  let tasks: ManualTask[] = [];
  const nextDue = (untilMs: number): ManualTask | undefined => {
    let best: ManualTask | undefined;
    for (const task of tasks) {
      if (task.atMs > untilMs) continue;
      if (!best || task.atMs < best.atMs || (task.atMs === best.atMs && task.sequence < best.sequence)) best = task;
    }
    return best;
  };
  const runOne = (task: ManualTask): void => {
    tasks = tasks.filter((other) => other !== task);
    nowMs = Math.max(nowMs, task.atMs);
    task.task();
  };
  return {
    nowMs: () => nowMs,
    schedule(delayMs, task) {
      if (!(delayMs >= 0)) throw new RangeError(`delayMs: ${delayMs}`);
      const entry = { atMs: nowMs + delayMs, sequence: sequence++, task };
      tasks.push(entry);
      return () => {
        tasks = tasks.filter((other) => other !== entry);
      };
    },
    cancelAll() {
      tasks = [];
    },
    pendingCount: () => tasks.length,
    advance(ms) {
      const untilMs = nowMs + ms;
      for (let task = nextDue(untilMs); task; task = nextDue(untilMs)) runOne(task);
      nowMs = untilMs;
    },
    runUntilIdle(stepsMax) {
      let steps = 0;
      for (let task = nextDue(Infinity); task && steps < stepsMax; task = nextDue(Infinity)) {
        runOne(task);
        steps += 1;
      }
      return steps;
    },
  };
}
