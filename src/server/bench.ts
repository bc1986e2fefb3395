/**
 * API throughput benchmark for `npm run bench`: a server on a SQLite file in a temp directory,
 * `concurrency` loopback clients creating access grants (inline user identity, one entrance,
 * mobile_key: a hotel check-in) for `count` requests; reports grants/s and p50/p99 latency.
 * Wall-clock time is the point here, so it uses performance.now().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from './index.ts';

export interface GrantBenchResult {
  count: number;
  concurrency: number;
  grantsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
}

export async function benchAccessGrants(options: { count?: number; concurrency?: number } = {}): Promise<GrantBenchResult> {
  const count = options.count ?? 2000;
  const concurrency = options.concurrency ?? 8;
  const directory = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const server = await startServer({ port: 0, dbPath: join(directory, 'bench.db'), logLevel: 'silent' });
  try {
    const headers = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };
    const listed = (await (await fetch(`${server.url}/acs/entrances/list`, { method: 'POST', headers, body: '{}' })).json()) as { acs_entrances: { acs_entrance_id: string }[] };
    const entranceIds = listed.acs_entrances.map((e) => e.acs_entrance_id);
    const latenciesMs: number[] = [];
    let next = 0;
    let errors = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const body = JSON.stringify({
          user_identity: { full_name: `Bench Guest ${index}` },
          acs_entrance_ids: [entranceIds[index % entranceIds.length]],
          requested_access_methods: [{ mode: 'mobile_key' }],
          ends_at: '2030-01-01T00:00:00Z',
        });
        const started = performance.now();
        const response = await fetch(`${server.url}/access_grants/create`, { method: 'POST', headers, body });
        await response.arrayBuffer();
        latenciesMs.push(performance.now() - started);
        if (response.status !== 200) errors++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsedS = (performance.now() - started) / 1000;
    latenciesMs.sort((a, b) => a - b);
    const at = (q: number): number => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
    return { count, concurrency, grantsPerSecond: count / elapsedS, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latenciesMs[latenciesMs.length - 1] ?? 0, errors };
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
