/**
 * The Instant Key page's service worker (served at /ik/sw.js, scope /ik/; built by serve.ts as its
 * own bundle). It keeps the app shell — the page, which carries the bundle inline — in Cache Storage
 * so the page opens at once, with any network or none; the keys themselves are in IndexedDB
 * (src/web/api.ts, holder-key.ts), which the page reads without the network, and the unlock is
 * local Bluetooth.
 *
 * The page is cache first with stale-while-revalidate, per link (each link's page wears its own
 * workspace's colours and theme-color): the link's cached page answers at once, and behind it a
 * conditional GET (If-None-Match) brings a new version for the next load — a 304 costs a few hundred
 * bytes. A link without a cached page goes to the network as it is (a first visit: the server's
 * answer opens the link, Server-Timing, for the one-round-trip registration) and is kept. The workspace's logo and the
 * icon (content-addressed or long-lived) are cache first. API calls (POST) are not touched: the page
 * handles their failure (it uses the stored bundle).
 *
 * TypeScript's DOM library has no service-worker scope; the few shapes used are written out here.
 */
import { cacheable, oldShellCacheNames, shellCacheName, shellPageKey } from './shell.ts';

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

type Cached = 'page' | 'asset';

function isShell(url: URL): Cached | undefined {
  if (url.origin !== scope.location.origin) return undefined;
  if (/^\/ik\/logo\/[0-9a-f-]{36}\/[0-9a-f]{16}$/.test(url.pathname) || url.pathname === '/ik-app/icon.svg') return 'asset';
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
  if (response.ok) await cache.put(key, await cacheable(response.clone()));
  return response;
}

/** A new page for the next load, if the server has one (304 otherwise). */
async function revalidate(url: string, key: string, cached: Response): Promise<void> {
  const etag = cached.headers.get('etag');
  const response = await fetch(url, { headers: etag === null ? {} : { 'if-none-match': etag }, cache: 'no-store' });
  if (response.status === 200) await (await caches.open(shellCacheName)).put(key, await cacheable(response));
}

async function staleWhileRevalidate(event: FetchEventLike): Promise<Response> {
  const cache = await caches.open(shellCacheName);
  const key = shellPageKey(new URL(event.request.url).pathname);
  const cached = await cache.match(key);
  if (cached !== undefined) {
    event.waitUntil(revalidate(event.request.url, key, cached).catch(() => undefined)); // offline or lie-fi: the next load tries again
    return cached;
  }
  const response = await fetch(event.request);
  if (response.ok) event.waitUntil(cacheable(response.clone()).then((copy) => cache.put(key, copy)).catch(() => undefined));
  return response;
}

scope.addEventListener('install', (event) => {
  event.waitUntil(scope.skipWaiting());
});

scope.addEventListener('activate', (event) => {
  event.waitUntil(Promise.all([scope.clients.claim(), ...oldShellCacheNames.map((name) => caches.delete(name))]));
});

scope.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  const kind = isShell(new URL(event.request.url));
  if (kind === undefined) return;
  event.respondWith(kind === 'asset' ? cacheFirst(event.request) : staleWhileRevalidate(event));
});
