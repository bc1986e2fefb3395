/**
 * Regression tests for the outside review of the v1 lock and protocol (issue 12): each drives the
 * firmware-model lock through the messages a phone sends, with real crypto, deterministically.
 * Every one of these failed on the v1 code (see the issue note for how each was checked).
 */
import { describe, expect, it } from 'vitest';
import { applyLockUpdate } from '../../firmware-model/apply-update.ts';
import { Lock, type LockOutput } from '../../firmware-model/lock.ts';
import { decodePersistentState } from '../../firmware-model/persistent-state.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { issueCredential, type CredentialClaims } from '../../src/protocol/credential.ts';
import { publicPart, type IssuerSigningKey } from '../../src/protocol/issuer-keys.ts';
import { issueLockCertificate, verifyLockCertificate, type LockCertificate } from '../../src/protocol/lock-cert.ts';
import { issueLockUpdate, verifyLockUpdate } from '../../src/protocol/lock-update.ts';
import { cborMap, encodeDeterministic } from '../../src/protocol/cbor.ts';
import { signSign1 } from '../../src/protocol/cose.ts';
import { updateRevocationsMax } from '../../src/server/issuance/issuer.ts';
import { challengeForm, decodeChallenge, encodeChallenge, type ChallengeForm } from '../../src/protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { requestKey, transcriptHash1, AeadDirection, direction } from '../../src/protocol/unlock/key-schedule.ts';
import { decodeRequest } from '../../src/protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type FullOutcome, type ResumptionTicket } from '../../src/protocol/unlock/phone-exchange.ts';
import { challengeCharacteristicOfForm } from '../../src/protocol/gatt.ts';
import { Wallet } from '../../src/phone/wallet.ts';
import { limits } from '../../src/protocol/limits.ts';
import { codeOf, epochS, issueCertificateBytes, makeHolder, makeIssuer, makeLockIdentity, nodeCrypto as crypto, sampleClaims, seeded, trustedOf, type Holder } from '../helpers/fixtures.ts';
import { readValue } from '../helpers/lock-bench.ts';

const epochMs = epochS * 1000;
const connIntervalMs = 15;

/** One lock, its issuer and a guest, all from one seed. */
function setup(seed: number, config: ConstructorParameters<typeof Lock>[0]['config'] = {}) {
  const random = seeded(seed, 'hardening');
  const issuer = makeIssuer(crypto, 'EdDSA', random.fork('issuer'));
  const identity = makeLockIdentity(random.fork('lock'));
  const certBytes = issueLockCertificate(crypto, issuer, {
    issuer: 'https://issuer.test',
    lockId: identity.lockId,
    signingKey: crypto.publicKeyOf('EdDSA', identity.signingSecret),
    agreementKey: crypto.publicKeyOf('ES256', identity.agreementSecret),
    issuedAtS: epochS - 86400,
    expiresAtS: epochS + 365 * 86400,
  });
  const cert = verifyLockCertificate(crypto, certBytes, trustedOf(issuer), epochS);
  const lockRandom = random.fork('lock-rng');
  const lock = new Lock({ identity, trustedIssuers: trustedOf(issuer), crypto, random: (n) => lockRandom.bytes(n), config, startMs: epochMs });
  const guest = makeHolder(crypto, random.fork('guest'));
  const credential = (signer: IssuerSigningKey, holder: Holder, overrides: Partial<CredentialClaims> = {}) => issueCredential(crypto, signer, sampleClaims(random, holder.publicKey, { doors: [{ lockId: identity.lockId, sequence: 1 }], ...overrides }));
  let version = 0;
  const update = (signer: IssuerSigningKey, body: Partial<Parameters<typeof issueLockUpdate>[2]> = {}) =>
    issueLockUpdate(crypto, signer, { issuer: 'https://issuer.test', issuedAtS: epochS, lockId: identity.lockId, version: ++version, revoked: [], sequenceFloor: 0, ...body });
  return { random, issuer, identity, cert, lock, guest, credential, update };
}

let nextConnection = 1;

interface Visit {
  lock: Lock;
  cert: LockCertificate;
  nowMs: number;
  credential: Uint8Array;
  holder: Holder;
  form?: ChallengeForm;
  hashOnly?: boolean;
  updates?: Uint8Array[];
}

/** A full exchange at MTU 247 on a fresh connection: connect, read the challenge, write, read the result. */
async function full(visit: Visit): Promise<FullOutcome & { outputs: LockOutput[] }> {
  const { lock, nowMs } = visit;
  const connectionId = nextConnection++;
  const outputs: LockOutput[] = [];
  const step = (input: Parameters<Lock['step']>[0], atMs: number) => {
    const out = lock.step(input, atMs);
    outputs.push(...out);
    return out;
  };
  step({ type: 'connect', connectionId, connIntervalMs }, nowMs);
  const form = visit.form ?? challengeForm.signed;
  const challengeBytes = readValue(step({ type: 'read', connectionId, characteristic: challengeCharacteristicOfForm[form], offset: 0 }, nowMs + 15))!;
  const { message, pending } = await buildFullRequest({ crypto, random: (n) => seeded(nowMs % 2 ** 32, 'phone').bytes(n), lock: visit.cert, challengeBytes, minimumForm: form, credential: visit.credential, sendHashOnly: visit.hashOnly ?? false, holder: visit.holder, updates: visit.updates ?? [] });
  for (const chunk of splitIntoChunks(message, 247)) step({ type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: (chunk[0]! & 0x80) === 0 }, nowMs + 30);
  const result = readValue(step({ type: 'read', connectionId, characteristic: 'exchange', offset: 0 }, nowMs + 45))!;
  step({ type: 'disconnect', connectionId }, nowMs + 60);
  return { ...openFullResult(crypto, pending, visit.cert, result, Math.floor(nowMs / 1000)), outputs };
}

