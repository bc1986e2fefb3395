/**
 * Deterministic regression tests for three rules that, before issue 14, only chance guarded (the
 * unseeded model test, sometimes) or only the regenerated vectors file: the resume path's MAC
 * check, the credential expiry boundary (and the ticket bound it implies), and the lock id inside
 * TH1. Each drives the firmware-model lock directly through `lock.step` with real crypto, from
 * fixed seeds; docs/TESTING.md names the mutant each one kills.
 */
import { describe, expect, it } from 'vitest';
import { Lock, type LockOutput } from '../../firmware-model/lock.ts';
import { lockConfigDefaults } from '../../firmware-model/config.ts';
import { concatBytes } from '../../src/protocol/bytes.ts';
import { encodeDeterministic } from '../../src/protocol/cbor.ts';
import { issueCredential, type CredentialClaims } from '../../src/protocol/credential.ts';
import { p256SecretFromSeed } from '../../src/protocol/crypto/provider.ts';
import { verifyLockCertificate, type LockCertificate } from '../../src/protocol/lock-cert.ts';
import { challengeForm, decodeChallenge } from '../../src/protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { AeadDirection, certifiedKeysHash, direction, holderSignedBytes, requestKey, transcriptHash1, type Th1Input } from '../../src/protocol/unlock/key-schedule.ts';
import { action, decodeRequest, decodeResult, encodeRequest, encodeSealedInner, requestType, statusUnlocked, type ResumeRequest } from '../../src/protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type FullOutcome, type ResumptionTicket } from '../../src/protocol/unlock/phone-exchange.ts';
import { challengeCharacteristicOfForm } from '../../src/protocol/gatt.ts';
import { codeOfWire } from '../../src/protocol/errors.ts';
import { epochS, issueCertificateBytes, makeHolder, makeIssuer, makeLockIdentity, nodeCrypto as crypto, sampleClaims, seeded, trustedOf, type Holder } from '../helpers/fixtures.ts';
import { actuations, readValue } from '../helpers/lock-bench.ts';

const epochMs = epochS * 1000;
const connIntervalMs = 15;
const skewS = lockConfigDefaults.skewToleranceS;
/** The lock decides when the closing chunk is written: `open` connects at t, reads at t + 15, writes at t + 30. */
const decidesAfterMs = 30;

function setup(seed: number) {
  const random = seeded(seed, 'regressions');
  const issuer = makeIssuer(crypto, 'EdDSA', random.fork('issuer'));
  const identity = makeLockIdentity(random.fork('lock'));
  const cert = verifyLockCertificate(crypto, issueCertificateBytes(crypto, issuer, identity, epochS - 86400), trustedOf(issuer), epochS);
  const lockRandom = random.fork('lock-rng');
  const lock = new Lock({ identity, trustedIssuers: trustedOf(issuer), crypto, random: (n) => lockRandom.bytes(n) });
  const guest = makeHolder(crypto, random.fork('guest'));
  const credential = (overrides: Partial<CredentialClaims> = {}) => issueCredential(crypto, issuer, sampleClaims(random, guest.publicKey, { doors: [{ lockId: identity.lockId, sequence: 1 }], ...overrides }));
  return { random, issuer, identity, cert, lock, guest, credential };
}

let nextConnection = 1;

/** A connection that has read a challenge of `form`; `send` writes a request and reads the result. */
function open(lock: Lock, nowMs: number, form: number = challengeForm.signed) {
  const connectionId = nextConnection++;
  const outputs: LockOutput[] = [];
  const step = (input: Parameters<Lock['step']>[0], atMs: number) => {
    const out = lock.step(input, atMs);
    outputs.push(...out);
    return out;
  };
  step({ type: 'connect', connectionId, connIntervalMs }, nowMs);
  const characteristic = challengeCharacteristicOfForm[form as 1 | 2 | 3];
  const challengeBytes = readValue(step({ type: 'read', connectionId, characteristic, offset: 0 }, nowMs + 15))!;
  const send = (message: Uint8Array): Uint8Array => {
    for (const chunk of splitIntoChunks(message, 247)) step({ type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: (chunk[0]! & 0x80) === 0 }, nowMs + 30);
    const result = readValue(step({ type: 'read', connectionId, characteristic: 'exchange', offset: 0 }, nowMs + 45))!;
    step({ type: 'disconnect', connectionId }, nowMs + 60);
    return result;
  };
  return { challengeBytes, send, outputs };
}

async function full(lock: Lock, cert: LockCertificate, holder: Holder, credential: Uint8Array, nowMs: number): Promise<FullOutcome & { actuated: number }> {
  const connection = open(lock, nowMs);
  const { message, pending } = await buildFullRequest({ crypto, random: (n) => seeded(nowMs % 2 ** 32, 'phone').bytes(n), lock: cert, challengeBytes: connection.challengeBytes, minimumForm: challengeForm.signed, credential, sendHashOnly: false, holder, updates: [] });
  const result = connection.send(message);
  return { ...openFullResult(crypto, pending, cert, result, Math.floor(nowMs / 1000)), actuated: actuations(connection.outputs) };
}

