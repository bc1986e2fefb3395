/**
 * Test vectors for latchkey protocol v1 (`npm run vectors`).
 *
 * Everything is derived from one fixed seed (createSeededRandom, forked by label), so the same code
 * gives the same bytes on every run and with either crypto provider: signatures are deterministic
 * (Ed25519 by construction, ES256 by RFC 6979), ECDH/HKDF/AES-GCM are functions of their inputs.
 * The exchanges are not simulated by hand: the lock's half is the real firmware model
 * (firmware-model/lock.ts, stepped with fixed times), the phone's half is the real
 * src/protocol/unlock/phone-exchange.ts. Intermediate values (TH1, k_req, …) are recomputed here
 * with key-schedule.ts and cross-checked against what the two halves exchanged.
 *
 * Run as a script (with the noble provider) it writes test/vectors/latchkey-v1.json and rewrites
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
import { p256SecretFromSeed, signatureAlgorithms, type CryptoProvider, type SignatureAlgorithm } from '../src/protocol/crypto/provider.ts';
import { errorCodes } from '../src/protocol/errors.ts';
import { issuerAlgorithms, makeIssuerKey, publicPart, type IssuerSigningKey } from '../src/protocol/issuer-keys.ts';
import { limits } from '../src/protocol/limits.ts';
import { issueLockCertificate, lockCertBytesMax, type LockCertificate } from '../src/protocol/lock-cert.ts';
import { issueLockUpdate, lockUpdateBytesMax, type LockUpdate } from '../src/protocol/lock-update.ts';
import { createSeededRandom, type RandomSource, type SeededRandom } from '../src/protocol/random.ts';
import { commitToEphemeral, decodeChallenge } from '../src/protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../src/protocol/unlock/chunking.ts';
import {
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
import { buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type HolderSigner } from '../src/protocol/unlock/phone-exchange.ts';
import { supportedVersions } from '../src/protocol/unlock/versions.ts';

/** The one seed every vector derives from (printed in the JSON). */
export const vectorSeed = 20261123;
/** 2026-11-23T12:00:00Z (the virtual radio's default epoch), in seconds. */
export const vectorEpochS = Math.floor(Date.UTC(2026, 10, 23, 12, 0, 0) / 1000);
export const vectorsPath = 'test/vectors/latchkey-v1.json';
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

function readValue(lock: Lock, connectionId: number, characteristic: 'challenge' | 'exchange', atMs: number): Uint8Array {
  return only(lock.step({ type: 'read', connectionId, characteristic, offset: 0 }, atMs), 'read_response').value;
}

function chunkVector(message: Uint8Array, mtu: number): string[] {
  return splitIntoChunks(message, mtu).map(hex);
}

function decodeRequestSealed(message: Uint8Array): Uint8Array | undefined {
  const request = decodeRequest(message);
  return request.type === requestType.full ? request.sealed : undefined;
}

// -- the vectors --

