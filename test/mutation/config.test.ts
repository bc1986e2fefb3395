/**
 * The mutation-testing setup (issue 14) is wired as documented: `npm run mutate` and
 * `npm run mutate:smoke` name existing Stryker configurations, Stryker and its vitest runner are
 * pinned exactly and installed at those versions, the files to mutate and the tests to run exist,
 * and the reports go under artifacts/. Running Stryker itself takes minutes (smoke) to hours (full),
 * so it is not part of `npm test`; docs/TESTING.md has the measured scores.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import mutateVitest, { mutationTests } from './vitest.mutate.config.ts';
import smokeVitest, { smokeTests } from './vitest.smoke.config.ts';

const root = join(import.meta.dirname, '..', '..');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
const require = createRequire(import.meta.url);

/** The part of Stryker's options this test reads. */
interface StrykerOptions {
  mutate: string[];
  testRunner: string;
  vitest?: { configFile?: string };
  htmlReporter?: { fileName?: string };
  jsonReporter?: { fileName?: string };
}
const loadConfig = async (name: string): Promise<StrykerOptions> => ((await import(pathToFileURL(join(root, name)).href)) as { default: StrykerOptions }).default;
const full = await loadConfig('stryker.config.mjs');
const smoke = await loadConfig('stryker.smoke.config.mjs');

function tsFilesUnder(directory: string): string[] {
  return readdirSync(join(root, directory), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
}

describe('mutation testing setup', () => {
  it('npm scripts run the two Stryker configurations', () => {
    expect(packageJson.scripts['mutate']).toBe('stryker run stryker.config.mjs');
    expect(packageJson.scripts['mutate:smoke']).toBe('stryker run stryker.smoke.config.mjs');
    expect(packageJson.scripts['test']).not.toMatch(/stryker/);
  });

  it('Stryker core and the vitest runner are pinned exactly, to one version, and installed at it', () => {
    const core = packageJson.devDependencies['@stryker-mutator/core'];
    const runner = packageJson.devDependencies['@stryker-mutator/vitest-runner'];
    expect(core).toMatch(/^\d+\.\d+\.\d+$/);
    expect(runner).toBe(core);
    for (const name of ['@stryker-mutator/core', '@stryker-mutator/vitest-runner']) {
      const installed = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string };
      expect(installed.version, name).toBe(core);
    }
  });

  it('the full run mutates firmware-model/ and src/protocol/ with their tests; reports under artifacts/', () => {
    expect(full.mutate).toEqual(['firmware-model/**/*.ts', 'src/protocol/**/*.ts']);
    expect(tsFilesUnder('firmware-model').length).toBeGreaterThan(5);
    expect(tsFilesUnder('src/protocol').length).toBeGreaterThan(10);
    expect(full.testRunner).toBe('vitest');
    expect(full.vitest?.configFile).toBe('test/mutation/vitest.mutate.config.ts');
    expect(mutateVitest.test?.include).toEqual(mutationTests);
    expect(mutateVitest.test?.setupFiles).toEqual(['test/setup/fast-check-seed.ts']);
    expect(full.htmlReporter?.fileName).toMatch(/^artifacts\//);
    expect(full.jsonReporter?.fileName).toMatch(/^artifacts\//);
  });

  it('the smoke mutates two small existing files with fast tests only (no model test)', () => {
    expect(smoke.mutate).toEqual(['firmware-model/policy.ts', 'src/protocol/unlock/versions.ts']);
    for (const file of smoke.mutate) expect(existsSync(join(root, file)), file).toBe(true);
    expect(smoke.vitest?.configFile).toBe('test/mutation/vitest.smoke.config.ts');
    expect(smokeVitest.test?.include).toEqual(smokeTests);
    for (const file of smokeTests) expect(existsSync(join(root, file)), file).toBe(true);
    expect(smokeTests).not.toContain('test/firmware/model.test.ts');
    expect(smoke.jsonReporter?.fileName).toMatch(/^artifacts\//);
  });
});
