/**
 * Test vectors for latchkey protocol v2 (`npm run vectors`).
 *
 * Everything is derived from one fixed seed (createSeededRandom, forked by label), so the same code
 * gives the same bytes on every run and with either crypto provider: signatures are deterministic
 * (Ed25519 by construction, ES256 by RFC 6979), ECDH/HKDF/AES-GCM are functions of their inputs.
 * The exchanges are not simulated by hand: the lock's half is the real firmware model
 * (firmware-model/lock.ts, stepped with fixed times), the phone's half is the real
 * src/protocol/unlock/phone-exchange.ts. Intermediate values (TH1, k_req, …) are recomputed here
 * with key-schedule.ts and cross-checked against what the two halves exchanged.
 *
 * Three exchanges on one lock: a full exchange after a form-1 (commit) challenge as read at MTU 23,
 * a full exchange after a form-3 (signed) challenge as read at MTU 247, and a resume on the ticket
 * of the second, carrying the signed lock update. A twin lock (same identity, same random seed) is
 * fed every request chunked at the other MTU and must answer byte for byte the same.
 *
 * Run as a script (with the noble provider) it writes test/vectors/latchkey-v2.json and rewrites
 * three generated regions of docs/PROTOCOL.md: the vectors, the error-code table (from
 * src/protocol/errors.ts) and the limits table (from src/protocol/limits.ts).
 * test/protocol/vectors.test.ts imports the same functions and checks that the JSON and the doc are
 * exactly what they produce, for both providers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lock, type LockOutput } from '../firmware-model/lock.ts';
import { toHex } from '../src/protocol/bytes.ts';
import { encodeDeterministic } from '../src/protocol/cbor.ts';
import { parseSign1 } from '../src/protocol/cose.ts';
import { issueCredential, type CredentialClaims } from '../src/protocol/credential.ts';
import { p256SecretFromSeed, signatureAlgorithms, type CryptoProvider } from '../src/protocol/crypto/provider.ts';
import { errorCodes } from '../src/protocol/errors.ts';
import { challengeCharacteristicOfForm } from '../src/protocol/gatt.ts';
import { issuerAlgorithms, makeIssuerKey, publicPart, type IssuerSigningKey } from '../src/protocol/issuer-keys.ts';
import { limits } from '../src/protocol/limits.ts';
import { issueLockCertificate, lockCertBytesMax, type LockCertificate } from '../src/protocol/lock-cert.ts';
import { issueLockUpdate, lockUpdateBytesMax, type LockUpdate } from '../src/protocol/lock-update.ts';
import { createSeededRandom, type RandomSource, type SeededRandom } from '../src/protocol/random.ts';
import { challengeForm, challengeFormForMtu, challengeNonce, challengeSignedBytes, commitToEphemeral, decodeChallenge } from '../src/protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../src/protocol/unlock/chunking.ts';
import {
  certifiedKeysHash,
  direction,
  holderSignedBytes,
  lockResumeMac,
  lockSignedBytes,
  phoneResumeMac,
  requestKey,
  resumeTranscript,
  sessionKeys,
  ticketId,
  transcriptHash1,
  transcriptHash2,
} from '../src/protocol/unlock/key-schedule.ts';
import { action, decodeRequest, decodeResult, encodeSealedInner, encodeSealedResult, requestType, resultBytesMax, statusUnlocked, updatesPerRequestMax } from '../src/protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type HolderSigner, type ResumptionTicket } from '../src/protocol/unlock/phone-exchange.ts';
import { supportedVersions } from '../src/protocol/unlock/versions.ts';

/** The one seed every vector derives from (printed in the JSON). */
export const vectorSeed = 20261123;
/** 2026-11-23T12:00:00Z (the virtual radio's default epoch), in seconds. */
export const vectorEpochS = Math.floor(Date.UTC(2026, 10, 23, 12, 0, 0) / 1000);
export const vectorsPath = 'test/vectors/latchkey-v2.json';
export const protocolDocPath = 'docs/PROTOCOL.md';

/** A JSON value; byte strings are lower-case hex, text is text, integers are numbers. */
export type VectorValue = string | number | boolean | VectorValue[] | { [key: string]: VectorValue };
export type VectorObject = { [key: string]: VectorValue };

const hex = toHex;

function sign1Parts(bytes: Uint8Array, bytesMax: number): VectorObject {
  const sign1 = parseSign1(bytes, issuerAlgorithms, bytesMax);
  // Sig_structure, RFC 9052 §4.4, external_aad empty (what cose.ts signs).
  const sigStructure = encodeDeterministic(['Signature1', sign1.protectedBytes, new Uint8Array(0), sign1.payload]);
  return { protectedHeader: hex(sign1.protectedBytes), payload: hex(sign1.payload), sigStructure: hex(sigStructure), signature: hex(sign1.signature) };
}