async function resume(lock: Lock, ticket: ResumptionTicket, nowMs: number): Promise<{ status: ReturnType<typeof openResumeResult>; next: ResumptionTicket }> {
  const connectionId = nextConnection++;
  lock.step({ type: 'connect', connectionId, connIntervalMs }, nowMs);
  const challengeBytes = readValue(lock.step({ type: 'read', connectionId, characteristic: 'challenge', offset: 0 }, nowMs + 15))!;
  const { message, pending } = buildResumeRequest(crypto, ticket, challengeBytes, []);
  for (const chunk of splitIntoChunks(message, 247)) lock.step({ type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: (chunk[0]! & 0x80) === 0 }, nowMs + 30);
  const result = readValue(lock.step({ type: 'read', connectionId, characteristic: 'exchange', offset: 0 }, nowMs + 45))!;
  lock.step({ type: 'disconnect', connectionId }, nowMs + 60);
  return { status: openResumeResult(crypto, pending, result), next: pending.ticket };
}


describe('1. issuer-key rotation revokes what the retired key signed', () => {
  it('a credential minted with a stolen key K1 opens once; after a K2 update retires K1 its whole, hash-only and ticket paths are all refused, and its huge door sequence did not raise the floor past the ceiling', async () => {
    const s = setup(1);
    const stolen = makeIssuer(crypto, 'EdDSA', s.random.fork('k1'));
    // The lock trusts K1 and K2 (the issuer's key K2 plus an older key K1), ceiling 3 for this door.
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { issuers: [publicPart(stolen), publicPart(s.issuer)], sequenceCeiling: 3 }), epochMs, undefined)).toBeUndefined();
    const attacker = makeHolder(crypto, s.random.fork('attacker'));
    const forged = s.credential(stolen, attacker, { doors: [{ lockId: s.identity.lockId, sequence: 0xffffffff }] });
    const first = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential: forged, holder: attacker });
    expect(first.status).toBe('unlocked');
    expect(s.lock.state.sequenceFloor).toBe(3); // bounded by the issuer-signed ceiling, not 2^32 − 1
    // K2 retires K1.
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { issuers: [publicPart(s.issuer)], sequenceCeiling: 3 }), epochMs + 1_000, undefined)).toBeUndefined();
    // One key set in both roles: the retired key lost its power to sign updates too.
    expect(applyLockUpdate(s.lock, s.update(stolen, { version: 100, sequenceFloor: 3 }), epochMs + 2_000, undefined)).toBe('cose_unknown_kid');
    const at = epochMs + 10_000;
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: at, credential: forged, holder: attacker })).code).toBe('access_denied');
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: at + 1_000, credential: forged, holder: attacker, hashOnly: true })).code).toBe('credential_unknown');
    expect((await resume(s.lock, first.ticket!, at + 2_000)).status.code).toBe('ticket_unknown');
    expect(s.lock.actuations).toBe(1);
    // A legitimately issued credential at the ceiling still opens.
    const legit = s.credential(s.issuer, s.guest, { doors: [{ lockId: s.identity.lockId, sequence: 3 }] });
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: at + 3_000, credential: legit, holder: s.guest })).status).toBe('unlocked');
  });

  it('without any ceiling from the issuer an unlock never raises the floor', async () => {
    const s = setup(2);
    const credential = s.credential(s.issuer, s.guest, { doors: [{ lockId: s.identity.lockId, sequence: 7 }] });
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential, holder: s.guest })).status).toBe('unlocked');
    expect(s.lock.state.sequenceFloor).toBe(0);
    // With the ceiling delivered (piggybacked by the phone), the same unlock raises it.
    const raised = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 10_000, credential, holder: s.guest, updates: [s.update(s.issuer, { sequenceCeiling: 7 })] });
    expect(raised.status).toBe('unlocked');
    expect(s.lock.state.sequenceFloor).toBe(7);
  });
});

describe('2. a revocation survives a clock step back', () => {
  it.each([
    ['kept one second before exp + skew + rollback tolerance', -1, true],
    ['forgotten at exp + skew + rollback tolerance', 0, false],
  ])('%s', (_title, offsetS, kept) => {
    const s = setup(3);
    const expS = epochS + 3600;
    const cti = s.random.bytes(16);
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { revoked: [{ credentialId: cti, expiresAtS: expS }] }), epochMs, undefined)).toBeUndefined();
    const { skewToleranceS, clockRollbackToleranceMs } = s.lock.config;
    const atS = expS + skewToleranceS + clockRollbackToleranceMs / 1000 + offsetS;
    // A later snapshot still listing it (the issuer keeps an entry listed past exp) makes the lock prune its list.
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { revoked: [{ credentialId: cti, expiresAtS: expS }] }), atS * 1000, undefined)).toBeUndefined();
    expect(s.lock.state.revoked.some((entry) => toHex(entry.credentialId) === toHex(cti))).toBe(kept);
  });
});

describe('4. the audit trail cannot be flushed by strangers', () => {
  it('an unlock is committed to the NV ring before the bolt moves and survives 256 junk refusals and a power cut', async () => {
    const s = setup(4);
    const opened = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential: s.credential(s.issuer, s.guest), holder: s.guest });
    expect(opened.status).toBe('unlocked');
    const actuateAt = opened.outputs.findIndex((output) => output.type === 'actuate');
    const auditAt = opened.outputs.findIndex((output) => output.type === 'audit' && output.record.event === 'unlocked');
    expect(auditAt).toBeGreaterThanOrEqual(0);
    expect(auditAt).toBeLessThan(actuateAt);
    for (let i = 0; i < 256; i++) {
      const connectionId = nextConnection++;
      const at = epochMs + 10_000 + i * 10;
      s.lock.step({ type: 'connect', connectionId, connIntervalMs }, at);
      s.lock.step({ type: 'write', connectionId, characteristic: 'exchange', data: Uint8Array.of(0x00, i & 0xff, 1, 2), withResponse: false }, at);
      s.lock.step({ type: 'disconnect', connectionId }, at);
    }
    expect(s.lock.audit.since(0).filter((record) => record.event === 'unlocked')).toHaveLength(1);
    expect([...s.lock.audit.counters.values()].reduce((sum, counter) => sum + counter.count, 0)).toBe(256);
    const stored = decodePersistentState(s.lock.nv.load()!);
    expect(stored.audit.some((record) => record.event === 'unlocked' && record.subject === 'guest-1')).toBe(true);
    s.lock.step({ type: 'power_lost' }, epochMs + 20_000);
    s.lock.step({ type: 'power_restored' }, epochMs + 21_000);
    expect(s.lock.audit.since(0).some((record) => record.event === 'unlocked')).toBe(true);
  });
});

