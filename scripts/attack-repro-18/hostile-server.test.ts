/**
 * Attack repro (issue 18): a lying key server. The SDK saves the server's bundle to the store
 * BEFORE it checks that it is a bundle (phone.ts sync: store.save then load), so one malformed
 * answer bricks the phone: later starts (restore) and unlocks throw a raw TypeError, not a PhoneError.
 * Run: npx vitest run --root . scripts/attack-repro-18/hostile-server.test.ts
 */
import { describe, expect, it } from 'vitest';
import { createPhone, MemoryCredentialStore, PhoneError } from '../../src/sdk/index.ts';
import type { Transport } from '../../src/radio/transport.ts';

const deadRadio: Transport = { now: () => 0, scan: async () => [], connect: async () => Promise.reject(new Error('no radio')) } as unknown as Transport;

function fakeServer(syncBody: unknown, calls: string[] = []) {
  return async (url: string, init: { headers: Record<string, string>; body: string }) => {
    calls.push(`${url} ${init.headers.authorization}`);
    const path = new URL(url).pathname;
    const body = path.endsWith('/challenge') ? { ok: true, challenge: 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE' } : path.endsWith('/register') ? { ok: true, phone: { device_id: 'dev1' }, bundle: syncBody } : { ok: true, bundle: syncBody };
    return { ok: true, status: 200, redirected: false, headers: { get: () => 'application/json' }, json: async () => body };
  };
}

describe('hostile server answers', () => {
  for (const [name, bundle] of [
    ['bundle missing', undefined],
    ['credentials not an array', { credentials: 'x', lock_certificates: [], lock_updates: [], trusted_issuers: [] }],
    ['trusted_issuers null', { credentials: [], lock_certificates: [], lock_updates: [], trusted_issuers: null }],
    ['lock cert with non-base64 lock_id', { credentials: [], lock_certificates: [{ acs_entrance_id: 'e', display_name: 'x', lock_id: 42, certificate: 'x' }], lock_updates: [], trusted_issuers: [] }],
  ] as const) {
    it(`${name}: sync fails with a PhoneError and nothing garbage is stored`, async () => {
      const store = new MemoryCredentialStore();
      const phone = createPhone({ endpoint: 'http://keys.test', clientSessionToken: 'seam_cst_SECRET', store, transport: deadRadio, fetch: fakeServer(bundle) as never });
      const error = await phone.sync().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PhoneError);
      // Observed: the garbage bundle IS in the store ('credentials not an array' even syncs "fine").
      expect(await store.load()).toBeUndefined();
    });
  }

  it('a phone restarted on a store holding the garbage: unlock throws a PhoneError, not a TypeError', async () => {
    const store = new MemoryCredentialStore();
    const first = createPhone({ endpoint: 'http://keys.test', clientSessionToken: 'seam_cst_SECRET', store, transport: deadRadio, fetch: fakeServer({ credentials: 'x' }) as never });
    await first.sync().catch(() => undefined);
    const second = createPhone({ endpoint: 'http://keys.test', clientSessionToken: 'seam_cst_SECRET', store, transport: deadRadio, fetch: fakeServer({ credentials: 'x' }) as never });
    const error = await second.unlockWithTap({ timeoutMs: 100 }).catch((e: unknown) => e);
    expect((error as Error).constructor.name).toBe('PhoneError');
  });
});