function issuerVector(key: IssuerSigningKey): VectorObject {
  return { algorithm: key.algorithm, coseAlg: signatureAlgorithms[key.algorithm], kid: hex(key.kid), secretKey: hex(key.secretKey), publicKey: hex(key.publicKey) };
}

function claimsVector(claims: CredentialClaims): VectorObject {
  return {
    iss: claims.issuer,
    sub: claims.subject,
    exp: claims.expiresAtS,
    nbf: claims.notBeforeS,
    iat: claims.issuedAtS,
    cti: hex(claims.credentialId),
    holderKey: hex(claims.holderKey),
    grant: hex(claims.grantId),
    doors: claims.doors.map((door) => ({ lockId: hex(door.lockId), sequence: door.sequence })),
  };
}

/** A RandomSource that keeps what it handed out (to show the ephemeral seeds in the vectors). */
function recording(random: SeededRandom): { source: RandomSource; taken: Uint8Array[] } {
  const taken: Uint8Array[] = [];
  return {
    taken,
    source: (lengthBytes: number) => {
      const bytes = random.bytes(lengthBytes);
      taken.push(bytes.slice());
      return bytes;
    },
  };
}

interface Fixture {
  crypto: CryptoProvider;
  issuerEdDSA: IssuerSigningKey;
  issuerES256: IssuerSigningKey;
  holderSecret: Uint8Array;
  holder: HolderSigner;
  lockId: Uint8Array;
  signingSecret: Uint8Array;
  agreementSecret: Uint8Array;
  certificate: LockCertificate;
  certificateBytes: Uint8Array;
  claimsEdDSA: CredentialClaims;
  credentialEdDSA: Uint8Array;
  claimsES256: CredentialClaims;
  credentialES256: Uint8Array;
  update: LockUpdate;
  updateBytes: Uint8Array;
}

function makeFixture(crypto: CryptoProvider): Fixture {
  const root = createSeededRandom(vectorSeed);
  const eddsaRandom = root.fork('issuer-eddsa');
  const es256Random = root.fork('issuer-es256');
  const issuerEdDSA = makeIssuerKey(crypto, 'EdDSA', eddsaRandom.bytes(32), eddsaRandom.bytes(8));
  const issuerES256 = makeIssuerKey(crypto, 'ES256', p256SecretFromSeed(es256Random.bytes(48)), es256Random.bytes(8));
  const holderSecret = p256SecretFromSeed(root.fork('holder').bytes(48));
  const holder: HolderSigner = { publicKey: crypto.publicKeyOf('ES256', holderSecret), sign: (message) => crypto.sign('ES256', holderSecret, message) };
  const lockRandom = root.fork('lock-identity');
  const lockId = lockRandom.bytes(8);
  const signingSecret = lockRandom.bytes(32);
  const agreementSecret = p256SecretFromSeed(lockRandom.bytes(48));
  const certificate: LockCertificate = {
    issuer: 'https://issuer.example',
    lockId,
    signingKey: crypto.publicKeyOf('EdDSA', signingSecret),
    agreementKey: crypto.publicKeyOf('ES256', agreementSecret),
    issuedAtS: vectorEpochS - 86400,
    expiresAtS: vectorEpochS - 86400 + 5 * 365 * 86400,
    versions: supportedVersions,
  };
  const certificateBytes = issueLockCertificate(crypto, issuerEdDSA, certificate);
  const claimsRandom = root.fork('claims');
  const claimsFor = (subject: string): CredentialClaims => ({
    issuer: 'https://issuer.example',
    subject,
    credentialId: claimsRandom.bytes(16),
    notBeforeS: vectorEpochS - 60,
    expiresAtS: vectorEpochS + 86400,
    issuedAtS: vectorEpochS - 60,
    holderKey: holder.publicKey,
    grantId: claimsRandom.bytes(16),
    doors: [{ lockId, sequence: 1 }],
  });
  const claimsEdDSA = claimsFor('guest-101');
  const claimsES256 = claimsFor('guest-101-es256');
  const update: LockUpdate = {
    issuer: 'https://issuer.example',
    issuedAtS: vectorEpochS,
    lockId,
    version: 1,
    revoked: [{ credentialId: root.fork('revoked').bytes(16), expiresAtS: vectorEpochS + 7 * 86400 }],
    sequenceFloor: 1,
    timeS: vectorEpochS + 10,
    issuers: [publicPart(issuerEdDSA), publicPart(issuerES256)],
    sequenceCeiling: 3,
  };
  return {
    crypto,
    issuerEdDSA,
    issuerES256,
    holderSecret,
    holder,
    lockId,
    signingSecret,
    agreementSecret,
    certificate,
    certificateBytes,
    claimsEdDSA,
    credentialEdDSA: issueCredential(crypto, issuerEdDSA, claimsEdDSA),
    claimsES256,
    credentialES256: issueCredential(crypto, issuerES256, claimsES256),
    update,
    updateBytes: issueLockUpdate(crypto, issuerEdDSA, update),
  };
}

