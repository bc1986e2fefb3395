/**
 * API throughput benchmark for `npm run bench`: a server on a SQLite file in a temp directory,
 * driven by `concurrency` loopback clients creating access grants (inline user identity, one
 * entrance, mobile_key: a hotel check-in) for `count` requests; reports grants/s and p50/p99
 * latency. The clients run in a worker thread (api-load.ts, their own event loop), so the
 * server's event loop does nothing but serve: the load generator's fetch, JSON and timer work no
 * longer competes with the server it measures. Wall-clock time is the point here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../server/index.ts';
import type { GrantLoadOptions, GrantLoadResult } from './api-load.ts';
import { runInWorker } from './in-worker.ts';

export interface GrantBenchResult {
  count: number;
  concurrency: number;
  grantsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** Where the load ran: always a worker thread apart from the server's event loop. */
  driver: 'worker_thread';
}

export async function benchAccessGrants(options: { count?: number; concurrency?: number } = {}): Promise<GrantBenchResult> {
  const count = options.count ?? 2000;
  const concurrency = options.concurrency ?? 8;
  const directory = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const server = await startServer({ port: 0, dbPath: join(directory, 'bench.db'), logLevel: 'silent' });
  try {
    if (server.apiKey === undefined) throw new Error('benchAccessGrants: the server minted no API key');
    const headers = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };
    const listed = (await (await fetch(`${server.url}/acs/entrances/list`, { method: 'POST', headers, body: '{}' })).json()) as { acs_entrances: { acs_entrance_id: string }[] };
    const load: GrantLoadOptions = { url: server.url, apiKey: server.apiKey, entranceIds: listed.acs_entrances.map((e) => e.acs_entrance_id), count, concurrency };
    const result = await runInWorker<GrantLoadResult>(new URL('./api-load.ts', import.meta.url), 'runGrantLoad', load);
    const latenciesMs = result.latenciesMs.slice().sort((a, b) => a - b);
    const at = (q: number): number => latenciesMs[Math.min(latenciesMs.length - 1, Math.floor(q * latenciesMs.length))] ?? 0;
    return { count, concurrency, grantsPerSecond: count / (result.elapsedMs / 1000), p50Ms: at(0.5), p99Ms: at(0.99), maxMs: latenciesMs[latenciesMs.length - 1] ?? 0, errors: result.errors, driver: 'worker_thread' };
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
