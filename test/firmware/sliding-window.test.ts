/**
 * The lock's sliding-window counter (firmware-model/sliding-window.ts) on its own: full at `max`
 * events inside the window, an event leaves exactly when the window passes it, clear forgets.
 */
import { describe, expect, it } from 'vitest';
import { SlidingWindow } from '../../firmware-model/sliding-window.ts';

describe('SlidingWindow', () => {
  it('is full once max events fall inside the window, and not from the moment the oldest leaves it', () => {
    const window = new SlidingWindow(3, 1_000);
    expect(window.full(0)).toBe(false);
    window.record(0);
    window.record(100);
    expect(window.full(100)).toBe(false);
    window.record(200);
    expect(window.full(200)).toBe(true);
    expect(window.full(999)).toBe(true); // 0 is still 999 ms old: inside
    expect(window.full(1_000)).toBe(false); // 0 left the window exactly now
  });

  it('keeps counting the newest events when more than max arrive', () => {
    const window = new SlidingWindow(2, 1_000);
    for (const time of [0, 10, 20, 30]) window.record(time);
    expect(window.full(1_009)).toBe(true); // 20 and 30 still inside
    expect(window.full(1_020)).toBe(false); // only 30 left
  });

  it('clear forgets every event', () => {
    const window = new SlidingWindow(2, 1_000);
    window.record(0);
    window.record(1);
    expect(window.full(2)).toBe(true);
    window.clear();
    expect(window.full(2)).toBe(false);
    window.record(3);
    expect(window.full(3)).toBe(false);
  });
});