// -- driving the firmware model with fixed times --

function only<T extends LockOutput['type']>(outputs: LockOutput[], type: T): Extract<LockOutput, { type: T }> {
  const found = outputs.filter((output): output is Extract<LockOutput, { type: T }> => output.type === type);
  if (found.length !== 1) throw new Error(`make-vectors: expected one ${type} output, got ${found.length}`);
  return found[0]!;
}

function summarize(outputs: LockOutput[]): string[] {
  return outputs.flatMap((output) => {
    if (output.type === 'actuate') return ['actuate'];
    if (output.type === 'audit') return [`audit ${output.record.event}${output.record.code ? ` ${output.record.code}` : ''}`];
    return [];
  });
}

function newLock(fixture: Fixture): { lock: Lock; taken: Uint8Array[] } {
  const random = recording(createSeededRandom(vectorSeed).fork('lock-rng'));
  const lock = new Lock({
    identity: { lockId: fixture.lockId, signingSecret: fixture.signingSecret, agreementSecret: fixture.agreementSecret },
    trustedIssuers: [publicPart(fixture.issuerEdDSA)],
    crypto: fixture.crypto,
    random: random.source,
  });
  return { lock, taken: random.taken };
}

/** Writes chunks (Write Without Response, the last as a Write Request); returns the ATT status of the last. */
function writeChunks(lock: Lock, connectionId: number, chunks: Uint8Array[], atMs: number, outputs: string[]): number {
  let status = -1;
  chunks.forEach((chunk, index) => {
    const last = index === chunks.length - 1;
    const stepOutputs = lock.step({ type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: last }, atMs);
    outputs.push(...summarize(stepOutputs));
    if (last) status = only(stepOutputs, 'write_response').attError;
  });
  return status;
}

type ReadCharacteristic = 'challenge' | 'challenge_key' | 'challenge_signed' | 'exchange';

function readValue(lock: Lock, connectionId: number, characteristic: ReadCharacteristic, atMs: number): Uint8Array {
  return only(lock.step({ type: 'read', connectionId, characteristic, offset: 0 }, atMs), 'read_response').value;
}

function chunkVector(message: Uint8Array, mtu: number): string[] {
  return splitIntoChunks(message, mtu).map(hex);
}

function decodeRequestSealed(message: Uint8Array): Uint8Array | undefined {
  const request = decodeRequest(message);
  return request.type === requestType.full ? request.sealed : undefined;
}

const otherMtu = (mtu: 23 | 247): 23 | 247 => (mtu === 23 ? 247 : 23);

/** Fixed times (ms after an exchange's start) and the link's connection interval. */
const timing = { connIntervalMs: 15, connectMs: 0, challengeReadMs: 15, requestWrittenMs: 30, resultReadMs: 45 };

/**
 * The lock under test (A) and its twin (B): same identity and random seed, the same inputs at the
 * same times, except that B gets every request chunked at the other MTU. Their answers must agree.
 */
interface Locks {
  a: { lock: Lock; taken: Uint8Array[] };
  b: { lock: Lock; taken: Uint8Array[] };
}

interface LinkRun {
  challenge: Uint8Array;
  finalWriteAttError: number;
  lockOutputs: string[];
  result: Uint8Array;
  relayBoundMs: number;
}

/**
 * One connection on both locks: connect (with the connection interval), Read `characteristic`,
 * then `request(challenge)` written in chunks (A at `mtu`, B at the other), then Read the result.
 */
