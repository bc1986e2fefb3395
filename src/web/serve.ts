/**
 * Serving the Instant Key page (Node side; the only file under src/web that is not browser code).
 * `serveWebApp` is a plain function the API server can mount in front of its own `/ik/:code`
 * landing page: it answers the page and its bundle, and `undefined` for anything else.
 *
 *   GET /ik/<code>                → the page (text/html, the bundle from app.ts inlined)
 *   GET /ik-app/app.js            → the bundle on its own (pages cached by older versions load it)
 *   GET /ik/sw.js                 → the service worker (scope /ik/), from service-worker.ts
 *   GET /ik/manifest.webmanifest, /ik-app/icon.svg, /favicon.ico → web app manifest and icon
 * Every answer has an ETag (304 on If-None-Match) and is gzip or brotli as Accept-Encoding allows.
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
import { brotliCompress, constants as zlibConstants, gzip, gzipSync } from 'node:zlib';
import type { Customization } from './branding.ts';
import { bootScript } from './boot.ts';
import { iconPath, iconSvg, instantKeyPageHtml, webManifest, webManifestPath } from './page-html.ts';
import { openedChallengeTiming, openedTokenTiming } from './shell.ts';

export const webAppScriptPath = '/ik-app/app.js';

export interface WebAppRequest {
  method: string;
  /** Path with or without a query string, e.g. '/ik/abc?x=1'. */
  url: string;
  /** Request headers (lower-case names): accept-encoding, if-none-match. */
  headers?: WebAppHeaders;
}

export interface WebAppResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes as sent (compressed when content-encoding says so); '' for a 304. */
  body: string | Buffer;
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

/**
 * cbor-x's decoder probes `new Function('')` on load (and compiles record readers with it), which a
 * page without 'unsafe-eval' reports as a CSP violation on every load. Its own no-eval build turns
 * each `new Function` into `new BlockedFunction` (undefined: the probe fails quietly and the
 * compiled readers are never made); this does the same to the ES module source. latchkey never
 * decodes records (src/protocol/cbor.ts: useRecords false, its own decoder).
 */
const cborWithoutEval = {
  name: 'cbor-x-without-eval',
  setup(build: { onLoad(options: { filter: RegExp }, callback: (args: { path: string }) => { contents: string; loader: 'js' }): void }) {
    build.onLoad({ filter: /[\\/]cbor-x[\\/]decode\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const contents = source.replaceAll('new Function(', 'new BlockedFunction(');
      if (contents === source) throw new Error('cbor-x/decode.js has no `new Function(` any more: check the CSP workaround');
      return { contents, loader: 'js' };
    });
  },
};

/** Builds the browser bundle from src/web/app.ts (minified ES module, noble crypto, no Node built-ins). */
export async function buildWebAppBundle(): Promise<WebAppBundle> {
  const esbuild = await import('esbuild');
  // Both outputs: minified, browser-only, in memory; the page is an ES module, the worker an IIFE.
  const build = (entry: string, format: 'esm' | 'iife') =>
    esbuild.build({
      entryPoints: [fileURLToPath(new URL(entry, import.meta.url))], bundle: true, format, platform: 'browser', target: ['chrome114'], minify: true, write: false,
      legalComments: 'none', logLevel: 'silent', metafile: true, absWorkingDir: packageRoot,
      plugins: [cborWithoutEval],
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

/** What the API server adds to a link's page (instant-key-app.ts): the workspace's colours, and on a first visit the link opened. */
export interface PageExtras {
  /** The workspace's look, inlined as CSS variables so the first paint already wears it. */
  customization?: Customization | undefined;
  /**
   * On an unconditional GET of a live link: the link's client session token and a fresh registration
   * challenge (what `open` and `phones/challenge` answer), sent as `Server-Timing` entries the page
   * reads from its navigation entry, so a first visit registers in one API round trip.
   */
  opened?: { token: string; challenge: string } | undefined;
}

export type WebAppHeaders = Record<string, string | string[] | undefined>;

/** The encodings offered for a request's Accept-Encoding (brotli, then gzip; q=0 refuses one). */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | 'identity' {
  const offered = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (name === undefined || name === '') continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    offered.set(name, q === undefined ? 1 : Number(q));
  }
  const accepts = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return 'identity';
}

interface Representation {
  etag: string;
  identity: Buffer;
  gzip?: Promise<Buffer>;
  br?: Promise<Buffer>;
}

/** How many bodies keep their compressed copies (a few workspaces' colour variants of the page, the worker, manifest, icon). */
export const representationCacheMax = 64;
/**
 * Brotli quality of every answer. Made per distinct body — each colour variant of the page is its own
 * body, and any tenant can make variants (customization profiles) — so it must stay cheap: quality 5
 * takes a few milliseconds for the page (about 5 KB more than quality 11, which took about 0.25–0.7 s
 * of CPU per variant), on libuv's thread pool, never on the event loop.
 */
export const staticBrotliQuality = 5;

/**
 * Compressed copies, least recently used first (a Map keeps insertion order: a hit moves its entry to
 * the end, the first entry is evicted). One compression per body and encoding: concurrent requests
 * for a body not compressed yet share the one promise.
 */
const representations = new Map<string, Representation>();
const compressions = { br: 0, gzip: 0 };

/** How many compressions this process ran (tests: the cache and the sharing of concurrent ones). */
export function webCompressionCount(): { br: number; gzip: number } {
  return { ...compressions };
}

function representationOf(body: string): Representation {
  const identity = Buffer.from(body);
  const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 22);
  let found = representations.get(hash);
  if (found !== undefined) {
    representations.delete(hash); // most recently used: to the end
  } else {
    found = { etag: hash, identity };
    while (representations.size >= representationCacheMax) representations.delete(representations.keys().next().value!);
  }
  representations.set(hash, found);
  return found;
}

function encoded(representation: Representation, encoding: 'br' | 'gzip' | 'identity'): Promise<Buffer> {
  if (encoding === 'identity') return Promise.resolve(representation.identity);
  const { identity } = representation;
  const made = (representation[encoding] ??= new Promise<Buffer>((resolve, reject) => {
    compressions[encoding] += 1;
    const done = (error: Error | null, bytes: Buffer) => (error === null ? resolve(bytes) : reject(error));
    if (encoding === 'gzip') gzip(identity, { level: 9 }, done);
    else brotliCompress(identity, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: staticBrotliQuality, [zlibConstants.BROTLI_PARAM_SIZE_HINT]: identity.length } }, done);
  }));
  made.catch(() => {
    if (representation[encoding] === made) delete representation[encoding]; // the next request tries again
  });
  return made;
}

