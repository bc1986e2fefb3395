/**
 * CLI wiring of issue 16: `ble run --lock-hci/--phone-hci`, `scenario run --transport ble
 * --lock-hci/--phone-hci` and `hci serve` reject bad input with
 * usage errors (exit 2) naming the stable code, and an absent controller ends either run with
 * exit 3 and a JSON error carrying its code — not a stack trace.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../src/cli/args.ts';
import { hciBooleanFlags, hciCommand } from '../../src/cli/hci.ts';
import { main } from '../../src/cli/main.ts';

let stderr: string[] = [];
beforeEach(() => {
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await main([...argv, '--log-level', 'silent'], (text) => out.push(text));
  return { code, out };
}

describe('latchkey ble run --lock-hci / --phone-hci', () => {
  it('usage errors name the spec error code', async () => {
    expect((await run(['ble', 'run', '--lock-hci', 'bluetooth'])).code).toBe(2);
    expect(stderr.join('')).toContain('--lock-hci: hci_spec_unknown_kind');
    expect((await run(['ble', 'run', '--phone-hci', 'serial:/dev/ttyACM0@123'])).code).toBe(2);
    expect(stderr.join('')).toContain('hci_spec_bad_baud');
    expect((await run(['ble', 'run', '--doors', '2', '--lock-hci', 'tcp:127.0.0.1:9000'])).code).toBe(2); // one tcp: controller per host
    expect(stderr.join('')).toContain('give one per door (2)');
    expect((await run(['ble', 'run', '--hci', 'hci0', '--lock-hci', 'virtual'])).code).toBe(2);
    expect((await run(['ble', 'run', '--doors', '1', '--phone-hci', 'tcp:127.0.0.1:9000'])).code).toBe(2); // lock on the virtual air: never meets
    expect(stderr.join('')).toContain('would never meet');
  });

  it('an absent controller: exit 3, a JSON error with hci_controller_unreachable', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const { code, out } = await run(['ble', 'run', '--doors', '1', '--attempts', '1', '--lock-hci', `tcp:127.0.0.1:${port}`, '--phone-hci', `tcp:127.0.0.1:${port}`, '--json']);
    expect(code).toBe(3);
    expect(JSON.parse(out.join('\n')).error.code).toBe('hci_controller_unreachable');
  });
});

describe('latchkey scenario run --lock-hci / --phone-hci', () => {
  const file = 'scenarios/attacks/01-replay-full-exchange.yaml'; // 2 doors, 2 phones (+ the attacker)

  it('usage errors (exit 2): the parsing and messages of ble run, and counts checked per scenario before any runs', async () => {
    expect((await run(['scenario', 'run', file, '--lock-hci', 'tcp:127.0.0.1:9000', '--phone-hci', 'tcp:127.0.0.1:9001'])).code).toBe(2); // virtual transport
    expect(stderr.join('')).toContain('--lock-hci/--phone-hci choose BLE controllers: they need --transport ble');
    expect((await run(['scenario', 'run', file, '--transport', 'ble', '--lock-hci', 'bluetooth'])).code).toBe(2);
    expect(stderr.join('')).toContain('--lock-hci: hci_spec_unknown_kind');
    expect((await run(['scenario', 'run', file, '--transport', 'ble', '--phone-hci', 'serial:/dev/ttyACM0@123'])).code).toBe(2);
    expect(stderr.join('')).toContain('--phone-hci: hci_spec_bad_baud');
    expect((await run(['scenario', 'run', file, '--transport', 'ble', '--phone-hci', 'tcp:127.0.0.1:9000,tcp:127.0.0.1:9001,tcp:127.0.0.1:9002'])).code).toBe(2); // locks on the virtual air
    expect(stderr.join('')).toContain('would never meet');
    stderr = [];
    const phones = 'tcp:127.0.0.1:9002,tcp:127.0.0.1:9003,tcp:127.0.0.1:9004';
    expect((await run(['scenario', 'run', file, '--transport', 'ble', '--lock-hci', 'tcp:127.0.0.1:9000', '--phone-hci', phones])).code).toBe(2); // one tcp: controller, two doors
    expect(stderr.join('')).toContain(`${file}: --lock-hci: a tcp:/serial: controller serves one host; give one per door (2), comma-separated`);
    expect((await run(['scenario', 'run', file, '--transport', 'ble', '--lock-hci', 'tcp:127.0.0.1:9000,tcp:127.0.0.1:9001', '--phone-hci', 'tcp:127.0.0.1:9002,tcp:127.0.0.1:9003'])).code).toBe(2); // no controller left for the attacker
    expect(stderr.join('')).toContain(`${file}: --phone-hci: give one controller, or one per phone and one for the attacker (3)`);
    expect(stderr.join('')).not.toContain('crashed');
  });

  it('an absent controller: exit 3, a JSON error with hci_controller_unreachable', async () => {
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    const spec = (n: number) => Array.from({ length: n }, () => `tcp:127.0.0.1:${port}`).join(',');
    const { code, out } = await run(['scenario', 'run', file, '--transport', 'ble', '--lock-hci', spec(2), '--phone-hci', spec(3), '--json']);
    expect(code).toBe(3);
    expect(JSON.parse(out.join('\n')).error.code).toBe('hci_controller_unreachable');
  });
});

describe('latchkey hci serve', () => {
  it('rejects bad options', async () => {
    expect((await run(['hci', 'serve', '--acl-buffer', '26:8'])).code).toBe(2);
    expect((await run(['hci', 'serve', '--acl-buffer', '27'])).code).toBe(2);
    expect((await run(['hci', 'serve', '--controllers', '0'])).code).toBe(2);
    expect((await run(['hci', 'serve', '--loss', '3/2'])).code).toBe(2);
    expect((await run(['hci', 'listen'])).code).toBe(2);
  });

  it('prints its endpoints (--json: one object), serves until stopped, then exits 0', async () => {
    const out: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
    const serving = hciCommand(parseArgs(['serve', '--controllers', '3', '--acl-buffer', '27:64', '--zero-address', '--json'], ['json', ...hciBooleanFlags]), { log, out: (text) => out.push(text) }, stopped);
    await vi.waitFor(() => expect(out).toHaveLength(1));
    const served = JSON.parse(out[0]!) as { controllers: { tcp: string; publicAddress: string; pty: string | null }[] };
    expect(served.controllers).toHaveLength(3);
    expect(new Set(served.controllers.map((controller) => controller.tcp)).size).toBe(3);
    expect(served.controllers.every((controller) => controller.publicAddress === '00:00:00:00:00:00' && controller.pty === null)).toBe(true);
    // A port in use is a usage error.
    const busy = Number(served.controllers[0]!.tcp.split(':')[2]);
    expect((await run(['hci', 'serve', '--controllers', '1', '--port', String(busy)])).code).toBe(2);
    stop();
    expect(await serving).toBe(0);
  });
});
