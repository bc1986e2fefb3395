/**
 * Events counted in a sliding time window, in RAM (a power cut forgets them, which only an
 * attacker with physical access can cause). Holds at most `max` times: the oldest one leaves when
 * the window passes it.
 */
export class SlidingWindow {
  private timesMs: number[] = [];
  private readonly max: number;
  private readonly windowMs: number;

  constructor(max: number, windowMs: number) {
    this.max = max;
    this.windowMs = windowMs;
  }

  /** True when `max` events already fell within the window ending at `nowMs`. */
  full(nowMs: number): boolean {
    this.timesMs = this.timesMs.filter((time) => nowMs - time < this.windowMs);
    return this.timesMs.length >= this.max;
  }

  record(nowMs: number): void {
    this.timesMs.push(nowMs);
    if (this.timesMs.length > this.max) this.timesMs.shift();
  }

  clear(): void {
    this.timesMs = [];
  }
}
