/**
 * `latchkey phone` run as a user would: `latchkey up` on a temporary database and a free port,
 * the operator's back end makes a client session (official `seam` SDK), and `bin/latchkey.js phone`
 * lists and unlocks over the server's virtual air (`--sim`, from GET /sim/links). Exit codes: 0
 * unlocked, 4 bad token, 5 no doors, 3 no adapter, 2 usage.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Seam } from 'seam';

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Ran> {
  const child = spawn(process.execPath, ['bin/latchkey.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

const dir = mkdtempSync(join(tmpdir(), 'latchkey-phone-'));
let server: { url: string; apiKey: string; stop(): Promise<void> };
let token: string;
let simToken: string;
let seam: Seam;

beforeAll(async () => {
  const child = spawn(process.execPath, ['bin/latchkey.js', 'up', '--port', '0', '--db', join(dir, 'latchkey.db'), '--json', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const info = await new Promise<{ url: string; apiKey: string }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`latchkey up exited early with ${code}`)));
  });
  server = { ...info, stop: () => new Promise((done) => (child.once('exit', () => done()), child.kill('SIGTERM'))) };
  seam = new Seam({ apiKey: server.apiKey, endpoint: server.url });
  // The back end: a guest with Room 101 and Room 102 as mobile keys, and a client session for the app.
  const guest = await seam.userIdentities.create({ full_name: 'Jane Doe' });
  const entrances = await seam.acs.entrances.list();
  const id = (name: string) => entrances.find((e) => e.display_name === name)!.acs_entrance_id;
  await seam.accessGrants.create({
    user_identity_id: guest.user_identity_id,
    acs_entrance_ids: [id('Room 101'), id('Room 102')],
    requested_access_methods: [{ mode: 'mobile_key' }],
    starts_at: new Date(Date.now() - 3_600_000).toISOString(),
    ends_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  token = (await seam.clientSessions.create({ user_identity_id: guest.user_identity_id })).token;
  // A place on the server's virtual air (any simulator link of the workspace: the keys are the phone's own).
  const links = (await (await fetch(`${server.url}/sim/links`, { headers: { authorization: `Bearer ${server.apiKey}` } })).json()) as { links: { simulator_url: string }[] };
  simToken = new URL(links.links[0]!.simulator_url).searchParams.get('sim')!;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('latchkey phone', () => {
  it('lists the synced doors (--json), and a second run is the same phone (the --store file)', async () => {
    const store = join(dir, 'jane.json');
    const first = await run(['phone', 'list', '--endpoint', server.url, '--token', token, '--store', store, '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const listed = JSON.parse(first.stdout) as { ok: boolean; device_id: string; entrances: { display_name: string }[] };
    expect(listed.entrances.map((e) => e.display_name)).toEqual(['Room 101', 'Room 102']);
    const second = JSON.parse((await run(['phone', 'list', '--endpoint', server.url, '--token', token, '--store', store, '--json'])).stdout) as typeof listed;
    expect(second.device_id).toBe(listed.device_id);
  }, 60_000);

  it('unlocks with a tap over the virtual air, and by door name', async () => {
    const store = join(dir, 'jane-tap.json');
    const tap = await run(['phone', 'unlock', '--endpoint', server.url, '--token', token, '--store', store, '--tap', '--sim', simToken, '--at', 'Room 102', '--json']);
    expect(tap.code).toBe(0);
    expect(JSON.parse(tap.stdout)).toMatchObject({ ok: true, outcome: 'unlocked', display_name: 'Room 102', authenticated: true });
    const named = await run(['phone', 'unlock', '--endpoint', server.url, '--token', token, '--store', store, '--door', 'Room 101', '--sim', simToken, '--at', 'Room 101']);
    expect(named.code).toBe(0);
    expect(named.stdout).toMatch(/^Unlocked Room 101 /);
    // Held to a door it has no key for: nothing is tried, exit 1.
    const other = await run(['phone', 'unlock', '--endpoint', server.url, '--token', token, '--store', store, '--tap', '--sim', simToken, '--at', 'Room 103', '--timeout-ms', '1000', '--json']);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toMatchObject({ ok: false, outcome: 'out_of_range', code: 'lock_not_found' });
  }, 60_000);

  it('a bad token exits 4 (unauthorized, 401); a key with no doors exits 5; no adapter exits 3; a missing flag is usage (2)', async () => {
    const bad = await run(['phone', 'list', '--endpoint', server.url, '--token', 'seam_cst1_bogus', '--store', join(dir, 'bad.json'), '--json']);
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, error: { code: 'unauthorized', status: 401 } });

    const nobody = await seam.userIdentities.create({ full_name: 'No Stay' });
    const empty = (await seam.clientSessions.create({ user_identity_id: nobody.user_identity_id })).token;
    const none = await run(['phone', 'unlock', '--endpoint', server.url, '--token', empty, '--store', join(dir, 'none.json'), '--tap', '--sim', simToken, '--json']);
    expect(none.code).toBe(5);
    expect(JSON.parse(none.stdout)).toMatchObject({ ok: false, error: { code: 'phone_no_entrances' } });

    const noAdapter = await run(['phone', 'unlock', '--endpoint', server.url, '--token', token, '--store', join(dir, 'hci.json'), '--tap', '--hci', 'tcp:127.0.0.1:1', '--json']);
    expect(noAdapter.code).toBe(3);
    expect(JSON.parse(noAdapter.stdout)).toMatchObject({ ok: false, error: { code: 'transport_unsupported' } });

    const usage = await run(['phone', 'unlock', '--endpoint', server.url, '--token', token]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('exactly one of --door NAME or --tap');
  }, 60_000);
});
