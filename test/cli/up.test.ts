import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logFormatOf, prettyLogLine } from '../../src/log/destination.ts';

/** Starts `latchkey up --json` as a user would and waits for its one line of JSON. */
function up(dbPath: string): Promise<{ info: { url: string; dashboardUrl: string; apiKey: string; instantKeyUrl: string; doors: string[] }; stop: () => Promise<number | null> }> {
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
    expect(first.info.dashboardUrl).toBe(`${first.info.url}/dashboard`);
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

/** Runs `latchkey up` (as `npm start` does) until its banner is out, then SIGTERM; returns what it wrote. */
function runUntilBanner(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner in 60 s: ${stdout} ${stderr}`));
    }, 60_000);
    let stopping = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stopping && /^SDK .*$/m.test(stdout)) {
        stopping = true;
        setTimeout(() => child.kill('SIGTERM'), 200);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code });
    });
  });
}

describe('latchkey up: what a newcomer sees', () => {
  it('prints a clean banner on stdout with the dashboard link, and JSON log lines on stderr when piped', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'latchkey-banner-')), 'latchkey.db');
    const { stdout, stderr, code } = await runUntilBanner(process.execPath, ['bin/latchkey.js', 'up', '--port', '0', '--db', dbPath, '--log-level', 'info'], { ...process.env, LATCHKEY_LOG_FORMAT: '' });
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(/\s{2,}/)[0])).toEqual(['latchkey API', 'API key', 'Instant Key', 'dashboard', 'virtual locks', 'SDK']);
    const url = /^latchkey API\s+(\S+)$/m.exec(stdout)![1]!;
    expect(stdout).toContain(`dashboard      ${url}/dashboard (sign in with the API key)`);
    expect(stdout).not.toMatch(/^\{/m);
    const logLines = stderr.trimEnd().split('\n');
    expect(logLines.length).toBeGreaterThanOrEqual(2);
    for (const line of logLines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(logLines.map((line) => (JSON.parse(line) as { msg: string }).msg)).toContain('latchkey API listening');
  });

  it('writes readable log lines on a terminal (a real pseudo-terminal through script(1))', async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'latchkey-tty-')), 'latchkey.db');
    const { stdout } = await runUntilBanner('script', ['-qfec', `exec ${process.execPath} bin/latchkey.js up --port 0 --db ${dbPath} --log-level info`, '/dev/null'], { ...process.env, LATCHKEY_LOG_FORMAT: '' });
    const screen = stdout.replaceAll('\r', '');
    expect(screen).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  latchkey API listening url=http:\/\/127\.0\.0\.1:\d+ workspaceId=[0-9a-f-]{36}$/m);
    expect(screen).toMatch(/^dashboard {6}http:\/\/127\.0\.0\.1:\d+\/dashboard/m);
    expect(screen).not.toMatch(/^\{"level"/m);
  });

  it('formats pino lines for people, keeps fields and stacks, and lets LATCHKEY_LOG_FORMAT decide', () => {
    expect(prettyLogLine('{"level":40,"time":0,"pid":1,"hostname":"h","msg":"slow request","url":"/x y","ms":12}')).toBe('00:00:00.000 WARN  slow request url="/x y" ms=12\n');
    expect(prettyLogLine('{"level":50,"time":1000,"msg":"unhandled error","err":{"type":"Error","stack":"Error: boom\\n    at f"}}')).toBe('00:00:01.000 ERROR unhandled error\n    Error: boom\n        at f\n');
    expect(prettyLogLine('not json')).toBe('not json\n');
    expect([logFormatOf({}, true), logFormatOf({}, false), logFormatOf({ LATCHKEY_LOG_FORMAT: 'json' }, true), logFormatOf({ LATCHKEY_LOG_FORMAT: 'pretty' }, false)]).toEqual(['pretty', 'json', 'json', 'pretty']);
  });
});