async function runLink(locks: Locks, connectionId: number, startMs: number, characteristic: ReadCharacteristic, mtu: 23 | 247, request: (challenge: Uint8Array) => Promise<Uint8Array>): Promise<LinkRun & { message: Uint8Array }> {
  const runs: LinkRun[] = [];
  let message: Uint8Array | undefined;
  for (const [lock, chunkMtu] of [
    [locks.a.lock, mtu],
    [locks.b.lock, otherMtu(mtu)],
  ] as const) {
    lock.step({ type: 'connect', connectionId, connIntervalMs: timing.connIntervalMs }, startMs + timing.connectMs);
    const relayBoundMs = lock.relayBoundFor(timing.connIntervalMs);
    if (timing.requestWrittenMs - timing.challengeReadMs > relayBoundMs) throw new Error('make-vectors: the fixed timings exceed the relay bound');
    const challenge = readValue(lock, connectionId, characteristic, startMs + timing.challengeReadMs);
    message ??= await request(challenge);
    const lockOutputs: string[] = [];
    const finalWriteAttError = writeChunks(lock, connectionId, splitIntoChunks(message, chunkMtu), startMs + timing.requestWrittenMs, lockOutputs);
    const result = readValue(lock, connectionId, 'exchange', startMs + timing.resultReadMs);
    lock.step({ type: 'disconnect', connectionId }, startMs + timing.resultReadMs);
    runs.push({ challenge, finalWriteAttError, lockOutputs, result, relayBoundMs });
  }
  const [a, b] = runs as [LinkRun, LinkRun];
  if (hex(a.challenge) !== hex(b.challenge)) throw new Error('make-vectors: two identically seeded locks gave different challenges');
  if (a.finalWriteAttError !== b.finalWriteAttError || hex(a.result) !== hex(b.result) || a.lockOutputs.join() !== b.lockOutputs.join()) throw new Error('make-vectors: MTU 23 and MTU 247 chunking gave different decisions');
  return { ...a, message: message! };
}

const sameBytes = (x: Uint8Array, y: Uint8Array | undefined, what: string): void => {
  if (y === undefined || hex(x) !== hex(y)) throw new Error(`make-vectors: recomputed ${what} differs from the exchanged one`);
};

/**
 * A full exchange: the phone reads the richest challenge form its MTU allows (form 1 at MTU 23,
 * form 3 at MTU 247) and sends the whole EdDSA credential. Returns the vector and the phone's ticket.
 */
