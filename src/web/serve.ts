/**
 * Serving the Instant Key page (Node side; the only file under src/web that is not browser code).
 * `serveWebApp` is a plain function the API server can mount in front of its own `/ik/:code`
 * landing page: it answers the page and its bundle, and `undefined` for anything else.
 *
 *   GET /ik/<code>                → the page (text/html)
 *   GET /ik-app/app.js            → the bundle (text/javascript), built once with esbuild from app.ts
 *   GET /ik/sw.js                 → the service worker (scope /ik/), built from service-worker.ts
 *
 * esbuild is a devDependency: a deployment would call `buildWebAppBundle()` at build time and pass
 * the result as `options.bundle`.
 */
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
}

export const serviceWorkerScriptPath = '/ik/sw.js';

/** Builds the browser bundle from src/web/app.ts (minified ES module, noble crypto, no Node built-ins). */
export async function buildWebAppBundle(): Promise<WebAppBundle> {
  const esbuild = await import('esbuild');
  const { gzipSync } = await import('node:zlib');
  // Both outputs: minified, browser-only, in memory; the page is an ES module, the worker an IIFE.
  const build = (entry: string, format: 'esm' | 'iife') =>
    esbuild.build({ entryPoints: [fileURLToPath(new URL(entry, import.meta.url))], bundle: true, format, platform: 'browser', target: ['chrome114'], minify: true, write: false, legalComments: 'none', logLevel: 'silent' });
  const result = await build('./app.ts', 'esm');
  const code = result.outputFiles[0]!.text;
  const worker = await build('./service-worker.ts', 'iife');
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code, { level: 9 }).length, serviceWorker: worker.outputFiles[0]!.text };
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
    const bundle = options.bundle ?? (await (cached ??= buildWebAppBundle()));
    return { status: 200, headers: { ...common, 'content-type': 'text/javascript; charset=utf-8', 'service-worker-allowed': '/ik/' }, body: bundle.serviceWorker };
  }
  if (path === webAppScriptPath) {
    const bundle = options.bundle ?? (await (cached ??= buildWebAppBundle()));
    return { status: 200, headers: { ...common, 'content-type': 'text/javascript; charset=utf-8' }, body: bundle.code };
  }
  return undefined;
}
