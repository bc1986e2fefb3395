/**
 * Smoke run of `npm run bench:web` (test/web/page-load-bench.ts) on a mildly throttled network, so
 * the benchmark itself keeps working. Timings are recorded, not asserted; bytes are asserted.
 */
import { expect, it } from 'vitest';
import { runPageLoadBench } from './page-load-bench.ts';

it('measures first and return visits of the guest page through a throttled network', async () => {
  const figures = await runPageLoadBench({
    slow: { name: 'smoke', latencyMs: 150, kbitPerS: 8_000 },
    lieFi: { name: 'smoke lie-fi', latencyMs: 600, kbitPerS: 8_000 },
    quietMs: 1_000,
    timeoutMs: 30_000,
  });
  for (const visit of [figures.firstVisitSlow3g, figures.returnVisitSlow3g, figures.returnVisitLieFi]) {
    expect(Number.isFinite(visit.readyMs) && visit.readyMs > 0, JSON.stringify(visit)).toBe(true);
    expect(visit.requests[0]).toMatch(/^GET \/ik\/[A-Za-z0-9_-]+$/);
  }
  console.log(JSON.stringify(figures, null, 1));
  // The byte goals hold whatever the network: the page (bundle inlined, brotli) and one
  // register call on a first visit; a 304 for the page, one for the service worker and a sync on a return.
  expect(figures.firstVisitSlow3g.serverBytes).toBeLessThanOrEqual(70_000);
  expect(figures.returnVisitSlow3g.serverBytes).toBeLessThanOrEqual(5_000);
  expect(figures.returnVisitLieFi.serverBytes).toBeLessThanOrEqual(5_000);
  // A returning guest's page comes from the service worker: the page itself is never sent again.
  expect(figures.returnVisitSlow3g.requests.filter((line) => /^GET \/ik\/[A-Za-z0-9_-]+$/.test(line))).toHaveLength(1); // the background revalidation
  // No CSP violation on any load (cbor-x's eval probe is out of the bundle).
  for (const visit of [figures.firstVisitSlow3g, figures.returnVisitSlow3g, figures.returnVisitLieFi]) expect(visit.cspViolations).toEqual([]);
}, 120_000);
