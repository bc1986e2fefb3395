/**
 * `latchkey ble run` in a child process must finish by itself — workers terminated, noble's
 * timers and listeners removed, ports closed — and print one JSON object with every outcome
 * as expected (exit code 0). A leaked worker or handle would keep the child alive past the
 * deadline and fail the test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('latchkey ble run as a process', () => {
  it('exits 0 by itself with one JSON object and no process left behind', () => {
    const started = performance.now();
    const child = spawnSync(process.execPath, ['bin/latchkey.js', 'ble', 'run', '--doors', '3', '--attempts', '12', '--seed', '3', '--relay-bound-ms', '3000', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      killSignal: 'SIGKILL',
    });
    expect(child.error, 'the process did not exit by itself').toBeUndefined();
    expect(child.signal).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    const report = JSON.parse(child.stdout) as { passed: number; failed: number };
    expect(report).toMatchObject({ passed: 12, failed: 0 });
    console.log(`child process ran 12 attempts and exited by itself in ${Math.round(performance.now() - started)} ms`);
  });

  it('a usage error exits 2', () => {
    const child = spawnSync(process.execPath, ['bin/latchkey.js', 'ble', 'run', '--doors', '0'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(child.status).toBe(2);
  });
});
