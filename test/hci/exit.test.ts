/**
 * "Nothing left running", checked from outside: a child process runs a full session and must
 * exit on its own (no process.exit) shortly after close().
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const exitDeadlineMs = 20_000;

describe('process lifetime', () => {
  it('a process that closes its virtual BLE exits by itself', async () => {
    const scenario = fileURLToPath(new URL('./fixtures/exit-scenario.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', scenario], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const started = performance.now();
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, exitDeadlineMs);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('closed after reading exit-lock/challenge/1');
    console.log(`child session + exit: ${Math.round(performance.now() - started)} ms`);
  });
});