async function fullExchange(f: Fixture, locks: Locks, phoneRandom: { source: RandomSource; taken: Uint8Array[] }, connectionId: number, startMs: number, mtu: 23 | 247): Promise<{ vector: VectorObject; ticket: ResumptionTicket }> {
  const { crypto } = f;
  const form = challengeFormForMtu(mtu);
  const characteristic = challengeCharacteristicOfForm[form];
  const nowS = Math.floor(startMs / 1000);
  // The lock drew this link's ephemeral seed while idle, before the link (firmware-model/lock.ts
  // precomputes the next challenge's key pair): it is the last one drawn so far.
  const lockSeedIndex = locks.a.taken.length - 1;
  const phoneSeedIndex = phoneRandom.taken.length;
  let pendingOut: Awaited<ReturnType<typeof buildFullRequest>>['pending'] | undefined;
  const run = await runLink(locks, connectionId, startMs, characteristic, mtu, async (challengeBytes) => {
    const built = await buildFullRequest({ crypto, random: phoneRandom.source, lock: f.certificate, challengeBytes, minimumForm: form, credential: f.credentialEdDSA, sendHashOnly: false, holder: f.holder, updates: [] });
    pendingOut = built.pending;
    return built.message;
  });
  const pending = pendingOut!;
  const { challenge: challengeBytes, message: request, result } = run;
  const challenge = decodeChallenge(challengeBytes);
  if (challenge.form !== form) throw new Error(`make-vectors: read ${characteristic}, got challenge form ${challenge.form}`);
  const lockEphemeralSeed = locks.a.taken[lockSeedIndex]!;
  const lockEphemeralSecret = p256SecretFromSeed(lockEphemeralSeed);
  const lockEphemeralKey = crypto.publicKeyOf('ES256', lockEphemeralSecret);
  const phoneEphemeralSeed = phoneRandom.taken[phoneSeedIndex]!;
  const phoneEphemeralSecret = pending.phoneEphemeralSecret.slice(); // a copy: openFullResult zeroes the phone's own
  const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneEphemeralSecret);
  sameBytes(phoneEphemeralSecret, p256SecretFromSeed(phoneEphemeralSeed), 'phone ephemeral secret');

  // Recompute the key schedule from the inputs, as the phone does.
  const commitForm = form === challengeForm.commit;
  const lockVersions = challenge.lockVersions;
  const keysHash = certifiedKeysHash(crypto, f.lockId, f.certificate.signingKey, f.certificate.agreementKey);
  const nonce = commitForm ? commitToEphemeral(crypto, lockEphemeralKey) : lockEphemeralKey;
  const th1Input = encodeDeterministic(['latchkey/2 TH1', form, f.lockId, keysHash, lockVersions, nonce, supportedVersions, phoneEphemeralKey]);
  const th1 = transcriptHash1(crypto, { form, lockId: f.lockId, keysHash, lockVersions, nonce, phoneVersions: supportedVersions, phoneEphemeralKey });
  const staticSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, f.certificate.agreementKey);
  const ephemeralSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, lockEphemeralKey);
  const kReq = requestKey(crypto, form, staticSharedSecret, commitForm ? undefined : ephemeralSharedSecret, th1);
  const credentialHash = crypto.sha256(f.credentialEdDSA);
  const holderBytes = holderSignedBytes(th1, credentialHash, action.unlock);
  const holderSignature = crypto.sign('ES256', f.holderSecret, holderBytes);
  const sealedInner = encodeSealedInner({ action: action.unlock, holderSignature, updates: [], credentialOrHash: f.credentialEdDSA });
  const requestIv = new Uint8Array([...direction.phoneToLock, 0, 0, 0, 0]);
  const requestSealed = crypto.aesGcmSeal(kReq, requestIv, th1, sealedInner);
  const th2Input = encodeDeterministic(['latchkey/2 TH2', th1, credentialHash, action.unlock, lockEphemeralKey]);
  const th2 = transcriptHash2(crypto, th1, credentialHash, action.unlock, lockEphemeralKey);
  const keys = sessionKeys(crypto, ephemeralSharedSecret, staticSharedSecret, th2);
  const decoded = decodeResult(result);
  if (decoded.type !== requestType.full || decoded.sealed === undefined) throw new Error('make-vectors: expected an authenticated full result');
  const opened = openFullResult(crypto, pending, f.certificate, result, nowS);
  if (opened.status !== 'unlocked' || opened.ticket === undefined || opened.lockTimeS === undefined) throw new Error(`make-vectors: unlock after a form-${form} challenge refused (${opened.code})`);
  const lockTimeS = opened.lockTimeS;
  const lockBytes = lockSignedBytes(th2, decoded.status, lockTimeS);
  const lockSignature = crypto.sign('EdDSA', f.signingSecret, lockBytes);
  const resultIv = new Uint8Array([...direction.lockToPhone, 0, 0, 0, 0]);
  const ticketLifetimeS = locks.a.lock.config.ticketLifetimeS;
  const sealedResultPlain = encodeSealedResult({ lockSignature, ticketLifetimeS, lockTimeS });
  // Self-checks: what we recomputed is what the phone sent and the lock answered.
  sameBytes(th1, pending.th1, 'TH1');
  sameBytes(nonce, challengeNonce(challenge), 'challenge nonce');
  sameBytes(requestSealed, decodeRequestSealed(request), 'sealed request');
  sameBytes(crypto.aesGcmSeal(keys.lockToPhone, resultIv, th2, sealedResultPlain), decoded.sealed, 'sealed result');
  sameBytes(keys.resumption, opened.ticket.resumption, 'resumption key');
  if (commitForm) sameBytes(lockEphemeralKey, decoded.lockEphemeralKey, 'lock ephemeral key');
  else if (decoded.lockEphemeralKey !== undefined) throw new Error('make-vectors: a form-2/3 result repeated the lock ephemeral key');

  const challengeFields: VectorObject = commitForm
    ? { commitment: hex(nonce) }
    : (() => {
        const signedBytes = challengeSignedBytes(f.lockId, lockVersions, lockEphemeralKey);
        const signature = crypto.sign('EdDSA', f.signingSecret, signedBytes);
        sameBytes(signature, challenge.lockSignature, 'challenge signature');
        return { challengeSignedBytes: hex(signedBytes), challengeSignature: hex(signature) };
      })();
  const vector: VectorObject = {
    form,
    mtu,
    characteristic,
    startMs,
    timingMs: timing,
    relayBoundMs: run.relayBoundMs,
    lockEphemeralSeed: hex(lockEphemeralSeed),
    lockEphemeralSecret: hex(lockEphemeralSecret),
    lockEphemeralKey: hex(lockEphemeralKey),
    lockVersions,
    ...challengeFields,
    challenge: hex(challengeBytes),
    phoneEphemeralSeed: hex(phoneEphemeralSeed),
    phoneEphemeralSecret: hex(phoneEphemeralSecret),
    phoneEphemeralKey: hex(phoneEphemeralKey),
    phoneVersions: supportedVersions,
    version: decodeRequest(request).version,
    keysHash: hex(keysHash),
    nonce: hex(nonce),
    th1Input: hex(th1Input),
    th1: hex(th1),
    staticSharedSecret: hex(staticSharedSecret),
    ephemeralSharedSecret: hex(ephemeralSharedSecret),
    requestKeyIkm: hex(commitForm ? staticSharedSecret : new Uint8Array([...ephemeralSharedSecret, ...staticSharedSecret])),
    requestKey: hex(kReq),
    credentialHash: hex(credentialHash),
    action: action.unlock,
    holderSignedBytes: hex(holderBytes),
    holderSignature: hex(holderSignature),
    sealedInner: hex(sealedInner),
    requestIv: hex(requestIv),
    requestSealed: hex(requestSealed),
    request: hex(request),
    chunksMtu23: chunkVector(request, 23),
    chunksMtu247: chunkVector(request, 247),
    finalWriteAttError: run.finalWriteAttError,
    lockOutputs: run.lockOutputs,
    th2Input: hex(th2Input),
    th2: hex(th2),
    lockToPhoneKey: hex(keys.lockToPhone),
    phoneToLockKey: hex(keys.phoneToLock),
    resumptionKey: hex(keys.resumption),
    status: decoded.status,
    lockTimeS,
    lockSignedBytes: hex(lockBytes),
    lockSignature: hex(lockSignature),
    ticketLifetimeS,
    sealedResultPlain: hex(sealedResultPlain),
    resultIv: hex(resultIv),
    resultSealed: hex(decoded.sealed),
    result: hex(result),
    ticketId: hex(ticketId(crypto, keys.resumption, 0)),
  };
  return { vector, ticket: opened.ticket };
}

