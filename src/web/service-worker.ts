/**
 * The Instant Key page's service worker (served at /ik/sw.js, scope /ik/; built by serve.ts as its
 * own bundle). It keeps the app shell — the page and the bundle — in Cache Storage so the page
 * loads with the network off; the keys themselves are in IndexedDB (src/web/api.ts, holder-key.ts),
 * which the page reads without the network, and the unlock is local Bluetooth.
 *
 * GETs of the shell are network first (a new bundle is picked up at once) and fall back to the
 * cache; every link's page is the same HTML, so any cached page answers any /ik/<code>. The
 * workspace's logo (a content-addressed URL) is cache first. API calls (POST) are not touched: the
 * page handles their failure (it uses the stored bundle).
 *
 * TypeScript's DOM library has no service-worker scope; the few shapes used are written out here.
 */
import { shellCacheName, shellPageKey } from './shell.ts';

interface ExtendableEventLike extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEventLike extends ExtendableEventLike {
  request: Request;
  respondWith(response: Promise<Response>): void;
}
interface ServiceWorkerScopeLike {
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEventLike) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEventLike) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
}

const scope = globalThis as unknown as ServiceWorkerScopeLike;
const scriptPath = '/ik-app/app.js';

type Cached = 'page' | 'script' | 'logo';

function isShell(url: URL): Cached | undefined {
  if (url.origin !== scope.location.origin) return undefined;
  if (url.pathname === scriptPath) return 'script';
  if (/^\/ik\/logo\/[0-9a-f-]{36}\/[0-9a-f]{16}$/.test(url.pathname)) return 'logo';
  if (/^\/ik\/[A-Za-z0-9_-]{1,200}$/.test(url.pathname)) return 'page';
  return undefined;
}

/** A logo's URL names its content (a hash), so a cached copy is always right. */
async function cacheFirst(request: Request): Promise<Response> {
  const cache = await caches.open(shellCacheName);
  const key = new URL(request.url).pathname;
  const cached = await cache.match(key);
  if (cached !== undefined) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(key, response.clone());
  return response;
}

async function networkFirst(request: Request, kind: 'page' | 'script'): Promise<Response> {
  const cache = await caches.open(shellCacheName);
  const key = kind === 'page' ? shellPageKey : scriptPath;
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(key, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached !== undefined) return cached;
    throw error;
  }
}

scope.addEventListener('install', (event) => {
  event.waitUntil(scope.skipWaiting());
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(scope.clients.claim());
});

scope.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const kind = isShell(new URL(event.request.url));
  if (kind === undefined) return;
  event.respondWith(kind === 'logo' ? cacheFirst(event.request) : networkFirst(event.request, kind));
});
