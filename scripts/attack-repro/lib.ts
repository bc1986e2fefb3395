// Reproductions of the open finding of issue 12 (a stolen issuer key takes a lock over through
// signed updates; the routine-update bounds that would stop it wedge a rarely visited door), written
// by the independent attacks of session 3. Each script drives a real firmware-model Lock with real
// crypto and prints what it observes: `npx tsx scripts/attack-repro/<file>`. Not part of npm test;
// the fixed findings became tests in test/firmware/hardening.test.ts.
// Shared attack harness: drives a firmware-model Lock with the same bytes a phone sends.
import { Lock, type LockOutput } from '../../firmware-model/lock.ts';
import type { LockConfig } from '../../firmware-model/config.ts';
import { NvStorage } from '../../firmware-model/nv.ts';
import { issueCredential, type CredentialClaims } from '../../src/protocol/credential.ts';
import type { IssuerSigningKey } from '../../src/protocol/issuer-keys.ts';
import { issueLockUpdate, type LockUpdate } from '../../src/protocol/lock-update.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type ResumptionTicket } from '../../src/protocol/unlock/phone-exchange.ts';
import { decodeResult } from '../../src/protocol/unlock/messages.ts';
import { codeOfWire } from '../../src/protocol/errors.ts';
import { epochS, lockCertificateOf, makeHolder, makeIssuer, makeLockIdentity, nodeCrypto, sampleClaims, seeded, trustedOf, type Holder } from '../../test/helpers/fixtures.ts';
import type { CryptoProvider } from '../../src/protocol/crypto/provider.ts';

export const epochMs = epochS * 1000;
export { epochS, nodeCrypto, makeHolder, makeIssuer, seeded, trustedOf };
export type Char = 'challenge' | 'challenge_key' | 'challenge_signed';