// -- the vectors --

export async function buildVectors(crypto: CryptoProvider): Promise<VectorObject> {
  const f = makeFixture(crypto);
  const t0Ms = vectorEpochS * 1000;
  const locks: Locks = { a: newLock(f), b: newLock(f) };
  const phoneRandom = recording(createSeededRandom(vectorSeed).fork('phone-rng'));

  // Full exchange after a form-1 challenge (MTU 23), then 10 s later after a form-3 challenge (MTU 247).
  const form1 = await fullExchange(f, locks, phoneRandom, 1, t0Ms, 23);
  const t1Ms = t0Ms + 10_000;
  const form3 = await fullExchange(f, locks, phoneRandom, 2, t1Ms, 247);

  // Repeat unlock, ten seconds later again, on the form-3 exchange's ticket, after a form-1
  // challenge (MTU 23), carrying the signed update.
  const t2Ms = t1Ms + 10_000;
  const ticket = form3.ticket;
  const resumeMtu = 23;
  const resumeForm = challengeFormForMtu(resumeMtu);
  const lockSeedIndex = locks.a.taken.length - 1; // drawn while idle, before the link (see fullExchange)
  let resume: ReturnType<typeof buildResumeRequest> | undefined;
  const run = await runLink(locks, 3, t2Ms, challengeCharacteristicOfForm[resumeForm], resumeMtu, async (challengeBytes) => {
    resume = buildResumeRequest(crypto, ticket, challengeBytes, [f.updateBytes]);
    return resume.message;
  });
  const resumeOpened = openResumeResult(crypto, resume!.pending, run.result);
  if (resumeOpened.status !== 'unlocked') throw new Error(`make-vectors: repeat unlock refused (${resumeOpened.code})`);
  const lockEphemeralSeed2 = locks.a.taken[lockSeedIndex]!;
  const lockEphemeralKey2 = crypto.publicKeyOf('ES256', p256SecretFromSeed(lockEphemeralSeed2));
  const challenge2 = decodeChallenge(run.challenge);
  const nonce2 = challengeNonce(challenge2);
  sameBytes(commitToEphemeral(crypto, lockEphemeralKey2), nonce2, 'resume commitment');
  const updatesCbor = encodeDeterministic([f.updateBytes]);
  const updatesHash = crypto.sha256(updatesCbor);
  const ticketId0 = ticketId(crypto, ticket.resumption, ticket.counter);
  const transcriptInput = encodeDeterministic(['latchkey/2 resume', challenge2.form, f.lockId, challenge2.lockVersions, nonce2, supportedVersions, ticketId0, action.unlock, updatesHash]);
  const transcript = resumeTranscript(crypto, { form: challenge2.form, lockId: f.lockId, lockVersions: challenge2.lockVersions, nonce: nonce2, phoneVersions: supportedVersions, ticketId: ticketId0, action: action.unlock, updatesHash });
  sameBytes(transcript, resume!.pending.transcript, 'resume transcript');

  return {
    description: 'latchkey protocol v2 test vectors (docs/PROTOCOL.md). Byte strings are lower-case hex; integers are numbers; text is text.',
    generator: 'scripts/make-vectors.ts (npm run vectors), noble provider; the node provider must give identical bytes',
    seed: vectorSeed,
    nowS: vectorEpochS,
    keys: {
      issuerEdDSA: issuerVector(f.issuerEdDSA),
      issuerES256: issuerVector(f.issuerES256),
      holder: { secretKey: hex(f.holderSecret), publicKey: hex(f.holder.publicKey) },
      lock: {
        lockId: hex(f.lockId),
        signingSecret: hex(f.signingSecret),
        signingKey: hex(f.certificate.signingKey),
        agreementSecret: hex(f.agreementSecret),
        agreementKey: hex(f.certificate.agreementKey),
        keysHashInput: hex(encodeDeterministic(['latchkey/2 keys', f.lockId, f.certificate.signingKey, f.certificate.agreementKey])),
        keysHash: hex(certifiedKeysHash(crypto, f.lockId, f.certificate.signingKey, f.certificate.agreementKey)),
        versions: locks.a.lock.config.lockVersions,
        trustedIssuerKids: [hex(f.issuerEdDSA.kid)],
      },
    },
    credentialEdDSA: { issuerKid: hex(f.issuerEdDSA.kid), claims: claimsVector(f.claimsEdDSA), ...sign1Parts(f.credentialEdDSA, limits.credentialBytesMax), credential: hex(f.credentialEdDSA), credentialHash: hex(crypto.sha256(f.credentialEdDSA)) },
    credentialES256: { issuerKid: hex(f.issuerES256.kid), claims: claimsVector(f.claimsES256), ...sign1Parts(f.credentialES256, limits.credentialBytesMax), credential: hex(f.credentialES256), credentialHash: hex(crypto.sha256(f.credentialES256)) },
    lockCertificate: {
      issuerKid: hex(f.issuerEdDSA.kid),
      fields: {
        iss: f.certificate.issuer,
        iat: f.certificate.issuedAtS,
        exp: f.certificate.expiresAtS,
        lockId: hex(f.lockId),
        signingKey: hex(f.certificate.signingKey),
        agreementKey: hex(f.certificate.agreementKey),
        versions: f.certificate.versions,
      },
      ...sign1Parts(f.certificateBytes, lockCertBytesMax),
      certificate: hex(f.certificateBytes),
    },
    lockUpdate: {
      issuerKid: hex(f.issuerEdDSA.kid),
      fields: {
        iss: f.update.issuer,
        iat: f.update.issuedAtS,
        lockId: hex(f.update.lockId),
        version: f.update.version,
        revoked: f.update.revoked.map((entry) => ({ cti: hex(entry.credentialId), exp: entry.expiresAtS })),
        sequenceFloor: f.update.sequenceFloor,
        timeS: f.update.timeS!,
        issuers: f.update.issuers!.map((key) => ({ kid: hex(key.kid), alg: signatureAlgorithms[key.algorithm], publicKey: hex(key.publicKey) })),
        sequenceCeiling: f.update.sequenceCeiling!,
      },
      ...sign1Parts(f.updateBytes, lockUpdateBytesMax),
      update: hex(f.updateBytes),
    },
    fullExchangeForm1: form1.vector,
    fullExchangeForm3: form3.vector,
    resumeExchange: {
      form: challenge2.form,
      mtu: resumeMtu,
      characteristic: challengeCharacteristicOfForm[resumeForm],
      startMs: t2Ms,
      timingMs: timing,
      relayBoundMs: run.relayBoundMs,
      lockEphemeralSeed: hex(lockEphemeralSeed2),
      lockEphemeralKey: hex(lockEphemeralKey2),
      challenge: hex(run.challenge),
      nonce: hex(nonce2),
      ticketFrom: 'fullExchangeForm3',
      resumptionKey: hex(ticket.resumption),
      ticketCounter: ticket.counter,
      ticketId: hex(ticketId0),
      phoneVersions: supportedVersions,
      version: decodeRequest(run.message).version,
      action: action.unlock,
      updates: [hex(f.updateBytes)],
      updatesCbor: hex(updatesCbor),
      updatesHash: hex(updatesHash),
      transcriptInput: hex(transcriptInput),
      transcript: hex(transcript),
      phoneMac: hex(phoneResumeMac(crypto, ticket.resumption, transcript)),
      request: hex(run.message),
      chunksMtu23: chunkVector(run.message, 23),
      chunksMtu247: chunkVector(run.message, 247),
      finalWriteAttError: run.finalWriteAttError,
      lockOutputs: run.lockOutputs,
      status: statusUnlocked,
      lockMac: hex(lockResumeMac(crypto, ticket.resumption, transcript, statusUnlocked)),
      result: hex(run.result),
      nextTicketCounter: resume!.pending.ticket.counter,
      nextTicketId: hex(ticketId(crypto, ticket.resumption, resume!.pending.ticket.counter)),
    },
  };
}