/** A resume; `tamper` may rewrite the request the phone built before it is sent. */
function resume(lock: Lock, ticket: ResumptionTicket, nowMs: number, tamper: (request: ResumeRequest) => ResumeRequest = (request) => request) {
  const connection = open(lock, nowMs, challengeForm.commit);
  const built = buildResumeRequest(crypto, ticket, connection.challengeBytes, []);
  const request = tamper(decodeRequest(built.message) as ResumeRequest);
  const result = connection.send(encodeRequest(request));
  return { status: openResumeResult(crypto, built.pending, result), next: built.pending.ticket, actuated: actuations(connection.outputs) };
}

describe('resume: the lock checks the phone MAC', () => {
  async function ticketed(seed: number) {
    const s = setup(seed);
    const first = await full(s.lock, s.cert, s.guest, s.credential(), epochMs);
    expect(first).toMatchObject({ status: 'unlocked', actuated: 1 });
    expect(first.ticket).toBeDefined();
    return { ...s, ticket: first.ticket! };
  }

  it('a resume whose MAC has one bit flipped is refused holder_proof_invalid, actuates nothing and does not use up the ticket', async () => {
    const s = await ticketed(141);
    const forged = resume(s.lock, s.ticket, epochMs + 10_000, (request) => {
      const mac = request.mac.slice();
      mac[mac.length - 1]! ^= 0x01;
      return { ...request, mac };
    });
    expect(forged.status).toEqual({ status: 'refused', code: 'holder_proof_invalid', authenticated: false });
    expect(forged.actuated).toBe(0);
    // The same ticket id still opens for its holder: a forged attempt did not move the ticket on.
    const honest = resume(s.lock, s.ticket, epochMs + 20_000);
    expect(honest.status).toEqual({ status: 'unlocked', code: undefined, authenticated: true });
    expect(honest.actuated).toBe(1);
  });

  it('a MAC of all zeros, and a genuine MAC made for another challenge, are both refused without actuation', async () => {
    const s = await ticketed(142);
    const zeros = resume(s.lock, s.ticket, epochMs + 10_000, (request) => ({ ...request, mac: new Uint8Array(request.mac.length) }));
    expect(zeros.status.code).toBe('holder_proof_invalid');
    expect(zeros.actuated).toBe(0);
    // A recorded resume for one challenge replayed against a fresh challenge: right ticket, right key, wrong transcript.
    const recorded = open(s.lock, epochMs + 20_000, challengeForm.commit);
    const stale = buildResumeRequest(crypto, s.ticket, recorded.challengeBytes, []);
    const replay = resume(s.lock, s.ticket, epochMs + 30_000, () => decodeRequest(stale.message) as ResumeRequest);
    expect(replay.status.code).toBe('holder_proof_invalid');
    expect(replay.actuated).toBe(0);
  });
});

describe('credential validity boundaries at the lock (skew tolerance ' + skewS + ' s)', () => {
  const expiresAtS = epochS + 3600;
  const notBeforeS = epochS + 600;

  /** A full exchange the lock decides at `decisionMs` (its clock, no drift). */
  async function attempt(seed: number, decisionMs: number) {
    const s = setup(seed);
    return full(s.lock, s.cert, s.guest, s.credential({ notBeforeS, expiresAtS }), decisionMs - decidesAfterMs);
  }

  it('opens in the last millisecond of the grace after exp, refuses credential_expired from its first', async () => {
    const last = await attempt(143, (expiresAtS + skewS) * 1000 - 1);
    expect(last).toMatchObject({ status: 'unlocked', actuated: 1 });
    const first = await attempt(143, (expiresAtS + skewS) * 1000);
    expect(first).toMatchObject({ status: 'refused', code: 'credential_expired', authenticated: true, actuated: 0 });
  });

  it('refuses credential_not_yet_valid until the grace before nbf begins, opens from its first millisecond', async () => {
    const before = await attempt(144, (notBeforeS - skewS) * 1000 - 1);
    expect(before).toMatchObject({ status: 'refused', code: 'credential_not_yet_valid', authenticated: true, actuated: 0 });
    const from = await attempt(144, (notBeforeS - skewS) * 1000);
    expect(from).toMatchObject({ status: 'unlocked', actuated: 1 });
  });

  it('a resumption ticket ends at exp itself (no grace): the repeat path opens 1 ms before, not at exp', async () => {
    const s = setup(145);
    const credential = s.credential({ notBeforeS, expiresAtS });
    const granted = await full(s.lock, s.cert, s.guest, credential, expiresAtS * 1000 - 60_000);
    expect(granted).toMatchObject({ status: 'unlocked', actuated: 1 });
    const before = resume(s.lock, granted.ticket!, expiresAtS * 1000 - 1 - decidesAfterMs);
    expect(before.status.status).toBe('unlocked');
    const at = resume(s.lock, before.next, expiresAtS * 1000 - decidesAfterMs);
    expect(at.status).toMatchObject({ status: 'refused', code: 'ticket_unknown' });
    expect(at.actuated).toBe(0);
    // Within the credential's grace the full exchange still opens (the ticket bound is stricter).
    expect(await full(s.lock, s.cert, s.guest, credential, expiresAtS * 1000 + 1_000)).toMatchObject({ status: 'unlocked', actuated: 1 });
  });
});