describe('6. strangers cannot query the lock policy', () => {
  it('a forged credential that is expired, for another door, or revoked gets one generic signed code and no lock time', async () => {
    const s = setup(6);
    const rogue = makeIssuer(crypto, 'EdDSA', s.random.fork('rogue'), s.issuer.kid); // a trusted kid, another key
    const revokedCti = s.random.bytes(16);
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { revoked: [{ credentialId: revokedCti, expiresAtS: epochS + 86400 }] }), epochMs, undefined)).toBeUndefined();
    const probes = [
      s.credential(rogue, s.guest, { notBeforeS: epochS - 7200, expiresAtS: epochS - 3600 }),
      s.credential(rogue, s.guest, { doors: [{ lockId: s.random.bytes(8), sequence: 1 }] }),
      s.credential(rogue, s.guest, { credentialId: revokedCti }),
    ];
    let at = epochMs + 1_000;
    for (const credential of probes) {
      const outcome = await full({ lock: s.lock, cert: s.cert, nowMs: (at += 1_000), credential, holder: s.guest });
      expect(outcome).toMatchObject({ status: 'refused', code: 'access_denied', authenticated: true });
      expect(outcome.lockTimeS).toBeUndefined();
      expect(outcome.evidence?.lockTimeS).toBe(0);
    }
    // The holder of a genuine but revoked credential learns why, and when.
    const genuine = await full({ lock: s.lock, cert: s.cert, nowMs: (at += 1_000), credential: s.credential(s.issuer, s.guest, { credentialId: revokedCti }), holder: s.guest });
    expect(genuine).toMatchObject({ status: 'refused', code: 'credential_revoked', authenticated: true });
    expect(genuine.lockTimeS).toBe(Math.floor(at / 1000));
  });
});

