/**
 * The page's compressed copies (src/web/serve.ts, attack on issue 17 F1): every colour variant of
 * the page is its own body, and any tenant can make variants (customization profiles), so
 * compressing one must not hold the event loop (brotli off it, on libuv's pool), the copies are kept
 * least-recently-used (not cleared all at once when full), and concurrent requests for a variant not
 * compressed yet share one compression.
 */
import { randomBytes } from 'node:crypto';
import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { representationCacheMax, serveWebApp, webCompressionCount, type WebAppBundle, type WebAppResponse } from '../../src/web/serve.ts';

/** A stand-in bundle (the page's size, poorly compressible like minified code): no esbuild needed. */
function bundleOf(bytes: number): WebAppBundle {
  const code = `/*${randomBytes(bytes / 2).toString('hex')}*/`;
  return { code, bytes: code.length, gzipBytes: 0, serviceWorker: '', inputs: {}, source: 'build' };
}

const colour = (n: number) => `#${n.toString(16).padStart(6, '0')}`;

function page(bundle: WebAppBundle, n: number, encoding = 'br'): Promise<WebAppResponse | undefined> {
  return serveWebApp({ method: 'GET', url: '/ik/abc', headers: { 'accept-encoding': encoding } }, { bundle, extras: { customization: { primary_color: colour(n) } } });
}

describe('compressed copies of the page', () => {
  it('a variant being compressed does not hold up the answer for one already compressed', async () => {
    const bundle = bundleOf(160_000);
    await page(bundle, 1); // variant 1 compressed and kept
    const order: string[] = [];
    const fresh = page(bundle, 2).then(() => order.push('new variant'));
    const cached = page(bundle, 1).then(() => order.push('cached variant'));
    await Promise.all([fresh, cached]);
    // Compressing synchronously, the new variant's request would finish first (its CPU time blocking the other).
    expect(order).toEqual(['cached variant', 'new variant']);
  });

  it('concurrent requests for a variant not compressed yet share one compression per encoding', async () => {
    const bundle = bundleOf(20_000);
    const before = webCompressionCount();
    const answers = await Promise.all([page(bundle, 3), page(bundle, 3), page(bundle, 3), page(bundle, 3, 'gzip'), page(bundle, 3, 'gzip')]);
    const after = webCompressionCount();
    expect(after.br - before.br).toBe(1);
    expect(after.gzip - before.gzip).toBe(1);
    const html = brotliDecompressSync(answers[0]!.body as Buffer).toString('utf8');
    expect(html).toContain(bundle.code);
    expect(new Set(answers.slice(0, 3).map((answer) => answer!.headers['etag']))).toHaveProperty('size', 1);
  });

  it('keeps the recently used variants when many others come (least recently used out, not all)', async () => {
    const bundle = bundleOf(2_000);
    const count = () => webCompressionCount().br;
    await page(bundle, 0x100); // the guest's hotel: requested all the time
    await page(bundle, 0x101); // requested once
    for (let n = 0; n < representationCacheMax * 2; n += 1) {
      await page(bundle, 0x1000 + n); // another tenant's profiles, one after another
      if (n % 8 === 0) await page(bundle, 0x100);
    }
    const before = count();
    await page(bundle, 0x100);
    expect(count() - before).toBe(0); // still kept: no recompression
    await page(bundle, 0x1000 + representationCacheMax * 2 - 1); // the newest: kept
    expect(count() - before).toBe(0);
    await page(bundle, 0x101); // long unused: evicted, compressed again
    expect(count() - before).toBe(1);
  });
});
