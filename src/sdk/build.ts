/**
 * Bundles the SDK core (src/sdk/index.ts) for the browser platform with esbuild: the proof that the
 * core has no Node-only import (a `node:` module or a Node built-in fails the build on this
 * platform), and the file `latchkey/phone` resolves to in a browser (dist/sdk/phone.js).
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

export const sdkEntry = fileURLToPath(new URL('./index.ts', import.meta.url));
export const sdkBrowserOutfile = fileURLToPath(new URL('../../dist/sdk/phone.js', import.meta.url));

export async function buildSdkBrowserBundle(options: { write: boolean; entry?: string }): Promise<{ bytes: number; outfile: string; inputs: string[]; text: string }> {
  const result = await build({
    entryPoints: [options.entry ?? sdkEntry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: options.write,
    outfile: sdkBrowserOutfile,
    metafile: true,
    logLevel: 'silent',
  });
  const file = result.outputFiles?.[0];
  const text = file?.text ?? '';
  const inputs = Object.keys(result.metafile.inputs);
  return { bytes: file?.contents.length ?? Object.values(result.metafile.outputs)[0]!.bytes, outfile: sdkBrowserOutfile, inputs, text };
}
