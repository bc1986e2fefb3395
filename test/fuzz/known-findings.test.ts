import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayFinding } from '../../src/harness/fuzz/runner.ts';

const directory = 'fuzz/known-findings';
const files = readdirSync(directory).filter((name) => name.endsWith('.json'));

describe('fuzz findings kept as regressions', () => {
  it('there is at least one', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without a finding', async (name) => {
    const { finding, result } = await replayFinding(join(directory, name));
    expect(finding.target).toBeTruthy();
    expect(result.finding, JSON.stringify(result.finding)).toBeUndefined();
  });
});
