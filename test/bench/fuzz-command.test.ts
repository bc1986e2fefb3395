import { describe, expect, it } from 'vitest';
import { fuzzCommand, parseFuzzJson } from '../../src/harness/bench/fuzz-command.ts';

const output = JSON.stringify({ seed: 5, targets: [{ target: 'credential', cases: 40777, elapsedMs: 10000, casesPerS: 4078, casesPerCpuS: 8056, findings: 0, sequenceDigest: 'a9e5fe91' }] });

describe('fuzz figures from the user command', () => {
  it('names the command a user types and reads its --json row', () => {
    const command = fuzzCommand('credential', 10, 5);
    expect(command).toBe('npx latchkey fuzz --target credential --seconds 10 --seed 5');
    expect(parseFuzzJson(output, 'credential', command)).toEqual({ target: 'credential', command, cases: 40777, casesPerS: 4078, casesPerCpuS: 8056, findings: 0, sequenceDigest: 'a9e5fe91' });
  });

  it('fails loudly when the target is missing from the output', () => {
    expect(() => parseFuzzJson(output, 'lock', 'x')).toThrow(/no "lock" row/);
    expect(() => parseFuzzJson('not json', 'lock', 'x')).toThrow();
  });
});
