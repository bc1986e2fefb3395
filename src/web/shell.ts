/**
 * The page's side of offline use: register the service worker (src/web/service-worker.ts, scope
 * /ik/) and put the app shell — this page, which carries the bundle inline — in its cache at once, so
 * the very next load works offline (and instantly) even though the worker was installed after this
 * page was fetched. Extra URLs (the workspace's logo) are kept the same way.
 */
export const shellCacheName = 'latchkey-ik-shell-v3';
/**
 * Caches of earlier versions, which the worker deletes: v1 kept /ik-app/app.js beside the page, v2
 * kept one page for every link (a phone that opened two hotels' links painted the other's colours).
 */
export const oldShellCacheNames = ['latchkey-ik-shell-v1', 'latchkey-ik-shell-v2'];
export const serviceWorkerPath = '/ik/sw.js';
/** Server-Timing entries of a first visit's page: the link opened (src/web/serve.ts, PageExtras.opened). */
export const openedTokenTiming = 'lk-session';
export const openedChallengeTiming = 'lk-challenge';
/**
 * The key a link's page is cached under: its own path. Pages differ per link (the workspace's
 * colours and theme-color are inlined), and a link without a cached page must reach the server,
 * whose first-visit answer opens the link (Server-Timing) for the one-round-trip registration.
 */
export const shellPageKey = (pathname: string): string => pathname;

/** A response as the shell cache keeps it: without the first visit's Server-Timing (the link's session token). */
export async function cacheable(response: Response): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.delete('server-timing');
  return new Response(await response.blob(), { status: response.status, statusText: response.statusText, headers });
}

/**
 * Resolves true once the shell is cached and a worker is active; false where unsupported. Only what
 * the cache lacks is fetched, with the browser's HTTP cache in front: the page this browser just
 * loaded comes back as a 304 (its ETag), never as a second download. Once cached, the worker keeps
 * it fresh (stale-while-revalidate, src/web/service-worker.ts).
 */
export async function keepShellOffline(extraUrls: string[] = []): Promise<boolean> {
  if (!('serviceWorker' in navigator) || typeof caches === 'undefined') return false;
  await navigator.serviceWorker.register(serviceWorkerPath, { scope: '/ik/' });
  await navigator.serviceWorker.ready;
  const cache = await caches.open(shellCacheName);
  const keep = async (url: string, key: string) => {
    if ((await cache.match(key)) !== undefined) return true;
    const response = await fetch(url).catch(() => undefined); // offline: nothing to keep yet
    if (response?.ok) await cache.put(key, await cacheable(response));
    return (await cache.match(key)) !== undefined;
  };
  const kept = await Promise.all([keep(location.pathname, shellPageKey(location.pathname)), ...extraUrls.map((url) => keep(url, url))]);
  return kept.every(Boolean);
}