describe('v2: forward secrecy, lock authentication, downgrade, tickets', () => {
  it('a form-2/3 request cannot be opened with the lock agreement secret alone (forward secrecy); a form-1 request can (the MTU-23 fallback)', async () => {
    const s = setup(7);
    const credential = s.credential(s.issuer, s.guest);
    for (const form of [challengeForm.commit, challengeForm.key, challengeForm.signed]) {
      const connectionId = nextConnection++;
      s.lock.step({ type: 'connect', connectionId, connIntervalMs }, epochMs);
      const challengeBytes = readValue(s.lock.step({ type: 'read', connectionId, characteristic: challengeCharacteristicOfForm[form], offset: 0 }, epochMs))!;
      const challenge = decodeChallenge(challengeBytes);
      const { message } = await buildFullRequest({ crypto, random: (n) => s.random.bytes(n), lock: s.cert, challengeBytes, credential, sendHashOnly: false, holder: s.guest, updates: [] });
      const request = decodeRequest(message);
      if (request.type !== 1) throw new Error('full request expected');
      // An attacker who later steals the static agreement secret, with the recording of this exchange:
      const ssStatic = crypto.ecdhP256(s.identity.agreementSecret, request.phoneEphemeralKey);
      const th1 = transcriptHash1(crypto, { form, lockId: s.identity.lockId, keysHash: s.lock.keysHash, lockVersions: challenge.lockVersions, nonce: challenge.commitment ?? challenge.lockEphemeralKey!, phoneVersions: request.phoneVersions, phoneEphemeralKey: request.phoneEphemeralKey });
      const staticOnly = crypto.hkdfSha256(ssStatic, th1, new TextEncoder().encode('latchkey/2 request'), 32);
      const opened = codeOf(() => new AeadDirection(crypto, staticOnly, direction.phoneToLock).open(th1, request.sealed));
      expect(opened).toBe(form === challengeForm.commit ? undefined : 'decrypt_failed');
      expect(requestKey(crypto, form, ssStatic, form === challengeForm.commit ? undefined : s.random.bytes(32), th1).length).toBe(32);
      s.lock.step({ type: 'disconnect', connectionId }, epochMs);
    }
  });

  it('the phone refuses a form-3 challenge the certified key did not sign, and a weaker form than it asked for, before revealing anything', async () => {
    const s = setup(8);
    const credential = s.credential(s.issuer, s.guest);
    const connectionId = nextConnection++;
    s.lock.step({ type: 'connect', connectionId, connIntervalMs }, epochMs);
    const signed = readValue(s.lock.step({ type: 'read', connectionId, characteristic: 'challenge_signed', offset: 0 }, epochMs))!;
    const forgedSignature = signed.slice();
    forgedSignature[signed.length - 1]! ^= 1;
    const weaker = readValue(s.lock.step({ type: 'read', connectionId, characteristic: 'challenge', offset: 0 }, epochMs))!;
    let signCalls = 0;
    const watched = { publicKey: s.guest.publicKey, sign: (message: Uint8Array) => (signCalls++, s.guest.sign(message)) };
    const attempt = (challengeBytes: Uint8Array, minimumForm: ChallengeForm) => buildFullRequest({ crypto, random: (n) => s.random.bytes(n), lock: s.cert, challengeBytes, minimumForm, credential, sendHashOnly: false, holder: watched, updates: [] });
    await expect(attempt(forgedSignature, challengeForm.signed)).rejects.toMatchObject({ code: 'lock_proof_invalid' });
    await expect(attempt(weaker, challengeForm.signed)).rejects.toMatchObject({ code: 'lock_proof_invalid' });
    // A challenge offering other versions than the certificate names is a downgrade.
    const stripped = encodeChallenge({ ...decodeChallenge(weaker), lockVersions: 0b01 });
    await expect(attempt(stripped, challengeForm.commit)).rejects.toMatchObject({ code: 'version_downgrade' });
    expect(signCalls).toBe(0); // nothing was signed, so nothing about the holder left the phone
  });

  it('repeated challenge Reads re-serve one ephemeral key; a connection that makes the lock generate more than its bound is dropped', () => {
    const s = setup(9);
    const connectionId = nextConnection++;
    s.lock.step({ type: 'connect', connectionId, connIntervalMs }, epochMs);
    const first = decodeChallenge(readValue(s.lock.step({ type: 'read', connectionId, characteristic: 'challenge_key', offset: 0 }, epochMs))!);
    const again = decodeChallenge(readValue(s.lock.step({ type: 'read', connectionId, characteristic: 'challenge_signed', offset: 0 }, epochMs + 10))!);
    expect(toHex(again.lockEphemeralKey!)).toBe(toHex(first.lockEphemeralKey!));
    // Letting each challenge age past the relay bound forces a new key per Read.
    const { challengeKeysPerConnectionMax } = s.lock.config;
    let dropped = false;
    for (let i = 1; i <= challengeKeysPerConnectionMax && !dropped; i++) {
      const out = s.lock.step({ type: 'read', connectionId, characteristic: 'challenge', offset: 0 }, epochMs + i * 400);
      dropped = out.some((output) => output.type === 'disconnect' && output.connectionId === connectionId);
    }
    expect(dropped).toBe(true);
  });

  it('idle connections are dropped when a guest connects, so two of them cannot hold both slots', () => {
    const s = setup(10);
    s.lock.step({ type: 'connect', connectionId: 901, connIntervalMs }, epochMs);
    s.lock.step({ type: 'connect', connectionId: 902, connIntervalMs }, epochMs);
    expect(s.lock.step({ type: 'connect', connectionId: 903, connIntervalMs }, epochMs + 1_000).some((output) => output.type === 'disconnect' && output.connectionId === 903)).toBe(true);
    const out = s.lock.step({ type: 'connect', connectionId: 904, connIntervalMs }, epochMs + s.lock.config.connectionIdleMs);
    expect(out.filter((output) => output.type === 'disconnect').map((output) => (output as { connectionId: number }).connectionId).sort()).toEqual([901, 902]);
  });

  it('a ticket lasts 4 h, and the lock accepts the next ids so a phone never reuses one', async () => {
    const s = setup(11);
    const opened = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential: s.credential(s.issuer, s.guest), holder: s.guest });
    expect(opened.ticket!.expiresAtS - epochS).toBe(4 * 3600);
    // The phone skipped two ids (attempts refused before the lock saw them): the third still opens.
    const skipped = { ...opened.ticket!, counter: 2 };
    const used = await resume(s.lock, skipped, epochMs + 10_000);
    expect(used.status.status).toBe('unlocked');
    // The skipped ids are behind the lock now: reusing one is refused.
    expect((await resume(s.lock, opened.ticket!, epochMs + 20_000)).status.code).toBe('ticket_unknown');
    expect((await resume(s.lock, used.next, epochMs + 30_000)).status.status).toBe('unlocked');
    expect((await resume(s.lock, used.next, epochMs + 4 * 3600 * 1000 + 1)).status.code).toBe('ticket_unknown');
  });

  it('the lock time is under the lock signature: evidence carries it, and a changed time fails verification', async () => {
    const s = setup(12);
    const opened = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 5_000, credential: s.credential(s.issuer, s.guest), holder: s.guest });
    expect(opened.evidence!.lockTimeS).toBe(epochS + 5);
    const { verifyLockEvidence } = await import('../../src/protocol/unlock/phone-exchange.ts');
    expect(verifyLockEvidence(crypto, opened.evidence!, s.cert)).toBeDefined();
    expect(verifyLockEvidence(crypto, { ...opened.evidence!, lockTimeS: epochS + 6 }, s.cert)).toBeUndefined();
  });

  it('the wallet checks a lock certificate expiry at every use, not only when it is first taken out', () => {
    const s = setup(13);
    const certBytes = issueLockCertificate(crypto, s.issuer, { issuer: 'https://issuer.test', lockId: s.identity.lockId, signingKey: s.cert.signingKey, agreementKey: s.cert.agreementKey, issuedAtS: epochS - 10, expiresAtS: epochS + 100 });
    const wallet = new Wallet({ crypto, holder: s.guest, trustedIssuers: trustedOf(s.issuer) });
    wallet.addLockCertificate(certBytes, s.identity.lockId);
    expect(wallet.lockCertificate(s.identity.lockId, epochS)).toBeDefined();
    expect(wallet.lockCertificate(s.identity.lockId, epochS + 100)).toBeUndefined();
  });
});

