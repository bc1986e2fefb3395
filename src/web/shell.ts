/**
 * The page's side of offline use: register the service worker (src/web/service-worker.ts, scope
 * /ik/) and put the app shell — this page and the bundle — in its cache at once, so the very next
 * load works offline even though the worker was installed after this page was fetched. Extra URLs
 * (the workspace's logo) are kept the same way.
 */
export const shellCacheName = 'latchkey-ik-shell-v1';
export const serviceWorkerPath = '/ik/sw.js';
/** The key the page's HTML is cached under (every link's page is the same HTML). */
export const shellPageKey = '/ik/__page';

/** Resolves true once the shell is cached and a worker is active; false where unsupported. */
export async function keepShellOffline(scriptUrl: string, extraUrls: string[] = []): Promise<boolean> {
  if (!('serviceWorker' in navigator) || typeof caches === 'undefined') return false;
  await navigator.serviceWorker.register(serviceWorkerPath, { scope: '/ik/' });
  await navigator.serviceWorker.ready;
  const cache = await caches.open(shellCacheName);
  const refresh = async (url: string, key: string) => {
    const response = await fetch(url, { cache: 'no-cache' }).catch(() => undefined); // offline: keep what is cached
    if (response?.ok) await cache.put(key, response);
    return (await cache.match(key)) !== undefined;
  };
  const [page, script, ...extras] = await Promise.all([refresh(location.pathname, shellPageKey), refresh(scriptUrl, scriptUrl), ...extraUrls.map((url) => refresh(url, url))]);
  return page && script && extras.every(Boolean);
}
