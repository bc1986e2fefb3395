/**
 * The air's time, injected: the same model runs on virtual time (VirtualRadio's event queue: a
 * task's returned promise is awaited before the next task, so traces replay byte for byte) or on
 * wall time (the HCI link's Scheduler: real timers for bleno/noble, a manual clock in tests).
 */

export interface AirClock {
  /** Milliseconds on this clock. */
  now(): number;
  /** Runs `task` at `atMs` (a time in the past means as soon as possible, never inline). */
  at(atMs: number, task: () => void | Promise<void>): void;
}

/** The subset of src/hci/scheduler.ts's Scheduler the air needs (delay-based timers). */
export interface DelayScheduler {
  nowMs(): number;
  schedule(delayMs: number, task: () => void): unknown;
}

/** An AirClock on a delay-based scheduler (wall time, or a manual clock in tests). */
export function airClockOf(scheduler: DelayScheduler): AirClock {
  return {
    now: () => scheduler.nowMs(),
    at(atMs, task) {
      scheduler.schedule(Math.max(0, atMs - scheduler.nowMs()), () => void task());
    },
  };
}
