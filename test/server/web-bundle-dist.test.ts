/**
 * The Instant Key web bundle is built ahead into dist/web/ (scripts/build-web.ts, run by npm's
 * `prepare`) and served from there while the sources it was built from are unchanged, so a
 * production install never needs esbuild at request time; an edited source makes the server build
 * in memory instead (a developer's change shows without a rebuild). The whole production install is
 * proved by scripts/check-production-install.sh (run by .ci/run).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildWebAppBundle, loadWebAppBundle, readWebAppBundle, writeWebAppBundle, type WebAppBundle } from '../../src/web/serve.ts';

let built: WebAppBundle;
beforeAll(async () => {
  built = await buildWebAppBundle();
});

function distWith(bundle: WebAppBundle): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-dist-'));
  writeWebAppBundle(bundle, dir);
  return dir;
}

describe('dist/web', () => {
  it('lists every source the bundle was built from, ours and the packages', () => {
    expect(Object.keys(built.inputs)).toEqual(expect.arrayContaining(['src/web/app.ts', 'src/web/service-worker.ts']));
    expect(Object.keys(built.inputs).some((path) => path.startsWith('src/protocol/'))).toBe(true);
    expect(Object.keys(built.inputs).some((path) => path.startsWith('node_modules/@noble/'))).toBe(true);
    for (const hash of Object.values(built.inputs)) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is served as written while the sources are unchanged (no esbuild run)', async () => {
    const dir = distWith(built);
    // A marker esbuild would never produce: seeing it proves the file was read, not rebuilt.
    writeFileSync(join(dir, 'app.js'), `${built.code}\n// prebuilt-marker`);
    const loaded = await loadWebAppBundle(dir);
    expect(loaded.source).toBe('dist');
    expect(loaded.code.endsWith('// prebuilt-marker')).toBe(true);
    expect(loaded.serviceWorker).toBe(built.serviceWorker);
  });

  it('is passed over, with the reason, when a source changed or the build is missing', async () => {
    const dir = distWith(built);
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { inputs: Record<string, string> };
    manifest.inputs['src/web/feedback.ts'] = '0'.repeat(64);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(readWebAppBundle(dir)).toEqual({ stale: 'src/web/feedback.ts changed since dist/web was built' });
    const rebuilt = await loadWebAppBundle(dir);
    expect(rebuilt.source).toBe('build');
    expect(rebuilt.code).toBe(built.code);

    const empty = mkdtempSync(join(tmpdir(), 'latchkey-nodist-'));
    expect(readWebAppBundle(empty)).toEqual({ stale: expect.stringContaining('manifest.json is missing') });
  });

  it('package.json builds it on install and ships what commands import at run time as dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.scripts['prepare']).toContain('scripts/build-web.ts');
    for (const name of ['esbuild', 'fast-check', 'tsx']) expect(pkg.dependencies[name], name).toMatch(/^\d/);
    expect(readFileSync(join(import.meta.dirname, '../../.gitignore'), 'utf8')).toMatch(/^\/dist\/$/m);
    expect(readFileSync(join(import.meta.dirname, '../../.ci/run'), 'utf8')).toContain('scripts/check-production-install.sh');
  });
});
