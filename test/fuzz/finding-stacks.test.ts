import { describe, expect, it } from 'vitest';
import { withStacks } from '../../src/harness/fuzz/runner.ts';
import { describeError, type CaseRun, type FuzzTarget } from '../../src/harness/fuzz/types.ts';

/** A target whose every case crashes inside a named function (a stand-in for a parser bug). */
function crashingTarget(): { target: FuzzTarget; runOnce(): CaseRun; calls(): number } {
  function parserWithABug(): never {
    throw new TypeError('boom');
  }
  let calls = 0;
  const runOnce = (): CaseRun => {
      calls++;
      try {
        parserWithABug();
      } catch (error) {
        return { input: () => 'x', result: { sub: 'credential', outcome: 'crash', finding: { kind: 'crash', detail: describeError(error) } } };
      }
  };
  const target: FuzzTarget = { name: 'credential', runCase: runOnce, replay: () => ({ sub: 'credential', outcome: 'crash' }), keep() {} };
  return { target, runOnce, calls: () => calls };
}

describe('fuzz findings keep their stack frames although cases run without stack capture', () => {
  it('a finding made with stackTraceLimit 0 is re-run with frames, and the frames name the failing function', async () => {
    const { target, runOnce, calls } = crashingTarget();
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const first = runOnce();
      expect(first.result.finding!.detail).toBe('TypeError: boom @ '); // no frames: what the fast path records
      const again = await withStacks(target, 1, 0, first);
      expect(calls()).toBe(2);
      expect(again.result.finding!.detail).toMatch(/^TypeError: boom @ at parserWithABug /);
      expect(Error.stackTraceLimit).toBe(0); // restored for the next cases
    } finally {
      Error.stackTraceLimit = limit;
    }
  });
});