describe('secrets do not outlive their exchange', () => {
  it('the phone zeroes its ephemeral secret and shared secrets once it has the result; the lock zeroes the challenge secret after deciding', async () => {
    const s = setup(14);
    const connectionId = nextConnection++;
    s.lock.step({ type: 'connect', connectionId, connIntervalMs }, epochMs);
    const challengeBytes = readValue(s.lock.step({ type: 'read', connectionId, characteristic: 'challenge_signed', offset: 0 }, epochMs))!;
    const held = (s.lock as unknown as { connections: Map<number, { challenge: { ephemeralSecret: Uint8Array } | undefined }> }).connections.get(connectionId)!.challenge!.ephemeralSecret;
    expect(held.some((byte) => byte !== 0)).toBe(true);
    const { message, pending } = await buildFullRequest({ crypto, random: (n) => s.random.bytes(n), lock: s.cert, challengeBytes, credential: s.credential(s.issuer, s.guest), sendHashOnly: false, holder: s.guest, updates: [] });
    for (const chunk of splitIntoChunks(message, 247)) s.lock.step({ type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: (chunk[0]! & 0x80) === 0 }, epochMs + 20);
    expect(held.every((byte) => byte === 0)).toBe(true);
    const result = readValue(s.lock.step({ type: 'read', connectionId, characteristic: 'exchange', offset: 0 }, epochMs + 40))!;
    expect(openFullResult(crypto, pending, s.cert, result, epochS).status).toBe('unlocked');
    for (const secret of [pending.phoneEphemeralSecret, pending.staticSharedSecret, pending.ephemeralSharedSecret!]) expect(secret.every((byte) => byte === 0)).toBe(true);
  });
});

describe('the phone never sends a ticket id twice', () => {
  it('after a stale advertised challenge is refused unheard, the fallback resume uses the next id, and the lock (looking ahead) opens', async () => {
    const { World } = await import('../../src/sim/world.ts');
    const { UnlockClient } = await import('../../src/phone/unlock-client.ts');
    const { RecordingTransport } = await import('../../src/radio/recording-transport.ts');
    const { decodeRequest: decode } = await import('../../src/protocol/unlock/messages.ts');
    const world = new World({ seed: 15, crypto, radio: { rssiNoiseDb: 0 } });
    world.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseChallenge: true });
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['door'], { subject: 'g1' });
    expect((await world.radio.runUntil(guest.client.unlock({ useAdvertisedChallenge: false }))).outcome).toBe('unlocked');
    // A challenge heard in an earlier advertisement, already answered: the lock refuses it unheard.
    const stale = (await world.radio.runUntil(world.radio.transportFor('guest').scan(300)))[0]!.challenge!;
    expect((await world.radio.runUntil(guest.client.unlock({ useAdvertisedChallenge: true }))).outcome).toBe('unlocked');
    await world.radio.advance(6_000);
    const inner = world.radio.transportFor('guest');
    const recorder = new RecordingTransport({ now: () => inner.now(), scan: async (ms) => (await inner.scan(ms)).map((advert) => ({ ...advert, challenge: stale })), connect: (id, options) => inner.connect(id, options) });
    const client = new UnlockClient({ wallet: guest.wallet, crypto, random: (n) => seeded(15, 'client').bytes(n), transport: recorder });
    const outcome = await world.radio.runUntil(client.unlock({ useAdvertisedChallenge: true }));
    expect(outcome, JSON.stringify({ code: outcome.code, path: outcome.path })).toMatchObject({ outcome: "unlocked", path: "resume" });
    const messages: Uint8Array[] = [];
    let current: number[] = [];
    for (const write of recorder.sessions[0]!) {
      current.push(...write.data.subarray(1));
      if (write.withResponse) {
        messages.push(Uint8Array.from(current));
        current = [];
      }
    }
    const ticketIds = messages.map((message) => decode(message)).map((request) => (request.type === 2 ? toHex(request.ticketId) : 'full'));
    expect(ticketIds).toHaveLength(2);
    expect(ticketIds[0]).not.toBe('full');
    expect(ticketIds[1]).not.toBe(ticketIds[0]);
  });
});

describe('findings of the independent attack on v2 (each reproduced first)', () => {
  it('the largest state the lock can hold fits NV: a full revocation snapshot and a full ring commit, and a guest still opens', async () => {
    const { persistentStateBytesMax } = await import('../../firmware-model/persistent-state.ts');
    const { nvPageBytes, nvSlotPagesMax } = await import('../../firmware-model/nv.ts');
    expect(persistentStateBytesMax).toBeLessThanOrEqual(nvPageBytes * nvSlotPagesMax);
    const s = setup(21);
    const revoked = Array.from({ length: updateRevocationsMax }, () => ({ credentialId: s.random.bytes(16), expiresAtS: epochS + 30 * 86400 }));
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { revoked }), epochMs, undefined)).toBeUndefined();
    expect(s.lock.state.revoked).toHaveLength(updateRevocationsMax);
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 10_000, credential: s.credential(s.issuer, s.guest, { subject: 'g'.repeat(64) }), holder: s.guest })).status).toBe('unlocked');
  });

  it('rotating to a new key under the same kid flushes what the old key signed (ticket, hash and whole credential)', async () => {
    const s = setup(22);
    const attacker = makeHolder(crypto, s.random.fork('attacker'));
    const stolenCredential = s.credential(s.issuer, attacker);
    const first = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential: stolenCredential, holder: attacker });
    expect(first.status).toBe('unlocked');
    const fresh = makeIssuer(crypto, 'EdDSA', s.random.fork('fresh'), s.issuer.kid);
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { issuers: [publicPart(fresh)] }), epochMs + 1_000, undefined)).toBeUndefined();
    expect((await resume(s.lock, first.ticket!, epochMs + 10_000)).status.code).toBe('ticket_unknown');
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 20_000, credential: stolenCredential, holder: attacker, hashOnly: true })).code).toBe('credential_unknown');
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 30_000, credential: stolenCredential, holder: attacker })).code).toBe('access_denied');
    expect(s.lock.actuations).toBe(1);
  });

  it('a verified but refused holder (revoked, or for another door) cannot flush the NV ring by hammering', async () => {
    const s = setup(23);
    const victim = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential: s.credential(s.issuer, s.guest, { subject: 'victim' }), holder: s.guest });
    expect(victim.status).toBe('unlocked');
    const revokedGuest = makeHolder(crypto, s.random.fork('revoked'));
    const cti = s.random.bytes(16);
    const revokedCredential = s.credential(s.issuer, revokedGuest, { credentialId: cti });
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { revoked: [{ credentialId: cti, expiresAtS: epochS + 86400 }] }), epochMs + 1, undefined)).toBeUndefined();
    const otherDoor = s.credential(s.issuer, revokedGuest, { doors: [{ lockId: s.random.bytes(8), sequence: 1 }] });
    const writesBefore = s.lock.nv.writeCount;
    for (let i = 0; i < 70; i++) {
      const at = epochMs + 10_000 + i * 1_000;
      await full({ lock: s.lock, cert: s.cert, nowMs: at, credential: i % 2 === 0 ? revokedCredential : otherDoor, holder: revokedGuest });
    }
    const ring = s.lock.audit.since(0);
    expect(ring.some((record) => record.event === 'unlocked' && record.subject === 'victim')).toBe(true);
    expect(ring.filter((record) => record.event === 'refused').length).toBeLessThanOrEqual(3);
    expect(s.lock.nv.writeCount - writesBefore).toBeLessThan(70 * 3);
  });

  it('a hash-only request with a bad holder proof answers as an unknown hash, so a stranger cannot tell a cached credential', async () => {
    const s = setup(24);
    const credential = s.credential(s.issuer, s.guest);
    const stranger = makeHolder(crypto, s.random.fork('stranger'));
    const before = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential, holder: stranger, hashOnly: true });
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 1_000, credential, holder: s.guest })).status).toBe('unlocked');
    const after = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 10_000, credential, holder: stranger, hashOnly: true });
    expect([before.code, after.code]).toEqual(['credential_unknown', 'credential_unknown']);
  });

  it('the RTC drifts from power-up, not from the Unix epoch', () => {
    const s = setup(25, { clockDriftPpm: 10 });
    expect(Math.abs(s.lock.localNowMs(epochMs) - epochMs)).toBeLessThan(1_000);
    expect(s.lock.localNowMs(epochMs + 1_000_000_000) - (epochMs + 1_000_000_000)).toBe(10_000);
  });
});

