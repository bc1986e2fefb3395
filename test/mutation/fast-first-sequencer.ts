/**
 * Test-file order for mutation runs (test/mutation/vitest.mutate.config.ts). Stryker runs each
 * mutant with only the tests that cover it and stops at the first failure (bail), but vitest's own
 * order puts the longest files first: every mutant of the lock then waited for the ~20 s model test
 * even when a sub-second unit test kills it. Here the files known to be slow run last, in this
 * order, and every other file runs first by name. Nothing is left out: a surviving mutant still
 * runs every test that covers it.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Slowest last (durations of one run of the mutate test set on the 2-core machine, in seconds). */
export const slowTestFiles = [
  'test/protocol/messages.test.ts', // 2.4
  'test/protocol/wycheproof.test.ts', // 3.5
  'test/protocol/provider-secrets.test.ts', // 3.8
  'test/firmware/determinism.test.ts', // 4.2
  'test/protocol/credential.test.ts', // 4.4
  'test/firmware/power-cut.test.ts', // 5.7
  'test/protocol/providers.test.ts', // 8.0
  'test/protocol/sig-structure.test.ts', // 9.4
  'test/firmware/model.test.ts', // 19.3
];

export function fastFirstRank(relativePath: string): number {
  return slowTestFiles.indexOf(relativePath.replaceAll('\\', '/'));
}

export default class FastFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root.replaceAll('\\', '/');
    const relative = (file: TestSpecification): string => file.moduleId.replaceAll('\\', '/').slice(root.length + 1);
    return [...files].sort((a, b) => {
      const rankA = fastFirstRank(relative(a));
      const rankB = fastFirstRank(relative(b));
      if (rankA !== rankB) return rankA - rankB;
      return relative(a) < relative(b) ? -1 : relative(a) > relative(b) ? 1 : 0;
    });
  }
}
