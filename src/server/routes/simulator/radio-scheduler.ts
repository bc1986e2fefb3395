/**
 * Simulator mode's use of the property's virtual radio (src/server/routes/simulator.ts): one radio
 * operation at a time (the virtual radio's event loop is not reentrant), each after virtual time has
 * caught up with the server clock, so the locks judge validity windows by the clock that issued the
 * credentials; after the last operation a timer runs the radio on past the locks' unlock time, so an
 * unlocked door relocks (and the dashboard shows it) without another request.
 */
import { AttError, TransportError } from '../../../radio/transport.ts';
import type { VirtualRadio } from '../../../radio/virtual-radio.ts';

export type RadioAnswer<T> = (T | { failure: { transport: string } | { att_error: number } }) & { virtual_ms: number };

export class RadioScheduler {
  readonly radio: VirtualRadio;
  private readonly clock: () => number;
  private readonly unlockMs: number;
  private queue: Promise<unknown> = Promise.resolve();
  private relockTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: { radio: VirtualRadio; clock: () => number; unlockMs: number }) {
    this.radio = options.radio;
    this.clock = options.clock;
    this.unlockMs = options.unlockMs;
  }

  /** Virtual time catches up with the server clock (firing relocks and link events on the way). */
  private async catchUp(): Promise<void> {
    const behind = this.clock() - this.radio.now();
    if (behind > 0) await this.radio.advance(behind);
  }

  /** Runs `work` alone on the radio, after catching up with the server clock. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      await this.catchUp();
      try {
        return await work();
      } finally {
        this.armRelock(this.radio.now() + this.unlockMs + 100);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private armRelock(virtualTargetMs: number): void {
    if (this.relockTimer) clearTimeout(this.relockTimer);
    this.relockTimer = setTimeout(() => {
      if (this.closed) return;
      const run = async () => {
        await this.catchUp();
        const behind = virtualTargetMs - this.radio.now();
        if (behind > 0) await this.radio.advance(behind);
      };
      this.queue = this.queue.then(run, run).catch(() => undefined);
    }, this.unlockMs + 100);
    this.relockTimer.unref();
  }

  /**
   * A radio operation whose failures are answers, not errors: the page's Web Bluetooth turns them
   * into the browser's (NetworkError, NotSupportedError for an ATT error). Every answer says how
   * much virtual radio time the operation took (`virtual_ms`: scan window, connection set-up, link
   * events, retransmissions, timeouts), so the page can report tap→unlock in radio time.
   */
  async call<T extends object>(work: () => Promise<T>): Promise<RadioAnswer<T>> {
    let virtual_ms = 0;
    // Measured inside the exclusive slot (after catching up with the server clock, before the next
    // queued operation can move the radio): only this operation's time.
    const timed = async () => {
      const startMs = this.radio.now();
      try {
        return await work();
      } finally {
        virtual_ms = this.radio.now() - startMs;
      }
    };
    try {
      return { ...(await this.exclusive(timed)), virtual_ms };
    } catch (error) {
      if (error instanceof AttError) return { failure: { att_error: error.attError }, virtual_ms };
      if (error instanceof TransportError) return { failure: { transport: error.code }, virtual_ms };
      throw error;
    }
  }

  /** Stops the relock timer and waits for the operation under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.relockTimer) clearTimeout(this.relockTimer);
    await this.queue.catch(() => undefined);
  }
}