// -- rendering into docs/PROTOCOL.md --

const hexPattern = /^(?:[0-9a-f]{2})+$/;
const hexLineChars = 64;

function renderLines(path: string, value: VectorValue, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push(`${path} = []`);
    value.forEach((item, index) => renderLines(`${path}[${index}]`, item, out));
  } else if (typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) renderLines(path === '' ? key : `${path}.${key}`, item, out);
  } else if (typeof value === 'string' && hexPattern.test(value)) {
    out.push(`${path} (${value.length / 2} bytes)`);
    for (let i = 0; i < value.length; i += hexLineChars) out.push(`  ${value.slice(i, i + hexLineChars)}`);
  } else {
    out.push(`${path} = ${JSON.stringify(value)}`);
  }
}

/** The vectors as Markdown hex blocks: one fenced block per top-level section. */
export function renderVectorsMarkdown(vectors: VectorObject): string {
  const parts = [`Generated by \`npm run vectors\` (scripts/make-vectors.ts) from seed ${String(vectors.seed)}; the same values are in \`${vectorsPath}\`. Do not edit by hand: test/protocol/vectors.test.ts fails if this block differs from what the script writes.`];
  for (const [section, value] of Object.entries(vectors)) {
    if (typeof value !== 'object') continue;
    const lines: string[] = [];
    renderLines('', value, lines);
    parts.push(`#### ${section}\n\n\`\`\`text\n${lines.join('\n')}\n\`\`\``);
  }
  return parts.join('\n\n');
}

