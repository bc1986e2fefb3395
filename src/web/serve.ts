/**
 * Serving the Instant Key page (Node side; the only file under src/web that is not browser code).
 * `serveWebApp` is a plain function the API server can mount in front of its own `/ik/:code`
 * landing page: it answers the page and its bundle, and `undefined` for anything else.
 *
 *   GET /ik/<code>                → the page (text/html)
 *   GET /ik-app/app.js            → the bundle (text/javascript), from app.ts
 *   GET /ik/sw.js                 → the service worker (scope /ik/), from service-worker.ts
 *
 * The bundle is built ahead: `npm ci` / `npm install` run the `prepare` script
 * (scripts/build-web.ts), which writes dist/web/ (app.js, sw.js and manifest.json listing every
 * source file esbuild read, with its SHA-256). The server serves dist/web/ when those sources are
 * unchanged, so a production install never runs esbuild at request time. When a developer has
 * edited a source since (the hashes differ) or dist/web/ is missing, it builds in memory with
 * esbuild instead, as before.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { instantKeyPageHtml } from './page-html.ts';

export const webAppScriptPath = '/ik-app/app.js';

export interface WebAppRequest {
  method: string;
  /** Path with or without a query string, e.g. '/ik/abc?x=1'. */
  url: string;
}

export interface WebAppResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface WebAppBundle {
  code: string;
  bytes: number;
  gzipBytes: number;
  /** The service worker's script (src/web/service-worker.ts). */
  serviceWorker: string;
  /** Every source file esbuild read (paths relative to the repository root) with its SHA-256 (hex). */
  inputs: Record<string, string>;
  /** 'dist' when read from dist/web/, 'build' when built in this process. */
  source: 'dist' | 'build';
}

/** The repository (or installed package) root: src/web/serve.ts is two levels down. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const webDistDir = join(packageRoot, 'dist/web');

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export const serviceWorkerScriptPath = '/ik/sw.js';

/** Builds the browser bundle from src/web/app.ts (minified ES module, noble crypto, no Node built-ins). */
export async function buildWebAppBundle(): Promise<WebAppBundle> {
  const esbuild = await import('esbuild');
  const { gzipSync } = await import('node:zlib');
  // Both outputs: minified, browser-only, in memory; the page is an ES module, the worker an IIFE.
  const build = (entry: string, format: 'esm' | 'iife') =>
    esbuild.build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))], bundle: true, format, platform: 'browser', target: ['chrome114'], minify: true, write: false,
      legalComments: 'none', logLevel: 'silent', metafile: true, absWorkingDir: packageRoot,
    });
  const result = await build('./app.ts', 'esm');
  const code = result.outputFiles[0]!.text;
  const worker = await build('./service-worker.ts', 'iife');
  const inputs: Record<string, string> = {};
  for (const path of [...Object.keys(result.metafile.inputs), ...Object.keys(worker.metafile.inputs)].sort()) inputs[path] = sha256Of(join(packageRoot, path));
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length, serviceWorker: worker.outputFiles[0]!.text, inputs, source: 'build' };
}

interface DistManifest {
  bytes: number;
  gzipBytes: number;
  inputs: Record<string, string>;
}

/** Writes the bundle to `dir` (dist/web/ by default): app.js, sw.js, manifest.json. */
export function writeWebAppBundle(bundle: WebAppBundle, dir = webDistDir): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.js'), bundle.code);
  writeFileSync(join(dir, 'sw.js'), bundle.serviceWorker);
  const manifest: DistManifest = { bytes: bundle.bytes, gzipBytes: bundle.gzipBytes, inputs: bundle.inputs };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The bundle in `dir` if every source it was built from is unchanged; why not otherwise. */
export function readWebAppBundle(dir = webDistDir): { bundle: WebAppBundle } | { stale: string } {
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) return { stale: `${manifestPath} is missing (npm run build:web writes it)` };
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as DistManifest;
  if (Object.keys(manifest.inputs).length === 0) return { stale: 'the manifest lists no sources' };
  for (const [path, hash] of Object.entries(manifest.inputs)) {
    // Packages are pinned by the lockfile (and npm ci re-runs prepare); where they sit is the installer's business.
    if (path.startsWith('node_modules/')) continue;
    const file = join(packageRoot, path);
    if (!existsSync(file) || sha256Of(file) !== hash) return { stale: `${path} changed since dist/web was built` };
  }
  const code = readFileSync(join(dir, 'app.js'), 'utf8');
  return { bundle: { code, bytes: manifest.bytes, gzipBytes: manifest.gzipBytes, serviceWorker: readFileSync(join(dir, 'sw.js'), 'utf8'), inputs: manifest.inputs, source: 'dist' } };
}

/** dist/web/ when it is current, else an in-memory esbuild build (a developer's edited sources). */
export async function loadWebAppBundle(dir = webDistDir): Promise<WebAppBundle> {
  const read = readWebAppBundle(dir);
  if ('bundle' in read) return read.bundle;
  try {
    return await buildWebAppBundle();
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') throw new Error(`the web app is not built (${read.stale}) and esbuild is not installed: run npm run build:web where it is`);
    throw error;
  }
}

let cached: Promise<WebAppBundle> | undefined;

/** The page and bundle for a request, or undefined when the path is not the web app's. */
export async function serveWebApp(request: WebAppRequest, options: { bundle?: WebAppBundle } = {}): Promise<WebAppResponse | undefined> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const path = request.url.split('?')[0]!;
  const common = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  if (/^\/ik\/[A-Za-z0-9_-]{1,200}$/.test(path)) {
    return {
      status: 200,
      headers: {
        ...common,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'",
        'referrer-policy': 'no-referrer',
      },
      body: instantKeyPageHtml(webAppScriptPath),
    };
  }
  if (path === serviceWorkerScriptPath) {
    const bundle = options.bundle ?? (await (cached ??= loadWebAppBundle()));
    return { status: 200, headers: { ...common, 'content-type': 'text/javascript; charset=utf-8', 'service-worker-allowed': '/ik/' }, body: bundle.serviceWorker };
  }
  if (path === webAppScriptPath) {
    const bundle = options.bundle ?? (await (cached ??= loadWebAppBundle()));
    return { status: 200, headers: { ...common, 'content-type': 'text/javascript; charset=utf-8' }, body: bundle.code };
  }
  return undefined;
}
