/**
 * The lock's own account of its CPU on the monotonic tick, the same rule the virtual radio applies
 * to its responses: foreground work (a response waits for it) starts once earlier background work
 * is done; a step with no foreground work is answered at once and its background work queues.
 *
 * The relay guard uses it. The lock may delay its own challenge Read's response (it is still
 * busy precomputing, or it has no spare key pair). A slow MCU must not trip its own relay guard,
 * so the challenge's relay bound grows by exactly the delay the lock's CPU added to that Read. The
 * bound is measured, not a worst-case allowance. A relay gains nothing from this: the radio part of
 * the bound is unchanged, and on `ideal`, or with a key pair ready, the delay is 0.
 */
import type { StepCompute } from './meter.ts';

export class CpuClock {
  private busyUntilMs = Number.NEGATIVE_INFINITY;

  /** Accounts one step handled at `tickMs`; returns when its response is ready (≥ tickMs). */
  settle(tickMs: number, compute: StepCompute): number {
    const ready = responseReadyMs(tickMs, this.busyUntilMs, compute);
    this.busyUntilMs = ready.busyUntilMs;
    return ready.readyMs;
  }

  /** Power loss: nothing is running any more. */
  reset(): void {
    this.busyUntilMs = Number.NEGATIVE_INFINITY;
  }
}

/**
 * One step on one CPU: foreground work (and a response that needs running background work) starts
 * when the CPU is free; a step with neither is answered at once and its background work queues.
 */
export function responseReadyMs(tickMs: number, busyUntilMs: number, compute: Pick<StepCompute, 'foregroundMicroseconds' | 'backgroundMicroseconds' | 'waitsForBackground'>): { readyMs: number; busyUntilMs: number } {
  const { foregroundMicroseconds, backgroundMicroseconds, waitsForBackground } = compute;
  if (foregroundMicroseconds === 0 && backgroundMicroseconds === 0 && !waitsForBackground) return { readyMs: tickMs, busyUntilMs };
  const start = Math.max(tickMs, busyUntilMs);
  const waits = foregroundMicroseconds > 0 || waitsForBackground;
  const readyMs = waits ? start + foregroundMicroseconds / 1000 : tickMs;
  return { readyMs, busyUntilMs: (waits ? readyMs : start) + backgroundMicroseconds / 1000 };
}