export function world(seed = 1, config: Partial<LockConfig> = {}, crypto: CryptoProvider = nodeCrypto, opts: { separateAdmin?: boolean; nv?: NvStorage } = {}) {
  const random = seeded(seed, 'attack');
  const issuer = makeIssuer(crypto, 'EdDSA', random.fork('issuer'));
  const identity = makeLockIdentity(random.fork('lock'));
  const cert = lockCertificateOf(crypto, identity);
  const holder = makeHolder(crypto, random.fork('holder'));
  const lockRandom = seeded(seed, 'lock-rng');
  const phoneRandom = seeded(seed, 'phone-rng');
  const nv = opts.nv ?? new NvStorage(crypto);
  // separateAdmin: the lock also holds a lock-administration key (updateKeys) apart from the issuer key.
  const admin = opts.separateAdmin ? makeIssuer(crypto, 'EdDSA', seeded(seed, 'admin')) : issuer;
  const lock = new Lock({ identity, trustedIssuers: trustedOf(issuer), ...(opts.separateAdmin ? { updateKeys: trustedOf(admin) } : {}), crypto, random: (n) => lockRandom.bytes(n), config, nv });
  let t = epochMs;
  const credential = (overrides: Partial<CredentialClaims> = {}, signer: IssuerSigningKey = issuer, h: Holder = holder) => {
    const claims = sampleClaims(random, h.publicKey, { doors: [{ lockId: identity.lockId, sequence: 1 }], ...overrides });
    return { claims, bytes: issueCredential(crypto, signer, claims) };
  };
  let updateVersion = 0;
  const update = (body: Partial<LockUpdate> = {}, signer: IssuerSigningKey = issuer) =>
    issueLockUpdate(crypto, signer, { issuer: 'https://issuer.test', issuedAtS: epochS, lockId: identity.lockId, version: body.version ?? ++updateVersion, revoked: [], sequenceFloor: 0, ...body });
  let nextConn = 1;
  const step = (input: Parameters<Lock['step']>[0], dt = 0): LockOutput[] => {
    t += dt;
    return lock.step(input, t);
  };
  const connect = (connIntervalMs?: number) => {
    const id = nextConn++;
    const out = step({ type: 'connect', connectionId: id, ...(connIntervalMs ? { connIntervalMs } : {}) });
    return { id, dropped: out.some((o) => o.type === 'disconnect' && o.connectionId === id) };
  };
  const read = (id: number, characteristic: Char | 'exchange', dt = 0): Uint8Array | undefined => {
    const out = step({ type: 'read', connectionId: id, characteristic, offset: 0 }, dt);
    return out.find((o) => o.type === 'read_response')?.value as Uint8Array | undefined;
  };
  /** Writes a whole message in chunks; returns the outputs of the final write. */
  const send = (id: number, message: Uint8Array, mtu = 247, dt = 0): LockOutput[] => {
    const chunks = splitIntoChunks(message, mtu);
    let last: LockOutput[] = [];
    chunks.forEach((chunk, i) => {
      last = step({ type: 'write', connectionId: id, characteristic: 'exchange', data: chunk, withResponse: i === chunks.length - 1 }, i === chunks.length - 1 ? dt : 0);
    });
    return last;
  };
  const statusOf = (bytes: Uint8Array | undefined): string => {
    if (!bytes) return 'none';
    const r = decodeResult(bytes);
    if (r.type === 0) return 'idle';
    return r.status === 0 ? 'unlocked' : (codeOfWire(r.status) ?? `wire ${r.status}`);
  };
  /** A whole phone-side full exchange on a fresh connection. */
  const fullUnlock = async (cred: { bytes: Uint8Array }, opts: { char?: Char; h?: Holder; updates?: Uint8Array[]; hashOnly?: boolean; dtRequest?: number; keepOpen?: boolean } = {}) => {
    const c = connect(15);
    if (c.dropped) return { outcome: 'slot-refused' as const, actuated: false, ticket: undefined as ResumptionTicket | undefined, wire: 'none', code: undefined, lockTimeS: undefined };
    const ch = read(c.id, opts.char ?? 'challenge_signed')!;
    const form = ch[0] as 1 | 2 | 3;
    const { message, pending } = await buildFullRequest({ crypto, random: (n) => phoneRandom.bytes(n), lock: cert, challengeBytes: ch, minimumForm: form, credential: cred.bytes, sendHashOnly: opts.hashOnly ?? false, holder: opts.h ?? holder, updates: opts.updates ?? [] });
    const out = send(c.id, message, 247, opts.dtRequest ?? 15);
    const actuated = out.some((o) => o.type === 'actuate');
    const res = read(c.id, 'exchange', 15)!;
    const outcome = openFullResult(crypto, pending, cert, res, Math.floor(t / 1000));
    if (!opts.keepOpen) step({ type: 'disconnect', connectionId: c.id });
    return { outcome: outcome.status, code: outcome.code, actuated, ticket: outcome.ticket, wire: statusOf(res), lockTimeS: outcome.lockTimeS, conn: c.id };
  };
  const resume = (ticket: ResumptionTicket, updates: Uint8Array[] = []) => {
    const c = connect(15);
    const ch = read(c.id, 'challenge')!;
    const { message, pending } = buildResumeRequest(crypto, ticket, ch, updates);
    const out = send(c.id, message, 247, 15);
    const res = read(c.id, 'exchange', 15)!;
    const st = openResumeResult(crypto, pending, res);
    step({ type: 'disconnect', connectionId: c.id });
    return { ...st, actuated: out.some((o) => o.type === 'actuate'), next: pending.ticket, message, wire: statusOf(res) };
  };
  return {
    crypto, issuer, admin, identity, cert, holder, lock, nv, random, phoneRandom,
    credential, update, step, connect, read, send, statusOf, fullUnlock, resume,
    get t() { return t; }, set t(v: number) { t = v; },
  };
}

export function report(name: string, ok: boolean, detail: string) {
  console.log(`${ok ? 'HELD ' : 'BROKEN'} | ${name} | ${detail}`);
}
