/**
 * The API benchmark's load driver, run in a worker thread by api.ts: `concurrency` clients in a
 * loop creating access grants until `count` requests were sent. Returns raw latencies; the
 * statistics are computed by the caller.
 */
export interface GrantLoadOptions {
  url: string;
  apiKey: string;
  entranceIds: string[];
  count: number;
  concurrency: number;
}

export interface GrantLoadResult {
  latenciesMs: number[];
  elapsedMs: number;
  errors: number;
}

export async function runGrantLoad(options: GrantLoadOptions): Promise<GrantLoadResult> {
  const { url, apiKey, entranceIds, count, concurrency } = options;
  if (entranceIds.length === 0) throw new Error('runGrantLoad: the server lists no entrances');
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const latenciesMs: number[] = [];
  let next = 0;
  let errors = 0;
  const client = async (): Promise<void> => {
    while (next < count) {
      const index = next++;
      const body = JSON.stringify({
        user_identity: { full_name: `Bench Guest ${index}` },
        acs_entrance_ids: [entranceIds[index % entranceIds.length]],
        requested_access_methods: [{ mode: 'mobile_key' }],
        ends_at: '2030-01-01T00:00:00Z',
      });
      const started = performance.now();
      const response = await fetch(`${url}/access_grants/create`, { method: 'POST', headers, body });
      await response.arrayBuffer();
      latenciesMs.push(performance.now() - started);
      if (response.status !== 200) errors++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  return { latenciesMs, elapsedMs: performance.now() - started, errors };
}