describe('the phone on the advertised path', () => {
  it('refuses an advertised challenge weaker than form 3 (a look-alike advertiser) before sending anything', async () => {
    const { World } = await import('../../src/sim/world.ts');
    const { UnlockClient } = await import('../../src/phone/unlock-client.ts');
    const { RecordingTransport } = await import('../../src/radio/recording-transport.ts');
    const world = new World({ seed: 26, crypto, radio: { rssiNoiseDb: 0 } });
    const door = world.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseChallenge: true });
    const guest = world.addPhone('guest', { xM: 1, yM: 0 });
    world.grant(guest, ['door'], { subject: 'g1' });
    // A form-1 challenge of the real lock, put in an advertisement by someone else.
    door.lock.step({ type: 'connect', connectionId: 999 }, world.radio.now());
    const weak = readValue(door.lock.step({ type: 'read', connectionId: 999, characteristic: 'challenge', offset: 0 }, world.radio.now()))!;
    door.lock.step({ type: 'disconnect', connectionId: 999 }, world.radio.now());
    const inner = world.radio.transportFor('guest');
    const recorder = new RecordingTransport({ now: () => inner.now(), scan: async (ms) => (await inner.scan(ms)).map((advert) => ({ ...advert, challenge: weak })), connect: (id, options) => inner.connect(id, options) });
    const client = new UnlockClient({ wallet: guest.wallet, crypto, random: (n) => seeded(26, 'client').bytes(n), transport: recorder });
    const outcome = await world.radio.runUntil(client.unlock({ useAdvertisedChallenge: true }));
    expect(outcome).toMatchObject({ outcome: 'refused', code: 'lock_proof_invalid' });
    expect(recorder.sessions.flat()).toHaveLength(0);
  });
});

describe('credential cache', () => {
  it('remembering a credential that is already cached evicts no other entry (a full cache of 32 keeps every phone)', () => {
    const identity = makeLockIdentity(seeded(40, 'cache'));
    const issuer = makeIssuer(crypto, 'EdDSA', seeded(40, 'cache-issuer'));
    const lock = new Lock({ identity, trustedIssuers: trustedOf(issuer), crypto, random: (n) => seeded(40, 'rng').bytes(n), startMs: epochMs });
    const claims = sampleClaims(seeded(40, 'claims'), new Uint8Array(33).fill(2), { doors: [{ lockId: identity.lockId, sequence: 1 }] });
    const hashes = Array.from({ length: limits.credentialCacheMax }, (_, i) => i.toString(16).padStart(64, '0'));
    for (const hash of hashes) lock.rememberCredential(hash, claims, 'k');
    lock.rememberCredential(hashes[5]!, claims, 'k'); // not the oldest: the old code evicted hashes[0] for it
    expect(new Set(lock.credentialCache.keys())).toEqual(new Set(hashes));
  });
});