function headerOf(headers: WebAppHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * A static body answered by content: ETag (one per encoding), 304 for a matching If-None-Match (or
 * `*`: the resource exists), else the body compressed as the request's Accept-Encoding allows.
 */
async function answerStatic(request: WebAppRequest, body: string, headers: Record<string, string>): Promise<WebAppResponse> {
  const representation = representationOf(body);
  const encoding = chooseEncoding(headerOf(request.headers, 'accept-encoding'));
  const etag = `"${representation.etag}${encoding === 'identity' ? '' : `-${encoding}`}"`;
  const common = { ...headers, etag, vary: 'accept-encoding' };
  if (notModified(headerOf(request.headers, 'if-none-match'), representation.etag)) return { status: 304, headers: common, body: '' };
  const bytes = await encoded(representation, encoding);
  return { status: 200, headers: { ...common, ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }) }, body: bytes };
}

/** Whether an If-None-Match names this body: `*`, or any of its ETags (any encoding of the same body: the client has this content). */
function notModified(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '').replace(/-(br|gzip)"$/, '"') === `"${etag}"`;
  });
}

/** The page's CSP: its one inline script by hash (no 'unsafe-inline' for scripts), nothing from elsewhere. */
const bootScriptHash = `sha256-${createHash('sha256').update(bootScript).digest('base64')}`;

function pageCsp(scriptHash: string): string {
  return `default-src 'self'; script-src 'self' '${bootScriptHash}' '${scriptHash}'; style-src 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; manifest-src 'self'`;
}

const inlineScriptHashes = new WeakMap<WebAppBundle, string>();

function inlineScriptHash(bundle: WebAppBundle): string {
  let hash = inlineScriptHashes.get(bundle);
  if (hash === undefined) {
    // Inlined in <script>: the HTML parser must not see an end tag or a comment opener inside it.
    if (/<\/script|<!--|<script/i.test(bundle.code)) throw new Error('the web app bundle cannot be inlined: it contains </script, <script or <!--');
    hash = `sha256-${createHash('sha256').update(bundle.code).digest('base64')}`;
    inlineScriptHashes.set(bundle, hash);
  }
  return hash;
}

/**
 * The page and its files for a request, or undefined when the path is not the web app's.
 *
 *   GET /ik/<code>          the page: small HTML with the bundle inlined (one request to a usable
 *                           page: on slow 3G every request costs a 2 s round trip), ETag + no-cache,
 *                           gzip/brotli; `extras` of the API server (colours, the link opened)
 *   GET /ik/sw.js           the service worker (ETag, revalidated)
 *   GET /ik-app/app.js      the bundle on its own, for pages cached by older versions
 *   GET /ik/manifest.webmanifest, /ik-app/icon.svg, /favicon.ico   the web app manifest and icon
 */
export async function serveWebApp(request: WebAppRequest, options: { bundle?: WebAppBundle; extras?: PageExtras } = {}): Promise<WebAppResponse | undefined> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
  const path = request.url.split('?')[0]!;
  const common = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' };
  const load = async () => options.bundle ?? (await (cached ??= loadWebAppBundle()));
  if (path === serviceWorkerScriptPath) {
    return answerStatic(request, (await load()).serviceWorker, { ...common, 'content-type': 'text/javascript; charset=utf-8', 'service-worker-allowed': '/ik/' });
  }
  if (path === webManifestPath) return answerStatic(request, webManifest(), { ...common, 'content-type': 'application/manifest+json' });
  if (path === iconPath || path === '/favicon.ico') return answerStatic(request, iconSvg, { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=86400', 'content-type': 'image/svg+xml' });
  if (/^\/ik\/[A-Za-z0-9_-]{1,200}$/.test(path)) {
    const bundle = await load();
    const answer = await answerStatic(request, instantKeyPageHtml({ script: bundle.code, customization: options.extras?.customization }), {
      ...common,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': pageCsp(inlineScriptHash(bundle)),
      'referrer-policy': 'no-referrer',
    });
    const opened = options.extras?.opened;
    if (opened !== undefined && answer.status === 200) {
      // Only this browser may keep it: a shared cache must never hand the link's session to another.
      answer.headers['cache-control'] = 'private, no-cache';
      answer.headers['server-timing'] = `${openedTokenTiming};desc="${opened.token}", ${openedChallengeTiming};desc="${opened.challenge}"`;
    }
    return answer;
  }
  if (path === webAppScriptPath) {
    return answerStatic(request, (await load()).code, { ...common, 'content-type': 'text/javascript; charset=utf-8' });
  }
  return undefined;
}