/** The error-code table, straight from src/protocol/errors.ts. */
export function renderErrorTable(): string {
  const rows = ['| code | wire | HTTP | meaning |', '| --- | --- | --- | --- |'];
  for (const [code, entry] of Object.entries(errorCodes)) {
    rows.push(`| \`${code}\` | 0x${entry.wire.toString(16).padStart(2, '0')} | ${entry.http} | ${entry.message.replaceAll('|', '\\|')} |`);
  }
  return rows.join('\n');
}

/** The limits table, straight from src/protocol/limits.ts and the per-message bounds. */
export function renderLimitsTable(): string {
  const rows = ['| name | value | where |', '| --- | --- | --- |'];
  for (const [name, value] of Object.entries(limits)) rows.push(`| \`${name}\` | ${value} | src/protocol/limits.ts |`);
  const more: [string, number, string][] = [
    ['lockCertBytesMax', lockCertBytesMax, 'src/protocol/lock-cert.ts'],
    ['lockUpdateBytesMax', lockUpdateBytesMax, 'src/protocol/lock-update.ts'],
    ['resultBytesMax', resultBytesMax, 'src/protocol/unlock/messages.ts'],
    ['updatesPerRequestMax', updatesPerRequestMax, 'src/protocol/unlock/messages.ts'],
  ];
  for (const [name, value, where] of more) rows.push(`| \`${name}\` | ${value} | ${where} |`);
  return rows.join('\n');
}

/** Replaces the text between `<!-- name:begin -->` and `<!-- name:end -->`; throws if the markers are missing. */
export function rewriteRegion(doc: string, name: string, content: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(end);
  if (start < 0 || stop < start || doc.indexOf(begin, start + 1) >= 0) throw new Error(`${protocolDocPath}: markers ${begin} … ${end} missing or repeated`);
  return `${doc.slice(0, start + begin.length)}\n${content}\n${doc.slice(stop)}`;
}

/** The region text between the markers (what rewriteRegion put there). */
export function readRegion(doc: string, name: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const start = doc.indexOf(begin);
  const stop = doc.indexOf(`<!-- ${name}:end -->`);
  if (start < 0 || stop < start) throw new Error(`${protocolDocPath}: markers for ${name} missing`);
  return doc.slice(start + begin.length, stop);
}

/** The whole doc with every generated region rewritten. */
export function renderDoc(doc: string, vectors: VectorObject): string {
  let out = rewriteRegion(doc, 'vectors', renderVectorsMarkdown(vectors));
  out = rewriteRegion(out, 'errors', renderErrorTable());
  return rewriteRegion(out, 'limits', renderLimitsTable());
}

export function serializeVectors(vectors: VectorObject): string {
  return `${JSON.stringify(vectors, null, 2)}\n`;
}

async function main(): Promise<void> {
  const { createNobleProvider } = await import('../src/protocol/crypto/noble.ts');
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const vectors = await buildVectors(createNobleProvider());
  writeFileSync(resolve(root, vectorsPath), serializeVectors(vectors));
  const docFile = resolve(root, protocolDocPath);
  writeFileSync(docFile, renderDoc(readFileSync(docFile, 'utf8'), vectors));
  process.stdout.write(`make-vectors: seed ${vectorSeed}; wrote ${vectorsPath} and the generated regions of ${protocolDocPath}\n`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    process.stderr.write(`make-vectors failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