describe('update authority: administration keys, epochs, resets (docs/PROTOCOL.md §8.1)', () => {
  /** A lock with separate credential and administration keys, a guest, and update makers for both. */
  function splitKeys(seed: number) {
    const random = seeded(seed, 'admin');
    const issuer = makeIssuer(crypto, 'EdDSA', random.fork('issuer'));
    const admin = makeIssuer(crypto, 'EdDSA', random.fork('admin'));
    const identity = makeLockIdentity(random.fork('lock'));
    const lockRandom = random.fork('lock-rng');
    let verifies = 0;
    const countingCrypto = { ...crypto, verify: (...args: Parameters<typeof crypto.verify>) => (verifies++, crypto.verify(...args)) };
    const lock = new Lock({ identity, trustedIssuers: trustedOf(issuer), updateKeys: trustedOf(admin), crypto: countingCrypto, random: (n) => lockRandom.bytes(n), startMs: epochMs });
    const cert = verifyLockCertificate(crypto, issueCertificateBytes(crypto, issuer, identity, epochS - 86400), trustedOf(issuer), epochS);
    const update = (signer: IssuerSigningKey, body: Partial<Parameters<typeof issueLockUpdate>[2]>) => issueLockUpdate(crypto, signer, { issuer: 'https://issuer.test', issuedAtS: epochS, lockId: identity.lockId, version: 1, revoked: [], sequenceFloor: 0, ...body });
    const guest = makeHolder(crypto, random.fork('guest'));
    const credential = (signer: IssuerSigningKey, sequence: number) => issueCredential(crypto, signer, sampleClaims(random, guest.publicKey, { doors: [{ lockId: identity.lockId, sequence }] }));
    return { random, issuer, admin, identity, lock, cert, update, guest, credential, verifies: () => verifies };
  }
  const position = (lock: Lock) => [lock.state.updateEpoch, lock.state.updateVersion, lock.state.sequenceFloor, lock.state.sequenceCeiling];

  it('a stolen credential key cannot change keys, set the time, open an epoch or put the floor above the ceiling', () => {
    const { issuer, lock, update } = splitKeys(27);
    const refused: [string, Uint8Array][] = [
      ['new keys', update(issuer, { version: 0xffffffff, issuers: [publicPart(issuer)], updateKeys: [publicPart(issuer)] })],
      ['new credential keys only', update(issuer, { issuers: [publicPart(issuer)] })],
      ['time', update(issuer, { timeS: 0xffffffff })],
      ['an epoch', update(issuer, { epoch: 1 })],
      ['floor above ceiling', update(issuer, { sequenceCeiling: 1000, sequenceFloor: 1001 })],
    ];
    for (const [what, bytes] of refused) expect(applyLockUpdate(lock, bytes, epochMs, epochMs), what).toBe('update_not_authorized');
    expect(position(lock)).toEqual([0, 0, 0, 0]);
  });

  it('whatever a thief does through routine updates, an administration reset undoes, and the reset cannot be replayed', async () => {
    const s = splitKeys(28);
    // The thief pushes version, floor and ceiling to the top and fills the revocation store: the door is wedged.
    const junk = Array.from({ length: updateRevocationsMax }, () => ({ credentialId: s.random.bytes(16), expiresAtS: 0xffffffff }));
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { version: 0xffffffff, sequenceCeiling: 0xffffffff, sequenceFloor: 0xffffffff, revoked: junk }), epochMs, undefined)).toBeUndefined();
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 1000, credential: s.credential(s.issuer, 5), holder: s.guest })).code).toBe('credential_superseded');
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { version: 2 }), epochMs, undefined)).toBe('update_rollback');
    // The administration key opens epoch 1 with the real figures and rotates the credential key.
    const nextIssuer = makeIssuer(crypto, 'EdDSA', s.random.fork('issuer-2'));
    const reset = s.update(s.admin, { epoch: 1, version: 1, sequenceFloor: 3, sequenceCeiling: 5, issuers: [publicPart(nextIssuer)] });
    expect(applyLockUpdate(s.lock, reset, epochMs + 2000, undefined)).toBeUndefined();
    expect(position(s.lock)).toEqual([1, 1, 3, 5]);
    expect(s.lock.state.revoked).toEqual([]);
    expect((await full({ lock: s.lock, cert: s.cert, nowMs: epochMs + 3000, credential: s.credential(nextIssuer, 5), holder: s.guest })).status).toBe('unlocked');
    // The thief's key is out, at any epoch; the new credential key signs routine updates of epoch 1.
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { epoch: 1, version: 9 }), epochMs + 4000, undefined)).not.toBeUndefined();
    expect(applyLockUpdate(s.lock, s.update(nextIssuer, { epoch: 1, version: 2, sequenceCeiling: 6 }), epochMs + 4000, undefined)).toBeUndefined();
    // Replaying the reset, or an older epoch's update, is a rollback.
    expect(applyLockUpdate(s.lock, reset, epochMs + 5000, undefined)).toBe('update_rollback');
    expect(applyLockUpdate(s.lock, s.update(s.admin, { version: 0xffffffff }), epochMs + 5000, undefined)).toBe('update_rollback');
    expect(position(s.lock)).toEqual([1, 2, 5, 6]); // the guest's unlock raised the floor to 5
  });

  it('a door that missed thousands of versions takes the next routine update (no wedge), and within an epoch the floor only rises', () => {
    const { issuer, lock, update } = splitKeys(29);
    expect(applyLockUpdate(lock, update(issuer, { version: 3, sequenceCeiling: 4, sequenceFloor: 2 }), epochMs, undefined)).toBeUndefined();
    expect(applyLockUpdate(lock, update(issuer, { version: 5003, sequenceCeiling: 2000, sequenceFloor: 1 }), epochMs, undefined)).toBeUndefined();
    expect(position(lock)).toEqual([0, 5003, 2, 2000]);
  });

  it('routine updates are applied at most routineUpdatesMax per window (monotonic tick); administration updates are not limited', () => {
    const { issuer, admin, lock, update } = splitKeys(30);
    const { routineUpdatesMax, routineUpdateWindowMs } = lock.config;
    const deliver = (bytes: Uint8Array, atMs: number) => {
      const outputs = lock.step({ type: 'maintenance_update', update: bytes }, atMs);
      const audit = outputs.find((output) => output.type === 'audit');
      return audit?.type === 'audit' ? (audit.record.code ?? audit.record.event) : undefined;
    };
    let version = 0;
    for (let i = 0; i < routineUpdatesMax; i++) expect(deliver(update(issuer, { version: ++version }), epochMs + i)).toBe('update_applied');
    expect(deliver(update(issuer, { version: ++version }), epochMs + 100)).toBe('rate_limited');
    expect(lock.state.updateVersion).toBe(routineUpdatesMax);
    expect(deliver(update(admin, { version: ++version }), epochMs + 200)).toBe('update_applied');
    expect(deliver(update(issuer, { version: ++version }), epochMs + routineUpdateWindowMs)).toBe('update_applied');
  });

  it('a reset clears the routine window a thief filled: the issuer\'s first routine update of the new epoch applies (attack 12, F7)', () => {
    const { issuer, admin, lock, update } = splitKeys(33);
    const deliver = (bytes: Uint8Array, atMs: number) => lock.step({ type: 'maintenance_update', update: bytes }, atMs).find((o) => o.type === 'audit');
    for (let v = 1; v <= lock.config.routineUpdatesMax; v++) deliver(update(issuer, { version: v }), epochMs + v);
    expect(lock.routineUpdates.full(lock.monotonicMs)).toBe(true);
    expect(applyLockUpdate(lock, update(admin, { epoch: 1, version: 1 }), epochMs + 100, undefined)).toBeUndefined();
    expect(applyLockUpdate(lock, update(issuer, { epoch: 1, version: 2 }), epochMs + 200, undefined)).toBeUndefined();
    expect(lock.state.updateVersion).toBe(2);
  });

  it('when the reset and the routine update do not fit one request, visits alternate, so a lock holding the reset still gets revocations (attack 12, F1)', () => {
    const s = splitKeys(34);
    const big = Array.from({ length: 30 }, () => ({ credentialId: s.random.bytes(16), expiresAtS: 0xffffffff }));
    const reset = s.update(s.admin, { epoch: 1, version: 1, revoked: big });
    const routine = s.update(s.issuer, { epoch: 1, version: 2, revoked: big });
    const wallet = new Wallet({ crypto, holder: s.guest, trustedIssuers: trustedOf(s.issuer), updateKeys: trustedOf(s.admin) });
    wallet.carryUpdate(reset);
    wallet.carryUpdate(routine);
    const visits = [1, 2, 3, 4].map(() => wallet.updatesFor(s.identity.lockId).map(toHex));
    expect(visits).toEqual([[toHex(reset)], [toHex(routine)], [toHex(reset)], [toHex(routine)]]);
    // A wallet rebuilt for every visit (the web app rebuilds it on each page load) alternates by the minute.
    const fresh = (nowS: number) => {
      const rebuilt = new Wallet({ crypto, holder: s.guest, trustedIssuers: trustedOf(s.issuer), updateKeys: trustedOf(s.admin) });
      rebuilt.carryUpdate(reset);
      rebuilt.carryUpdate(routine);
      return rebuilt.updatesFor(s.identity.lockId, nowS).map(toHex);
    };
    expect([fresh(epochS), fresh(epochS + 60)]).toContainEqual([toHex(routine)]);
    // The lock that has the reset applies the routine update on the second visit.
    expect(applyLockUpdate(s.lock, reset, epochMs, undefined)).toBeUndefined();
    expect(applyLockUpdate(s.lock, routine, epochMs, undefined)).toBeUndefined();
    expect(s.lock.state.updateVersion).toBe(2);
  });

  it('a foreign or old update is refused before any signature is verified', () => {
    const s = splitKeys(31);
    expect(applyLockUpdate(s.lock, s.update(s.admin, { version: 7 }), epochMs, undefined)).toBeUndefined();
    const before = s.verifies();
    expect(applyLockUpdate(s.lock, s.update(s.admin, { version: 7 }), epochMs, undefined)).toBe('update_rollback');
    expect(applyLockUpdate(s.lock, s.update(s.issuer, { version: 8, lockId: s.random.bytes(16) }), epochMs, undefined)).toBe('update_wrong_lock');
    expect(s.verifies()).toBe(before);
  });

  it('an explicit epoch 0 is a second encoding of "no epoch" and is refused', () => {
    const { admin, identity } = splitKeys(32);
    const body = cborMap([[1, identity.lockId], [2, 1], [3, []], [4, 0], [9, 0]]);
    const payload = encodeDeterministic(cborMap([[1, 'https://issuer.test'], [6, epochS], [-65539, body]]));
    const bytes = signSign1(crypto, admin.algorithm, admin.secretKey, admin.kid, payload);
    expect(codeOf(() => verifyLockUpdate(crypto, bytes, trustedOf(admin)))).toBe('claim_invalid');
  });

  it('a phone carries the reset and the routine update of its epoch; a lock that missed the reset applies both in one visit, in order', async () => {
    const s = splitKeys(33);
    const wallet = new Wallet({ crypto, holder: s.guest, trustedIssuers: trustedOf(s.issuer), updateKeys: trustedOf(s.admin) });
    const reset = s.update(s.admin, { epoch: 1, version: 1, sequenceCeiling: 2 });
    const routine = s.update(s.issuer, { epoch: 1, version: 4, sequenceCeiling: 3 });
    wallet.carryUpdate(routine);
    wallet.carryUpdate(s.update(s.issuer, { version: 900 })); // an older epoch's: dropped
    wallet.carryUpdate(reset);
    expect(wallet.updatesFor(s.identity.lockId).map(toHex)).toEqual([toHex(reset), toHex(routine)]);
    const visit = await full({ lock: s.lock, cert: s.cert, nowMs: epochMs, credential: s.credential(s.issuer, 3), holder: s.guest, updates: wallet.updatesFor(s.identity.lockId) });
    expect(visit.status).toBe('unlocked');
    expect(position(s.lock)).toEqual([1, 4, 3, 3]); // the unlock raised the floor to its sequence, within the ceiling
    // Without a newer routine update the phone carries the reset alone.
    const lone = new Wallet({ crypto, holder: s.guest, trustedIssuers: trustedOf(s.issuer), updateKeys: trustedOf(s.admin) });
    lone.carryUpdate(reset);
    lone.carryUpdate(s.update(s.issuer, { version: 900 }));
    expect(lone.updatesFor(s.identity.lockId).map(toHex)).toEqual([toHex(reset)]);
  });
});
