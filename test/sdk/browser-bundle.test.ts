/**
 * The SDK core (`latchkey/phone`, src/sdk/index.ts) has no Node-only import: esbuild bundles it for
 * the browser platform, where a Node built-in does not resolve. The Node-only entry
 * (`latchkey/phone/node`) does not bundle there: the check can fail.
 */
import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { buildSdkBrowserBundle } from '../../src/sdk/build.ts';

describe('latchkey/phone core in a browser', () => {
  it('bundles for the browser platform with no Node module among its inputs', async () => {
    const { inputs, text, bytes } = await buildSdkBrowserBundle({ write: false });
    expect(inputs.some((input) => input.endsWith('src/sdk/phone.ts'))).toBe(true);
    expect(inputs.filter((input) => input.startsWith('node:') || /(^|\/)node_modules\/(ws|better-sqlite3|@abandonware)\//.test(input))).toEqual([]);
    expect(text).not.toMatch(/\bfrom\s*["']node:/);
    expect(text).toContain('createPhone');
    expect(bytes).toBeGreaterThan(10_000);
  });

  it('the Node entry does not bundle for the browser (the check bites)', async () => {
    const entry = fileURLToPath(new URL('../../src/sdk/node.ts', import.meta.url));
    await expect(buildSdkBrowserBundle({ write: false, entry })).rejects.toThrow(/node:fs|Could not resolve/);
  });

  it('package.json exports latchkey/phone (ESM) and latchkey/phone/node', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { type: string; exports: Record<string, unknown> };
    expect(pkg.type).toBe('module');
    expect(pkg.exports['./phone']).toMatchObject({ browser: './dist/sdk/phone.js', default: './src/sdk/index.ts' });
    expect(pkg.exports['./phone/node']).toBe('./src/sdk/node.ts');
    const sdk = await import('latchkey/phone');
    expect(typeof sdk.createPhone).toBe('function');
  });
});