describe('TH1 binds the lock id', () => {
  /**
   * A full request sealed under a TH1 that names `th1LockId` while every other input (the certified
   * keys hash K included) is the real lock's: what a phone does that believes it talks to another
   * lock id under the same keys.
   */
  async function requestWithTh1LockId(cert: LockCertificate, holder: Holder, credential: Uint8Array, challengeBytes: Uint8Array, th1LockId: Uint8Array, seed: number): Promise<Uint8Array> {
    const challenge = decodeChallenge(challengeBytes);
    const phoneSecret = p256SecretFromSeed(seeded(seed, 'th1-phone').bytes(48));
    const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneSecret);
    const input: Th1Input = {
      form: challenge.form,
      lockId: th1LockId,
      keysHash: certifiedKeysHash(crypto, cert.lockId, cert.signingKey, cert.agreementKey),
      lockVersions: challenge.lockVersions,
      nonce: challenge.lockEphemeralKey!,
      phoneVersions: challenge.lockVersions,
      phoneEphemeralKey,
    };
    const th1 = transcriptHash1(crypto, input);
    const staticShared = crypto.ecdhP256(phoneSecret, cert.agreementKey);
    const ephemeralShared = crypto.ecdhP256(phoneSecret, challenge.lockEphemeralKey!);
    const holderSignature = await holder.sign(holderSignedBytes(th1, crypto.sha256(credential), action.unlock));
    const inner = encodeSealedInner({ action: action.unlock, holderSignature, updates: [], credentialOrHash: credential });
    const sealed = new AeadDirection(crypto, requestKey(crypto, challenge.form, staticShared, ephemeralShared, th1), direction.phoneToLock).seal(th1, inner);
    return encodeRequest({ type: requestType.full, version: challenge.lockVersions, phoneVersions: challenge.lockVersions, phoneEphemeralKey, sealed });
  }

  it('a request whose TH1 names another lock id (same certified keys) does not decrypt at the lock; the same builder with the right id opens', async () => {
    const s = setup(146);
    const credential = s.credential();
    const control = open(s.lock, epochMs);
    const good = decodeResult(control.send(await requestWithTh1LockId(s.cert, s.guest, credential, control.challengeBytes, s.identity.lockId, 1)));
    expect(good).toMatchObject({ type: requestType.full, status: statusUnlocked });
    expect(actuations(control.outputs)).toBe(1);
    const otherId = s.identity.lockId.slice();
    otherId[0]! ^= 0xff;
    const wrong = open(s.lock, epochMs + 10_000);
    const refused = decodeResult(wrong.send(await requestWithTh1LockId(s.cert, s.guest, credential, wrong.challengeBytes, otherId, 2)));
    if (refused.type !== requestType.full) throw new Error(`expected a full-exchange result, got type ${refused.type}`);
    expect(codeOfWire(refused.status)).toBe('decrypt_failed');
    expect(refused.sealed).toBeUndefined();
    expect(actuations(wrong.outputs)).toBe(0);
  });

  it('TH1 is SHA-256 of the CBOR array the protocol names, lock id third (an independent encoding)', () => {
    const input: Th1Input = { form: 3, lockId: new Uint8Array(8).fill(0x11), keysHash: new Uint8Array(32).fill(0x22), lockVersions: 2, nonce: new Uint8Array(33).fill(0x33), phoneVersions: 2, phoneEphemeralKey: new Uint8Array(33).fill(0x44) };
    // CBOR by hand (RFC 8949): array(8), text(14) "latchkey/2 TH1", uint 3, bstr(8), bstr(32), uint 2, bstr(33), uint 2, bstr(33).
    const text = new TextEncoder().encode('latchkey/2 TH1');
    const expected = concatBytes(
      Uint8Array.of(0x88, 0x60 + text.length), text, Uint8Array.of(0x03),
      Uint8Array.of(0x48), input.lockId, Uint8Array.of(0x58, 32), input.keysHash, Uint8Array.of(0x02),
      Uint8Array.of(0x58, 33), input.nonce, Uint8Array.of(0x02), Uint8Array.of(0x58, 33), input.phoneEphemeralKey,
    );
    expect(encodeDeterministic(['latchkey/2 TH1', input.form, input.lockId, input.keysHash, input.lockVersions, input.nonce, input.phoneVersions, input.phoneEphemeralKey])).toEqual(expected);
    expect(transcriptHash1(crypto, input)).toEqual(crypto.sha256(expected));
  });
});
