/**
 * Attack repro (issue 17): the guest taps the link twice (two tabs open at once, a double tap in a chat
 * app). Each tab's boot script (src/web/boot.ts) reads "no holder key", makes its OWN key and puts it in
 * IndexedDB — the later put overwrites the earlier — and registers it. Each tab then stores its own
 * registration under `link:/ik/<code>`: last writer wins. If the surviving link session's credentials
 * are bound (cnf) to the key that was overwritten, this browser can never unlock with that link again
 * (every credential names a holder key it no longer has), and nothing tells it to re-register.
 * Usage: npx tsx scripts/attack-repro-17/two-tabs-first-visit.ts <demoLink> <apiKey> [tries=5]
 */
import { chromium } from 'playwright-core';
import { freshGuestLink as freshLink, phoneCount } from './api.ts';
import { parseCredential } from '../../src/protocol/credential.ts';

const [demoLink, apiKey, triesText = '5', maxUse = 'none'] = process.argv.slice(2);
const origin = new URL(demoLink!).origin;
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-blink-features=WebBluetooth'] });
let broken = 0;
try {
  for (let t = 0; t < Number(triesText); t++) {
    const made = await freshLink(demoLink!, apiKey!, maxUse === 'none' ? {} : { max_use_count: Number(maxUse) });
    const before = await phoneCount(origin, apiKey!, made.userIdentityId);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const [a, b] = [await context.newPage(), await context.newPage()];
    await Promise.all([a.goto(made.url), b.goto(made.url)]);
    for (const p of [a, b]) await p.waitForFunction(() => ['true', 'error'].includes(document.body.dataset.ready ?? ''), undefined, { timeout: 30_000 });
    await a.waitForTimeout(500);
    const seen = await a.evaluate(() => new Promise<{ holder: number[]; credentials: string[] }>((resolve) => {
      const open = indexedDB.open('latchkey', 1);
      open.onsuccess = () => {
        const store = open.result.transaction('kv').objectStore('kv');
        const k = store.get('holder-key');
        const l = store.get(`link:${location.pathname}`);
        l.onsuccess = async () => {
          const raw = new Uint8Array(await crypto.subtle.exportKey('raw', k.result.publicKey));
          resolve({ holder: [...raw], credentials: (l.result?.bundle?.credentials ?? []).map((c: { credential: string }) => c.credential) });
        };
      };
    }));
    const raw = Uint8Array.from(seen.holder);
    const compressed = new Uint8Array(33); compressed[0] = 2 | (raw[64]! & 1); compressed.set(raw.subarray(1, 33), 1);
    const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
    const bound = seen.credentials.map((c) => hex(parseCredential(new Uint8Array(Buffer.from(c, 'base64url'))).claims.holderKey as Uint8Array));
    const matches = bound.every((k) => k === hex(compressed));
    if (!matches) broken++;
    console.log(`try ${t}: phones registered by one browser: ${(await phoneCount(origin, apiKey!, made.userIdentityId)) - before}; stored credentials bound to the browser's holder key: ${matches ? 'yes' : `NO (cnf ${bound[0]?.slice(0, 16)}… vs holder ${hex(compressed).slice(0, 16)}…)`}`);
    await context.close();
  }
  console.log(`${broken} of ${triesText} double-opened links left this browser with credentials for a key it no longer has`);
  console.log('expected: one holder key per browser (made once, under a lock / add-if-absent), stored link session matching it; ideally one phone');
} finally {
  await browser.close();
}
