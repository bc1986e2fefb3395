import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Starts `latchkey up --json` as a user would and waits for its one line of JSON. */
function up(dbPath: string): Promise<{ info: { url: string; apiKey: string; instantKeyUrl: string; doors: string[] }; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, ['bin/latchkey.js', 'up', '--port', '0', '--db', dbPath, '--json', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`latchkey up printed nothing in 30 s: ${out}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined) return;
      clearTimeout(timer);
      const stop = (): Promise<number | null> =>
        new Promise((done) => {
          child.once('exit', (code) => done(code));
          child.kill('SIGTERM');
        });
      resolve({ info: JSON.parse(line), stop });
    });
    child.once('exit', (code) => reject(new Error(`latchkey up exited early with ${code}`)));
  });
}

describe('latchkey up', () => {
  it('serves the API on an embedded SQLite file with a virtual hotel, stops on SIGTERM, and a restart reuses the database', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'latchkey-up-')), 'latchkey.db');
    const first = await up(dbPath);
    expect(first.info.apiKey).toMatch(/^seam_/);
    expect(first.info.instantKeyUrl).toContain('/ik/');
    expect(first.info.doors.length).toBeGreaterThanOrEqual(10);
    const list = await fetch(`${first.info.url}/acs/entrances/list`, { method: 'POST', headers: { authorization: `Bearer ${first.info.apiKey}` } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { ok: boolean; acs_entrances: unknown[] };
    expect(body.ok).toBe(true);
    expect(body.acs_entrances.length).toBe(first.info.doors.length);
    const unauthorized = await fetch(`${first.info.url}/acs/entrances/list`, { method: 'POST' });
    expect(unauthorized.status).toBe(401);
    expect(await first.stop()).toBe(0);

    const second = await up(dbPath);
    expect(new URL(second.info.instantKeyUrl).pathname).toBe(new URL(first.info.instantKeyUrl).pathname); // same database, same demo guest link
    const again = await fetch(`${second.info.url}/acs/entrances/list`, { method: 'POST', headers: { authorization: `Bearer ${first.info.apiKey}` } });
    expect(again.status).toBe(200); // keys from the first run still work
    expect(await second.stop()).toBe(0);
  });
});
