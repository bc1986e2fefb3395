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
  expect(figures.firstVisitSlow3g.serverBytes).toBeGreaterThan(figures.bundleBytes);
}, 120_000);
