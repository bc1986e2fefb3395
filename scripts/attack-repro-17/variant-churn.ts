/**
 * Attack repro (issue 17): the page's compression cache (src/web/serve.ts, 64 bodies, LRU) under a tenant
 * that makes many colour variants. N customization profiles + N links; every link page fetched
 * concurrently with `accept-encoding: gzip` (level 9, the costlier one) and Sec-Fetch-Mode: cors (so no
 * link is opened). Reports the server's RSS (pass its pid), the wall time per round, and how long the
 * victim hotel's (demo) page takes afterwards, and checks each answer wears its own link's colour.
 * Usage: npx tsx scripts/attack-repro-17/variant-churn.ts <demoLink> <apiKey> <serverPid> [N=200] [rounds=3]
 */
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { api } from './api.ts';

const [demoLink, apiKey, pid, nText = '200', roundsText = '3'] = process.argv.slice(2);
const origin = new URL(demoLink!).origin;
const n = Number(nText);
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const opened = (await (await fetch(`${origin}/instant_key_app/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instant_key_url: demoLink }) })).json()) as { user_identity_id: string };

const links: { url: string; colour: string }[] = [];
for (let i = 0; i < n; i++) {
  const colour = `#${(0x100000 + i * 37).toString(16).slice(-6)}`;
  const profile = await api<{ customization_profile: { customization_profile_id: string } }>(origin, apiKey!, '/workspaces/customization_profiles/create', { name: `Variant hotel ${i} ${'x'.repeat(50)}`, primary_color: colour, secondary_color: '#f2c14e' });
  const link = await api<{ instant_key: { instant_key_url: string } }>(origin, apiKey!, '/user_identities/generate_instant_key', { user_identity_id: opened.user_identity_id, customization_profile_id: profile.customization_profile.customization_profile_id });
  links.push({ url: link.instant_key.instant_key_url, colour });
}
const get = (url: string, enc = 'gzip') => fetch(url, { headers: { 'accept-encoding': enc, 'sec-fetch-mode': 'cors' } });
console.log(`${n} variants made; server RSS ${rss().toFixed(0)} MB (peak ${hwm().toFixed(0)} MB)`);
let wrong = 0;
for (let round = 0; round < Number(roundsText); round++) {
  const t0 = performance.now();
  const victim = (async () => { const s = performance.now(); await (await get(demoLink!, 'br')).arrayBuffer(); return performance.now() - s; })();
  const answers = await Promise.all(links.map(async (l) => {
    const r = await get(l.url);
    const body = Buffer.from(await r.arrayBuffer()); // undici decodes gzip itself
    const text = body.toString('utf8');
    if (!text.includes(l.colour)) wrong++;
    return r.status;
  }));
  console.log(`round ${round}: ${answers.length} pages (${answers.filter((s) => s === 200).length} × 200) in ${(performance.now() - t0).toFixed(0)} ms; victim page during it ${(await victim).toFixed(0)} ms; RSS ${rss().toFixed(0)} MB peak ${hwm().toFixed(0)} MB`);
}
console.log(`pages not wearing their own link's colour: ${wrong}`);
void gunzipSync;
