// Attack probes (issue 18) of `latchkey phone` against a real `latchkey up` (temp db, port 0), as a user would.
// Run: nice node scripts/attack-repro-18/live-cli.mjs   Prints each probe: exit code, stdout, stderr (trimmed).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Seam } from 'seam';

const dir = mkdtempSync(join(tmpdir(), 'a18-live-'));
const up = spawn(process.execPath, ['bin/latchkey.js', 'up', '--port', '0', '--db', join(dir, 'l.db'), '--json', '--log-level', 'debug'], { stdio: ['ignore', 'pipe', 'pipe'] });
let upLog = '';
up.stderr.on('data', (c) => (upLog += c));
const info = await new Promise((resolve) => { let out = ''; up.stdout.on('data', (c) => { out += c; const l = out.split('\n').find((x) => x.startsWith('{')); if (l) resolve(JSON.parse(l)); }); });
const seam = new Seam({ apiKey: info.apiKey, endpoint: info.url });
const entrances = await seam.acs.entrances.list();
const id = (n) => entrances.find((e) => e.display_name === n).acs_entrance_id;
async function guest(name, rooms) {
  const g = await seam.userIdentities.create({ full_name: name });
  await seam.accessGrants.create({ user_identity_id: g.user_identity_id, acs_entrance_ids: rooms.map(id), requested_access_methods: [{ mode: 'mobile_key' }], starts_at: new Date(Date.now() - 3600e3).toISOString(), ends_at: new Date(Date.now() + 86400e3).toISOString() });
  return (await seam.clientSessions.create({ user_identity_id: g.user_identity_id })).token;
}
const jane = await guest('Jane', ['Room 101']);
const bob = await guest('Bob', ['Room 102']);
const links = await (await fetch(`${info.url}/sim/links`, { headers: { authorization: `Bearer ${info.apiKey}` } })).json();
const sim = new URL(links.links[0].simulator_url).searchParams.get('sim');
const run = (args) => new Promise((resolve) => {
  const c = spawn(process.execPath, ['bin/latchkey.js', 'phone', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let o = '', e = '';
  c.stdout.on('data', (x) => (o += x)); c.stderr.on('data', (x) => (e += x));
  const timer = setTimeout(() => { e += ' [HUNG: killed after 30 s]'; c.kill('SIGKILL'); }, 30_000);
  c.on('close', (code) => (clearTimeout(timer), resolve({ code, o, e })));
});
const probe = async (label, args) => {
  const r = await run(args);
  console.log(`== ${label}\n exit ${r.code}\n stdout ${r.o.trim().slice(0, 400)}\n stderr ${r.e.trim().slice(0, 300)}`);
  for (const [who, t] of [['jane', jane], ['bob', bob]]) if ((r.o + r.e).includes(t)) console.log(` !! ${who}'s TOKEN appears in the output`);
  return r;
};
const store = join(dir, 'shared-phone.json');
const only = process.argv[2];
if (only !== 'tail') {
await probe('jane list (debug log)', ['list', '--endpoint', info.url, '--token', jane, '--store', store, '--json', '--log-level', 'debug']);
console.log(' store mode', (statSync(store).mode & 0o777).toString(8), 'dir mode', (statSync(dir).mode & 0o777).toString(8));
await probe('bob, same store file (a second user logs in to the same app/phone)', ['list', '--endpoint', info.url, '--token', bob, '--store', store, '--json']);
console.log(' store after bob:', JSON.stringify(JSON.parse(readFileSync(store, 'utf8')).phone?.deviceId ?? null));
await probe('bob again, same store', ['list', '--endpoint', info.url, '--token', bob, '--store', store, '--json']);
await probe('jane again, same store', ['list', '--endpoint', info.url, '--token', jane, '--store', store, '--json']);
await probe('bad token', ['list', '--endpoint', info.url, '--token', 'seam_cst_nope', '--store', join(dir, 'x.json'), '--json']);
await probe('jane unlock --door "room 101" over sim', ['unlock', '--endpoint', info.url, '--token', jane, '--store', join(dir, 'j2.json'), '--door', 'room 101', '--sim', sim, '--at', 'Room 101', '--json']);
await probe('jane unlock --door "Room 102" (not hers)', ['unlock', '--endpoint', info.url, '--token', jane, '--store', join(dir, 'j2.json'), '--door', 'Room 102', '--sim', sim, '--at', 'Room 102', '--json']);
await probe('jane --tap at Room 102 (not hers)', ['unlock', '--endpoint', info.url, '--token', jane, '--store', join(dir, 'j2.json'), '--tap', '--sim', sim, '--at', 'Room 102', '--json', '--timeout-ms', '1000']);
}
await probe('--sim with a bogus door for --at', ['unlock', '--endpoint', info.url, '--token', jane, '--store', join(dir, 'j2.json'), '--tap', '--sim', sim, '--at', 'Nowhere', '--json', '--timeout-ms', '500']);
await probe('--timeout-ms 0', ['unlock', '--endpoint', info.url, '--token', jane, '--tap', '--sim', sim, '--timeout-ms', '0', '--json']);
for (const t of [jane, bob]) if (upLog.includes(t)) console.log(' !! a token appears in latchkey up debug log');
up.kill('SIGTERM');