export async function buildVectors(crypto: CryptoProvider): Promise<VectorObject> {
  const f = makeFixture(crypto);
  const t0Ms = vectorEpochS * 1000;
  const timing = { connectMs: 0, challengeReadMs: 15, requestWrittenMs: 30, resultReadMs: 45 };

  // First unlock: two identical locks (same identity and random seed) fed the same request at MTU 23 and 247.
  const a = newLock(f);
  const b = newLock(f);
  const connection = 1;
  for (const lock of [a.lock, b.lock]) lock.step({ type: 'connect', connectionId: connection }, t0Ms);
  const challengeBytes = readValue(a.lock, connection, 'challenge', t0Ms + timing.challengeReadMs);
  const challengeB = readValue(b.lock, connection, 'challenge', t0Ms + timing.challengeReadMs);
  if (hex(challengeBytes) !== hex(challengeB)) throw new Error('make-vectors: two identically seeded locks gave different challenges');
  const lockEphemeralSeed = a.taken[0]!;
  const lockEphemeralSecret = p256SecretFromSeed(lockEphemeralSeed);
  const lockEphemeralKey = crypto.publicKeyOf('ES256', lockEphemeralSecret);

  const phoneRandom = recording(createSeededRandom(vectorSeed).fork('phone-rng'));
  const { message: request, pending } = await buildFullRequest({
    crypto,
    random: phoneRandom.source,
    lock: f.certificate,
    challengeBytes,
    credential: f.credentialEdDSA,
    sendHashOnly: false,
    holder: f.holder,
    updates: [],
  });
  const phoneEphemeralSeed = phoneRandom.taken[0]!;
  const phoneEphemeralSecret = pending.phoneEphemeralSecret;
  const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneEphemeralSecret);
  const lockOutputsFull: string[] = [];
  const chunks23 = splitIntoChunks(request, 23);
  const chunks247 = splitIntoChunks(request, 247);
  const writeStatus = writeChunks(a.lock, connection, chunks23, t0Ms + timing.requestWrittenMs, lockOutputsFull);
  const writeStatusB = writeChunks(b.lock, connection, chunks247, t0Ms + timing.requestWrittenMs, []);
  const result = readValue(a.lock, connection, 'exchange', t0Ms + timing.resultReadMs);
  const resultB = readValue(b.lock, connection, 'exchange', t0Ms + timing.resultReadMs);
  if (writeStatus !== writeStatusB || hex(result) !== hex(resultB)) throw new Error('make-vectors: MTU 23 and MTU 247 chunking gave different decisions');
  a.lock.step({ type: 'disconnect', connectionId: connection }, t0Ms + timing.resultReadMs);

  // Recompute the key schedule from the inputs, as the phone does.
  const th1Input = encodeDeterministic(['latchkey/1 TH1', f.lockId, decodeChallenge(challengeBytes).lockVersions, commitToEphemeral(crypto, lockEphemeralKey), supportedVersions, phoneEphemeralKey]);
  const th1 = transcriptHash1(crypto, { lockId: f.lockId, lockVersions: decodeChallenge(challengeBytes).lockVersions, commitment: decodeChallenge(challengeBytes).commitment, phoneVersions: supportedVersions, phoneEphemeralKey });
  const staticSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, f.certificate.agreementKey);
  const kReq = requestKey(crypto, staticSharedSecret, th1);
  const credentialHash = crypto.sha256(f.credentialEdDSA);
  const holderBytes = holderSignedBytes(th1, credentialHash, action.unlock);
  const holderSignature = crypto.sign('ES256', f.holderSecret, holderBytes);
  const sealedInner = encodeSealedInner({ action: action.unlock, holderSignature, updates: [], credentialOrHash: f.credentialEdDSA });
  const requestIv = new Uint8Array([...direction.phoneToLock, 0, 0, 0, 0]);
  const requestSealed = crypto.aesGcmSeal(kReq, requestIv, th1, sealedInner);
  const th2Input = encodeDeterministic(['latchkey/1 TH2', th1, credentialHash, action.unlock, lockEphemeralKey]);
  const th2 = transcriptHash2(crypto, th1, credentialHash, action.unlock, lockEphemeralKey);
  const ephemeralSharedSecret = crypto.ecdhP256(phoneEphemeralSecret, lockEphemeralKey);
  const keys = sessionKeys(crypto, ephemeralSharedSecret, staticSharedSecret, th2);
  const decoded = decodeResult(result);
  if (decoded.type !== requestType.full || decoded.sealed === undefined) throw new Error('make-vectors: expected an authenticated full result');
  const lockBytes = lockSignedBytes(th2, decoded.status);
  const lockSignature = crypto.sign('EdDSA', f.signingSecret, lockBytes);
  const opened = openFullResult(crypto, pending, f.certificate, result, vectorEpochS);
  if (opened.status !== 'unlocked' || opened.ticket === undefined) throw new Error(`make-vectors: first unlock refused (${opened.code})`);
  const resultIv = new Uint8Array([...direction.lockToPhone, 0, 0, 0, 0]);
  const sealedResultPlain = encodeSealedResult(lockSignature, a.lock.config.ticketLifetimeS);
  // Self-checks: what we recomputed is what the phone sent and the lock answered.
  const sameBytes = (x: Uint8Array, y: Uint8Array | undefined, what: string): void => {
    if (y === undefined || hex(x) !== hex(y)) throw new Error(`make-vectors: recomputed ${what} differs from the exchanged one`);
  };
  sameBytes(th1, pending.th1, 'TH1');
  sameBytes(commitToEphemeral(crypto, lockEphemeralKey), decodeChallenge(challengeBytes).commitment, 'commitment');
  sameBytes(requestSealed, decodeRequestSealed(request), 'sealed request');
  sameBytes(crypto.aesGcmSeal(keys.lockToPhone, resultIv, th2, sealedResultPlain), decoded.sealed, 'sealed result');
  sameBytes(lockEphemeralKey, decoded.lockEphemeralKey, 'lock ephemeral key');

  // Repeat unlock on lock A, ten seconds later, carrying the signed update.
  const t1Ms = t0Ms + 10_000;
  const connection2 = 2;
  a.lock.step({ type: 'connect', connectionId: connection2 }, t1Ms);
  const challenge2 = readValue(a.lock, connection2, 'challenge', t1Ms + timing.challengeReadMs);
  const lockEphemeralSeed2 = a.taken[1]!;
  const lockEphemeralKey2 = crypto.publicKeyOf('ES256', p256SecretFromSeed(lockEphemeralSeed2));
  const ticket = opened.ticket;
  const resume = buildResumeRequest(crypto, ticket, challenge2, [f.updateBytes]);
  const lockOutputsResume: string[] = [];
  const resumeChunks23 = splitIntoChunks(resume.message, 23);
  const resumeWriteStatus = writeChunks(a.lock, connection2, resumeChunks23, t1Ms + timing.requestWrittenMs, lockOutputsResume);
  const resumeResult = readValue(a.lock, connection2, 'exchange', t1Ms + timing.resultReadMs);
  const resumeOpened = openResumeResult(crypto, resume.pending, resumeResult);
  if (resumeOpened.status !== 'unlocked') throw new Error(`make-vectors: repeat unlock refused (${resumeOpened.code})`);
  const updatesCbor = encodeDeterministic([f.updateBytes]);
  const updatesHash = crypto.sha256(updatesCbor);
  const ticketId0 = ticketId(crypto, ticket.resumption, ticket.counter);
  const lockVersions2 = decodeChallenge(challenge2).lockVersions;
  const commitment2 = decodeChallenge(challenge2).commitment;
  const transcriptInput = encodeDeterministic(['latchkey/1 resume', f.lockId, lockVersions2, commitment2, supportedVersions, ticketId0, action.unlock, updatesHash]);
  const transcript = resumeTranscript(crypto, { lockId: f.lockId, lockVersions: lockVersions2, commitment: commitment2, phoneVersions: supportedVersions, ticketId: ticketId0, action: action.unlock, updatesHash });

  return {
    description: 'latchkey protocol v1 test vectors (docs/PROTOCOL.md). Byte strings are lower-case hex; integers are numbers; text is text.',
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
        trustedIssuerKids: [hex(f.issuerEdDSA.kid)],
      },
    },
    credentialEdDSA: { issuerKid: hex(f.issuerEdDSA.kid), claims: claimsVector(f.claimsEdDSA), ...sign1Parts(f.credentialEdDSA, limits.credentialBytesMax), credential: hex(f.credentialEdDSA), credentialHash: hex(crypto.sha256(f.credentialEdDSA)) },
    credentialES256: { issuerKid: hex(f.issuerES256.kid), claims: claimsVector(f.claimsES256), ...sign1Parts(f.credentialES256, limits.credentialBytesMax), credential: hex(f.credentialES256), credentialHash: hex(crypto.sha256(f.credentialES256)) },
    lockCertificate: {
      issuerKid: hex(f.issuerEdDSA.kid),
      fields: { iss: f.certificate.issuer, iat: f.certificate.issuedAtS, exp: f.certificate.expiresAtS, lockId: hex(f.lockId), signingKey: hex(f.certificate.signingKey), agreementKey: hex(f.certificate.agreementKey) },
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
      },
      ...sign1Parts(f.updateBytes, lockUpdateBytesMax),
      update: hex(f.updateBytes),
    },
    fullExchange: {
      startMs: t0Ms,
      timingMs: timing,
      lockEphemeralSeed: hex(lockEphemeralSeed),
      lockEphemeralSecret: hex(lockEphemeralSecret),
      lockEphemeralKey: hex(lockEphemeralKey),
      commitment: hex(commitToEphemeral(crypto, lockEphemeralKey)),
      challenge: hex(challengeBytes),
      phoneEphemeralSeed: hex(phoneEphemeralSeed),
      phoneEphemeralSecret: hex(phoneEphemeralSecret),
      phoneEphemeralKey: hex(phoneEphemeralKey),
      phoneVersions: supportedVersions,
      version: supportedVersions,
      th1Input: hex(th1Input),
      th1: hex(th1),
      staticSharedSecret: hex(staticSharedSecret),
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
      finalWriteAttError: writeStatus,
      lockOutputs: lockOutputsFull,
      th2Input: hex(th2Input),
      th2: hex(th2),
      ephemeralSharedSecret: hex(ephemeralSharedSecret),
      lockToPhoneKey: hex(keys.lockToPhone),
      phoneToLockKey: hex(keys.phoneToLock),
      resumptionKey: hex(keys.resumption),
      status: decoded.status,
      lockSignedBytes: hex(lockBytes),
      lockSignature: hex(lockSignature),
      ticketLifetimeS: a.lock.config.ticketLifetimeS,
      sealedResultPlain: hex(sealedResultPlain),
      resultIv: hex(resultIv),
      resultSealed: hex(decoded.sealed),
      result: hex(result),
      ticketId: hex(ticketId0),
    },
    resumeExchange: {
      startMs: t1Ms,
      timingMs: timing,
      lockEphemeralSeed: hex(lockEphemeralSeed2),
      lockEphemeralKey: hex(lockEphemeralKey2),
      challenge: hex(challenge2),
      resumptionKey: hex(ticket.resumption),
      ticketCounter: ticket.counter,
      ticketId: hex(ticketId0),
      action: action.unlock,
      updates: [hex(f.updateBytes)],
      updatesCbor: hex(updatesCbor),
      updatesHash: hex(updatesHash),
      transcriptInput: hex(transcriptInput),
      transcript: hex(transcript),
      phoneMac: hex(phoneResumeMac(crypto, ticket.resumption, transcript)),
      request: hex(resume.message),
      chunksMtu23: resumeChunks23.map(hex),
      chunksMtu247: chunkVector(resume.message, 247),
      finalWriteAttError: resumeWriteStatus,
      lockOutputs: lockOutputsResume,
      status: statusUnlocked,
      lockMac: hex(lockResumeMac(crypto, ticket.resumption, transcript, statusUnlocked)),
      result: hex(resumeResult),
      nextTicketCounter: resume.pending.ticket.counter,
      nextTicketId: hex(ticketId(crypto, ticket.resumption, resume.pending.ticket.counter)),
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
