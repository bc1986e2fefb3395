/**
 * The protocol's test vectors (test/vectors/latchkey-v2.json) against the code and the spec.
 *
 * For both crypto providers: regenerating the vectors gives the file byte for byte; every vector
 * parses and verifies with the protocol's own parsers; the key schedule recomputed here from the
 * formulas in docs/PROTOCOL.md (primitives only: SHA-256, HKDF, HMAC, ECDH, AES-GCM, Ed25519,
 * deterministic CBOR) gives every intermediate value, for a form-1 (commit) and a form-3 (signed)
 * full exchange and a resume; and docs/PROTOCOL.md holds exactly the generated regions.
 * The last block makes sure these checks can fail (tampered vectors and a tampered doc are caught).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildVectors, protocolDocPath, readRegion, renderDoc, renderErrorTable, renderLimitsTable, renderVectorsMarkdown, serializeVectors, vectorsPath, type VectorObject } from '../../scripts/make-vectors.ts';
import { concatBytes, fromHex, toHex, u32be, utf8 } from '../../src/protocol/bytes.ts';
import { cborMap, encodeDeterministic } from '../../src/protocol/cbor.ts';
import { verifyCredential } from '../../src/protocol/credential.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../../src/protocol/crypto/provider.ts';
import { isLatchkeyError } from '../../src/protocol/errors.ts';
import { challengeCharacteristicOfForm } from '../../src/protocol/gatt.ts';
import type { TrustedIssuerKey } from '../../src/protocol/issuer-keys.ts';
import { verifyLockCertificate, type LockCertificate } from '../../src/protocol/lock-cert.ts';
import { verifyLockUpdate } from '../../src/protocol/lock-update.ts';
import { challengeFormForMtu, decodeChallenge, type ChallengeForm } from '../../src/protocol/unlock/challenge.ts';
import { Reassembler } from '../../src/protocol/unlock/chunking.ts';
import {
  certifiedKeysHash,
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
} from '../../src/protocol/unlock/key-schedule.ts';
import { decodeRequest, decodeResult, decodeSealedInner, decodeSealedResult } from '../../src/protocol/unlock/messages.ts';
import { buildFullRequest, buildResumeRequest, checkChallenge, openFullResult, openResumeResult, type HolderSigner, type PendingFull } from '../../src/protocol/unlock/phone-exchange.ts';

const fileText = readFileSync(vectorsPath, 'utf8');
const vectors = JSON.parse(fileText) as VectorObject;
const docText = readFileSync(protocolDocPath, 'utf8');

type Section = Record<string, unknown>;
const section = (name: string): Section => vectors[name] as Section;
const keys = section('keys') as Record<string, Section>;
const resume = section('resumeExchange');
const nowS = vectors.nowS as number;
/** The two full exchanges and the challenge form each one answers. */
const fullExchanges = [
  ['fullExchangeForm1', 1],
  ['fullExchangeForm3', 3],
] as const;

/** Bytes of a hex field, failing loudly if the field is missing. */
function bytesOf(from: Section, field: string): Uint8Array {
  const value = from[field];
  if (typeof value !== 'string') throw new Error(`vector field ${field} is not hex`);
  return fromHex(value);
}
const numberOf = (from: Section, field: string): number => {
  const value = from[field];
  if (typeof value !== 'number') throw new Error(`vector field ${field} is not a number`);
  return value;
};

function trustedIssuers(): TrustedIssuerKey[] {
  return ['issuerEdDSA', 'issuerES256'].map((name) => ({ kid: bytesOf(keys[name]!, 'kid'), algorithm: keys[name]!.algorithm as SignatureAlgorithm, publicKey: bytesOf(keys[name]!, 'publicKey') }));
}

function certificate(crypto: CryptoProvider): LockCertificate {
  return verifyLockCertificate(crypto, bytesOf(section('lockCertificate'), 'certificate'), trustedIssuers(), nowS);
}

/** What the phone kept after sending the request of a full-exchange vector. */
function pendingOf(vector: Section): PendingFull {
  return {
    th1: bytesOf(vector, 'th1'),
    challenge: decodeChallenge(bytesOf(vector, 'challenge')),
    phoneEphemeralSecret: bytesOf(vector, 'phoneEphemeralSecret'),
    staticSharedSecret: bytesOf(vector, 'staticSharedSecret'),
    credentialHash: bytesOf(vector, 'credentialHash'),
    action: numberOf(vector, 'action'),
  };
}

/** HKDF-SHA256 output of `length` bytes (RFC 5869) from the provider's HMAC only. */
function hkdfByHmac(crypto: CryptoProvider, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = crypto.hmacSha256(salt, ikm);
  let block: Uint8Array = new Uint8Array(0);
  const out: Uint8Array[] = [];
  for (let i = 1; out.length * 32 < length; i++) {
    block = crypto.hmacSha256(prk, concatBytes(block, info, new Uint8Array([i])));
    out.push(block);
  }
  return concatBytes(...out).slice(0, length);
}

/** Chunks of one MTU reassemble to `message`; each fits an ATT write and carries its index and more-flag. */
function expectChunksReassemble(chunks: Uint8Array[], mtu: number, message: unknown): void {
  const reassembler = new Reassembler();
  chunks.forEach((chunk, index) => {
    expect(chunk.length).toBeLessThanOrEqual(mtu - 3);
    expect(chunk[0]).toBe((index < chunks.length - 1 ? 0x80 : 0) | index);
    const reassembled = reassembler.push(chunk);
    if (index < chunks.length - 1) expect(reassembled).toBeUndefined();
    else expect(toHex(reassembled!)).toBe(message);
  });
}

const providers: CryptoProvider[] = [createNobleProvider(), createNodeProvider()];

describe.each(providers.map((crypto) => [crypto.name, crypto] as const))('latchkey-v2 vectors with the %s provider', (_name, crypto) => {
  it('regenerating the vectors gives the file byte for byte', async () => {
    expect(serializeVectors(await buildVectors(crypto))).toBe(fileText);
  });

  it('keys: every public key follows from its secret; the certified-keys hash', () => {
    for (const name of ['issuerEdDSA', 'issuerES256']) {
      const key = keys[name]!;
      expect(toHex(crypto.publicKeyOf(key.algorithm as SignatureAlgorithm, bytesOf(key, 'secretKey')))).toBe(key.publicKey);
    }
    const lock = keys.lock!;
    expect(toHex(crypto.publicKeyOf('ES256', bytesOf(keys.holder!, 'secretKey')))).toBe(keys.holder!.publicKey);
    expect(toHex(crypto.publicKeyOf('EdDSA', bytesOf(lock, 'signingSecret')))).toBe(lock.signingKey);
    expect(toHex(crypto.publicKeyOf('ES256', bytesOf(lock, 'agreementSecret')))).toBe(lock.agreementKey);
    // K = SHA-256(CBOR["latchkey/2 keys", lockId, signingKey, agreementKey]).
    const keysHashInput = encodeDeterministic(['latchkey/2 keys', bytesOf(lock, 'lockId'), bytesOf(lock, 'signingKey'), bytesOf(lock, 'agreementKey')]);
    expect(toHex(keysHashInput)).toBe(lock.keysHashInput);
    expect(toHex(crypto.sha256(keysHashInput))).toBe(lock.keysHash);
    expect(toHex(certifiedKeysHash(crypto, bytesOf(lock, 'lockId'), bytesOf(lock, 'signingKey'), bytesOf(lock, 'agreementKey')))).toBe(lock.keysHash);
    // v2 only (bit n = version n + 1).
    expect(lock.versions).toBe(0b10);
  });

  it.each(['credentialEdDSA', 'credentialES256'])('%s: COSE_Sign1 layout, issuer signature and claims', (name) => {
    const vector = section(name);
    const credential = bytesOf(vector, 'credential');
    // COSE_Sign1 = [protected, {}, payload, signature]; Sig_structure = ["Signature1", protected, h'', payload].
    expect(toHex(encodeDeterministic([bytesOf(vector, 'protectedHeader'), cborMap([]), bytesOf(vector, 'payload'), bytesOf(vector, 'signature')]))).toBe(vector.credential);
    expect(toHex(encodeDeterministic(['Signature1', bytesOf(vector, 'protectedHeader'), new Uint8Array(0), bytesOf(vector, 'payload')]))).toBe(vector.sigStructure);
    const issuer = trustedIssuers().find((key) => toHex(key.kid) === vector.issuerKid)!;
    expect(crypto.verify(issuer.algorithm, issuer.publicKey, bytesOf(vector, 'sigStructure'), bytesOf(vector, 'signature'))).toBe(true);
    const { claims } = verifyCredential(crypto, credential, trustedIssuers());
    const expected = vector.claims as Section;
    expect(claims.issuer).toBe(expected.iss);
    expect(claims.subject).toBe(expected.sub);
    expect([claims.expiresAtS, claims.notBeforeS, claims.issuedAtS]).toEqual([expected.exp, expected.nbf, expected.iat]);
    expect([toHex(claims.credentialId), toHex(claims.holderKey), toHex(claims.grantId)]).toEqual([expected.cti, expected.holderKey, expected.grant]);
    expect(claims.doors.map((door) => ({ lockId: toHex(door.lockId), sequence: door.sequence }))).toEqual(expected.doors);
    expect(toHex(crypto.sha256(credential))).toBe(vector.credentialHash);
  });

  it('lock certificate verifies and carries the lock keys and versions', () => {
    const vector = section('lockCertificate');
    const cert = certificate(crypto);
    const fields = vector.fields as Section;
    expect(toHex(encodeDeterministic([bytesOf(vector, 'protectedHeader'), cborMap([]), bytesOf(vector, 'payload'), bytesOf(vector, 'signature')]))).toBe(vector.certificate);
    expect(toHex(encodeDeterministic(['Signature1', bytesOf(vector, 'protectedHeader'), new Uint8Array(0), bytesOf(vector, 'payload')]))).toBe(vector.sigStructure);
    const issuer = trustedIssuers().find((key) => toHex(key.kid) === vector.issuerKid)!;
    expect(crypto.verify(issuer.algorithm, issuer.publicKey, bytesOf(vector, 'sigStructure'), bytesOf(vector, 'signature'))).toBe(true);
    expect([cert.issuer, cert.issuedAtS, cert.expiresAtS, cert.versions]).toEqual([fields.iss, fields.iat, fields.exp, fields.versions]);
    expect([toHex(cert.lockId), toHex(cert.signingKey), toHex(cert.agreementKey)]).toEqual([fields.lockId, fields.signingKey, fields.agreementKey]);
    expect([fields.lockId, fields.signingKey, fields.agreementKey, fields.versions]).toEqual([keys.lock!.lockId, keys.lock!.signingKey, keys.lock!.agreementKey, keys.lock!.versions]);
  });

  it('lock update verifies with every field, the sequence ceiling (field 7) included', () => {
    const vector = section('lockUpdate');
    const update = verifyLockUpdate(crypto, bytesOf(vector, 'update'), trustedIssuers());
    const fields = vector.fields as Section;
    expect([update.issuer, update.issuedAtS, toHex(update.lockId), update.version, update.sequenceFloor, update.timeS, update.sequenceCeiling]).toEqual([fields.iss, fields.iat, fields.lockId, fields.version, fields.sequenceFloor, fields.timeS, fields.sequenceCeiling]);
    expect(update.sequenceCeiling).toBeGreaterThanOrEqual(update.sequenceFloor);
    expect(update.revoked.map((entry) => ({ cti: toHex(entry.credentialId), exp: entry.expiresAtS }))).toEqual(fields.revoked);
    expect(update.issuers?.map((key) => ({ kid: toHex(key.kid), alg: key.algorithm === 'ES256' ? -7 : -8, publicKey: toHex(key.publicKey) }))).toEqual(fields.issuers);
  });

  it.each(fullExchanges)('%s: the key schedule recomputed from its inputs gives every intermediate value', (name, form) => {
    const full = section(name);
    expect(full.form).toBe(form);
    const lock = keys.lock!;
    const lockId = bytesOf(lock, 'lockId');
    const lockVersions = numberOf(lock, 'versions');
    expect(full.lockVersions).toBe(lockVersions);
    const lockEphemeralSecret = p256SecretFromSeed(bytesOf(full, 'lockEphemeralSeed'));
    expect(toHex(lockEphemeralSecret)).toBe(full.lockEphemeralSecret);
    const lockEphemeralKey = crypto.publicKeyOf('ES256', lockEphemeralSecret);
    expect(toHex(lockEphemeralKey)).toBe(full.lockEphemeralKey);

    let nonce: Uint8Array;
    if (form === 1) {
      // Form 1: 0x01 ‖ versions ‖ SHA-256("latchkey/2 commit" ‖ EL)[0..19); the nonce is the commitment.
      nonce = crypto.sha256(concatBytes(utf8('latchkey/2 commit'), lockEphemeralKey)).slice(0, 19);
      expect(toHex(nonce)).toBe(full.commitment);
      expect(toHex(concatBytes(new Uint8Array([0x01, lockVersions]), nonce))).toBe(full.challenge);
    } else {
      // Form 3: 0x03 ‖ versions ‖ EL ‖ Ed25519(lock, CBOR["latchkey/2 challenge", lockId, versions, EL]); the nonce is EL.
      nonce = lockEphemeralKey;
      const signedBytes = encodeDeterministic(['latchkey/2 challenge', lockId, lockVersions, lockEphemeralKey]);
      expect(toHex(signedBytes)).toBe(full.challengeSignedBytes);
      const signature = crypto.sign('EdDSA', bytesOf(lock, 'signingSecret'), signedBytes);
      expect(toHex(signature)).toBe(full.challengeSignature);
      expect(crypto.verify('EdDSA', bytesOf(lock, 'signingKey'), signedBytes, signature)).toBe(true);
      expect(toHex(concatBytes(new Uint8Array([0x03, lockVersions]), lockEphemeralKey, signature))).toBe(full.challenge);
    }
    expect(toHex(nonce)).toBe(full.nonce);
    const phoneEphemeralSecret = p256SecretFromSeed(bytesOf(full, 'phoneEphemeralSeed'));
    const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneEphemeralSecret);
    expect([toHex(phoneEphemeralSecret), toHex(phoneEphemeralKey)]).toEqual([full.phoneEphemeralSecret, full.phoneEphemeralKey]);
    const phoneVersions = numberOf(full, 'phoneVersions');
    expect(phoneVersions).toBe(0b10);
    // The chosen version is the highest common one, as its bit.
    expect(full.version).toBe(0b10);

    const keysHash = crypto.sha256(encodeDeterministic(['latchkey/2 keys', lockId, bytesOf(lock, 'signingKey'), bytesOf(lock, 'agreementKey')]));
    expect(toHex(keysHash)).toBe(full.keysHash);
    const th1Input = encodeDeterministic(['latchkey/2 TH1', form, lockId, keysHash, lockVersions, nonce, phoneVersions, phoneEphemeralKey]);
    expect(toHex(th1Input)).toBe(full.th1Input);
    const th1 = crypto.sha256(th1Input);
    expect(toHex(th1)).toBe(full.th1);
    expect(toHex(transcriptHash1(crypto, { form, lockId, keysHash, lockVersions, nonce, phoneVersions, phoneEphemeralKey }))).toBe(full.th1);

    const staticShared = crypto.ecdhP256(phoneEphemeralSecret, bytesOf(lock, 'agreementKey'));
    expect(toHex(crypto.ecdhP256(bytesOf(lock, 'agreementSecret'), phoneEphemeralKey))).toBe(toHex(staticShared));
    expect(toHex(staticShared)).toBe(full.staticSharedSecret);
    const ephemeralShared = crypto.ecdhP256(phoneEphemeralSecret, lockEphemeralKey);
    expect(toHex(crypto.ecdhP256(lockEphemeralSecret, phoneEphemeralKey))).toBe(toHex(ephemeralShared));
    expect(toHex(ephemeralShared)).toBe(full.ephemeralSharedSecret);
    // k_req: the static ECDH alone after a commitment (EL unknown yet), ss_ee ‖ ss_es after forms 2/3.
    const requestIkm = form === 1 ? staticShared : concatBytes(ephemeralShared, staticShared);
    expect(toHex(requestIkm)).toBe(full.requestKeyIkm);
    const kReq = hkdfByHmac(crypto, requestIkm, th1, utf8('latchkey/2 request'), 32);
    expect(toHex(kReq)).toBe(full.requestKey);
    expect(toHex(crypto.hkdfSha256(requestIkm, th1, utf8('latchkey/2 request'), 32))).toBe(full.requestKey);
    expect(toHex(requestKey(crypto, form, staticShared, form === 1 ? undefined : ephemeralShared, th1))).toBe(full.requestKey);

    const credential = bytesOf(section('credentialEdDSA'), 'credential');
    const credentialHash = crypto.sha256(credential);
    expect(toHex(credentialHash)).toBe(full.credentialHash);
    const holderBytes = encodeDeterministic(['latchkey/2 holder', th1, credentialHash, 1]);
    expect(toHex(holderBytes)).toBe(full.holderSignedBytes);
    expect(toHex(holderSignedBytes(th1, credentialHash, 1))).toBe(full.holderSignedBytes);
    const holderSignature = crypto.sign('ES256', bytesOf(keys.holder!, 'secretKey'), holderBytes);
    expect(toHex(holderSignature)).toBe(full.holderSignature);
    expect(crypto.verify('ES256', bytesOf(keys.holder!, 'publicKey'), holderBytes, holderSignature)).toBe(true);

    const sealedInner = encodeDeterministic([1, holderSignature, [], credential]);
    expect(toHex(sealedInner)).toBe(full.sealedInner);
    const requestIv = concatBytes(utf8('lk2-p2l\0'), u32be(0));
    expect(toHex(requestIv)).toBe(full.requestIv);
    const requestSealed = crypto.aesGcmSeal(kReq, requestIv, th1, sealedInner);
    expect(toHex(requestSealed)).toBe(full.requestSealed);
    expect(toHex(crypto.aesGcmOpen(kReq, requestIv, th1, requestSealed)!)).toBe(full.sealedInner);
    const request = encodeDeterministic([1, numberOf(full, 'version'), phoneVersions, phoneEphemeralKey, requestSealed]);
    expect(toHex(request)).toBe(full.request);

    const th2Input = encodeDeterministic(['latchkey/2 TH2', th1, credentialHash, 1, lockEphemeralKey]);
    expect(toHex(th2Input)).toBe(full.th2Input);
    const th2 = crypto.sha256(th2Input);
    expect(toHex(th2)).toBe(full.th2);
    expect(toHex(transcriptHash2(crypto, th1, credentialHash, 1, lockEphemeralKey))).toBe(full.th2);
    const okm = hkdfByHmac(crypto, concatBytes(ephemeralShared, staticShared), th2, utf8('latchkey/2 session'), 96);
    expect([toHex(okm.slice(0, 32)), toHex(okm.slice(32, 64)), toHex(okm.slice(64, 96))]).toEqual([full.lockToPhoneKey, full.phoneToLockKey, full.resumptionKey]);
    const keysByCode = sessionKeys(crypto, ephemeralShared, staticShared, th2);
    expect([toHex(keysByCode.lockToPhone), toHex(keysByCode.phoneToLock), toHex(keysByCode.resumption)]).toEqual([full.lockToPhoneKey, full.phoneToLockKey, full.resumptionKey]);

    const status = numberOf(full, 'status');
    expect(status).toBe(0);
    // The lock decided when the closing write arrived; its clock is the simulator's (no offset, no drift).
    const lockTimeS = numberOf(full, 'lockTimeS');
    expect(lockTimeS).toBe(Math.floor((numberOf(full, 'startMs') + numberOf(full.timingMs as Section, 'requestWrittenMs')) / 1000));
    const lockBytes = encodeDeterministic(['latchkey/2 lock', th2, status, lockTimeS]);
    expect(toHex(lockBytes)).toBe(full.lockSignedBytes);
    expect(toHex(lockSignedBytes(th2, status, lockTimeS))).toBe(full.lockSignedBytes);
    const lockSignature = crypto.sign('EdDSA', bytesOf(lock, 'signingSecret'), lockBytes);
    expect(toHex(lockSignature)).toBe(full.lockSignature);
    expect(crypto.verify('EdDSA', bytesOf(lock, 'signingKey'), lockBytes, lockSignature)).toBe(true);
    const sealedResultPlain = encodeDeterministic([lockSignature, numberOf(full, 'ticketLifetimeS'), lockTimeS]);
    expect(toHex(sealedResultPlain)).toBe(full.sealedResultPlain);
    const resultIv = concatBytes(utf8('lk2-l2p\0'), u32be(0));
    expect(toHex(resultIv)).toBe(full.resultIv);
    const resultSealed = crypto.aesGcmSeal(okm.slice(0, 32), resultIv, th2, sealedResultPlain);
    expect(toHex(resultSealed)).toBe(full.resultSealed);
    // EL travels in the result only after a commitment (form 1); forms 2/3 handed it over already.
    expect(toHex(encodeDeterministic(form === 1 ? [1, status, lockEphemeralKey, resultSealed] : [1, status, resultSealed]))).toBe(full.result);

    const ticket = crypto.hmacSha256(okm.slice(64, 96), concatBytes(utf8('latchkey/2 ticket'), u32be(0))).slice(0, 8);
    expect(toHex(ticket)).toBe(full.ticketId);
    expect(toHex(ticketId(crypto, okm.slice(64, 96), 0))).toBe(full.ticketId);
  });

  it.each(fullExchanges)('%s: messages decode, chunks reassemble, the phone code rebuilds the request and accepts the result', async (name, form) => {
    const full = section(name);
    const mtu = numberOf(full, 'mtu');
    // The phone read the richest form its MTU allows, from that form's characteristic, in one ATT_READ_RSP.
    expect(challengeFormForMtu(mtu)).toBe(form);
    expect(full.characteristic).toBe(challengeCharacteristicOfForm[form]);
    const challengeBytes = bytesOf(full, 'challenge');
    expect(challengeBytes.length).toBeLessThan(mtu - 1);
    const challenge = decodeChallenge(challengeBytes);
    expect([challenge.form, challenge.lockVersions]).toEqual([form, full.lockVersions]);
    if (form === 1) expect(toHex(challenge.commitment!)).toBe(full.commitment);
    else expect([toHex(challenge.lockEphemeralKey!), toHex(challenge.lockSignature!)]).toEqual([full.lockEphemeralKey, full.challengeSignature]);
    const cert = certificate(crypto);
    expect(checkChallenge(crypto, challenge, cert, numberOf(full, 'phoneVersions'), form as ChallengeForm)).toBe(full.version);
    // The relay bound of a link with this connection interval, and the fixed times inside it.
    const timing = full.timingMs as Section;
    expect(full.relayBoundMs).toBe(Math.min(500, 150 + 12 * numberOf(timing, 'connIntervalMs')));
    expect(numberOf(timing, 'requestWrittenMs') - numberOf(timing, 'challengeReadMs')).toBeLessThanOrEqual(numberOf(full, 'relayBoundMs'));

    for (const chunkMtu of [23, 247]) expectChunksReassemble((full[`chunksMtu${chunkMtu}`] as string[]).map(fromHex), chunkMtu, full.request);
    const request = decodeRequest(bytesOf(full, 'request'));
    if (request.type !== 1) throw new Error('expected a full request');
    expect([request.version, request.phoneVersions, toHex(request.phoneEphemeralKey), toHex(request.sealed)]).toEqual([full.version, full.phoneVersions, full.phoneEphemeralKey, full.requestSealed]);
    const inner = decodeSealedInner(bytesOf(full, 'sealedInner'));
    expect([inner.action, toHex(inner.holderSignature), inner.updates.length, toHex(inner.credentialOrHash)]).toEqual([full.action, full.holderSignature, 0, section('credentialEdDSA').credential]);
    expect(full.finalWriteAttError).toBe(0);
    expect(full.lockOutputs).toEqual(['audit unlocked', 'actuate']);

    // The real phone code, given the same ephemeral seed, sends exactly this request.
    const holderSecret = bytesOf(keys.holder!, 'secretKey');
    const holder: HolderSigner = { publicKey: bytesOf(keys.holder!, 'publicKey'), sign: (message) => crypto.sign('ES256', holderSecret, message) };
    const built = await buildFullRequest({ crypto, random: () => bytesOf(full, 'phoneEphemeralSeed'), lock: cert, challengeBytes, minimumForm: form as ChallengeForm, credential: bytesOf(section('credentialEdDSA'), 'credential'), sendHashOnly: false, holder, updates: [] });
    expect(toHex(built.message)).toBe(full.request);
    expect(toHex(built.pending.th1)).toBe(full.th1);

    const result = decodeResult(bytesOf(full, 'result'));
    if (result.type !== 1 || result.sealed === undefined) throw new Error('expected an authenticated full result');
    expect(result.lockEphemeralKey === undefined ? undefined : toHex(result.lockEphemeralKey)).toBe(form === 1 ? full.lockEphemeralKey : undefined);
    expect(toHex(result.sealed)).toBe(full.resultSealed);
    const sealed = decodeSealedResult(bytesOf(full, 'sealedResultPlain'));
    expect([toHex(sealed.lockSignature), sealed.ticketLifetimeS, sealed.lockTimeS]).toEqual([full.lockSignature, full.ticketLifetimeS, full.lockTimeS]);
    const outcome = openFullResult(crypto, pendingOf(full), cert, bytesOf(full, 'result'), nowS);
    expect([outcome.status, outcome.authenticated, outcome.lockTimeS]).toEqual(['unlocked', true, full.lockTimeS]);
    expect(toHex(outcome.ticket!.resumption)).toBe(full.resumptionKey);
    expect(outcome.ticket!.lockVersions).toBe(keys.lock!.versions);
  });

  it('resume exchange: ticket, transcript and MACs recomputed; the phone code rebuilds the request and accepts the lock MAC', () => {
    // The ticket is the one the form-3 exchange handed out.
    expect(resume.ticketFrom).toBe('fullExchangeForm3');
    expect(resume.resumptionKey).toBe(section('fullExchangeForm3').resumptionKey);
    const resumption = bytesOf(resume, 'resumptionKey');
    const counter = numberOf(resume, 'ticketCounter');
    const ticket = crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 ticket'), u32be(counter))).slice(0, 8);
    expect(toHex(ticket)).toBe(resume.ticketId);
    expect(toHex(ticket)).toBe(section('fullExchangeForm3').ticketId);

    // A form-1 challenge, read at MTU 23; its nonce is the commitment.
    const form = numberOf(resume, 'form');
    expect(form).toBe(1);
    expect(challengeFormForMtu(numberOf(resume, 'mtu'))).toBe(form);
    expect(resume.characteristic).toBe(challengeCharacteristicOfForm[1]);
    const lockEphemeralKey = crypto.publicKeyOf('ES256', p256SecretFromSeed(bytesOf(resume, 'lockEphemeralSeed')));
    expect(toHex(lockEphemeralKey)).toBe(resume.lockEphemeralKey);
    const nonce = crypto.sha256(concatBytes(utf8('latchkey/2 commit'), lockEphemeralKey)).slice(0, 19);
    expect(toHex(nonce)).toBe(resume.nonce);
    const lockVersions = numberOf(keys.lock!, 'versions');
    expect(toHex(concatBytes(new Uint8Array([0x01, lockVersions]), nonce))).toBe(resume.challenge);
    const challenge = decodeChallenge(bytesOf(resume, 'challenge'));
    expect([challenge.form, challenge.lockVersions, toHex(challenge.commitment!)]).toEqual([1, lockVersions, resume.nonce]);

    const updates = (resume.updates as string[]).map(fromHex);
    expect(resume.updates).toEqual([section('lockUpdate').update]);
    const updatesCbor = encodeDeterministic(updates);
    expect(toHex(updatesCbor)).toBe(resume.updatesCbor);
    const updatesHash = crypto.sha256(updatesCbor);
    expect(toHex(updatesHash)).toBe(resume.updatesHash);
    const lockId = bytesOf(keys.lock!, 'lockId');
    const phoneVersions = numberOf(resume, 'phoneVersions');
    expect([phoneVersions, resume.version]).toEqual([0b10, 0b10]);
    const transcriptInput = encodeDeterministic(['latchkey/2 resume', form, lockId, lockVersions, nonce, phoneVersions, ticket, 1, updatesHash]);
    expect(toHex(transcriptInput)).toBe(resume.transcriptInput);
    const transcript = crypto.sha256(transcriptInput);
    expect(toHex(transcript)).toBe(resume.transcript);
    expect(toHex(resumeTranscript(crypto, { form: 1, lockId, lockVersions, nonce, phoneVersions, ticketId: ticket, action: 1, updatesHash }))).toBe(resume.transcript);
    const phoneMac = crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 phone'), transcript)).slice(0, 16);
    expect(toHex(phoneMac)).toBe(resume.phoneMac);
    expect(toHex(phoneResumeMac(crypto, resumption, transcript))).toBe(resume.phoneMac);
    expect(toHex(encodeDeterministic([2, numberOf(resume, 'version'), phoneVersions, ticket, 1, updates, phoneMac]))).toBe(resume.request);
    const request = decodeRequest(bytesOf(resume, 'request'));
    expect(request.type).toBe(2);
    for (const mtu of [23, 247]) expectChunksReassemble((resume[`chunksMtu${mtu}`] as string[]).map(fromHex), mtu, resume.request);
    const phoneTicket = { lockId, lockVersions, resumption, counter, expiresAtS: nowS + 3600 };
    const built = buildResumeRequest(crypto, phoneTicket, bytesOf(resume, 'challenge'), updates);
    expect(toHex(built.message)).toBe(resume.request);
    expect(toHex(built.pending.transcript)).toBe(resume.transcript);

    expect(resume.finalWriteAttError).toBe(0);
    expect(resume.lockOutputs).toEqual(['audit update_applied', 'audit unlocked', 'actuate']);
    const status = numberOf(resume, 'status');
    const lockMac = crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 lock'), transcript, new Uint8Array([status]))).slice(0, 16);
    expect(toHex(lockMac)).toBe(resume.lockMac);
    expect(toHex(lockResumeMac(crypto, resumption, transcript, status))).toBe(resume.lockMac);
    expect(toHex(encodeDeterministic([2, status, lockMac]))).toBe(resume.result);
    expect(openResumeResult(crypto, built.pending, bytesOf(resume, 'result'))).toEqual({ status: 'unlocked', code: undefined, authenticated: true });
    expect(numberOf(resume, 'nextTicketCounter')).toBe(counter + 1);
    expect(toHex(crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/2 ticket'), u32be(counter + 1))).slice(0, 8))).toBe(resume.nextTicketId);
    expect(toHex(ticketId(crypto, resumption, numberOf(resume, 'nextTicketCounter')))).toBe(resume.nextTicketId);
  });
});

describe('docs/PROTOCOL.md is generated from the same code', () => {
  it('holds exactly the vectors the script writes', () => {
    expect(readRegion(docText, 'vectors')).toBe(`\n${renderVectorsMarkdown(vectors)}\n`);
  });

  it('holds exactly the error table the script writes', () => {
    expect(readRegion(docText, 'errors')).toBe(`\n${renderErrorTable()}\n`);
  });

  it('holds exactly the limits table the script writes', () => {
    expect(readRegion(docText, 'limits')).toBe(`\n${renderLimitsTable()}\n`);
  });

  it('every hex value of the JSON appears in the doc', () => {
    const collect = (value: unknown, out: string[]): void => {
      if (typeof value === 'string' && /^(?:[0-9a-f]{2})+$/.test(value)) out.push(value);
      else if (Array.isArray(value)) for (const item of value) collect(item, out);
      else if (value !== null && typeof value === 'object') for (const item of Object.values(value)) collect(item, out);
    };
    const values: string[] = [];
    collect(vectors, values);
    const docHex = docText.replace(/[^0-9a-f\n]/g, ' ').split(/\s+/).join('');
    for (const value of values) expect(docHex.includes(value), value.slice(0, 32)).toBe(true);
  });
});

describe('the checks can fail', () => {
  const crypto = createNobleProvider();
  const flip = (bytes: Uint8Array, index: number): Uint8Array => {
    const copy = bytes.slice();
    copy[index]! ^= 0x01;
    return copy;
  };
  const codeOf = (run: () => unknown): string | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      return isLatchkeyError(error) ? error.code : `not a LatchkeyError: ${String(error)}`;
    }
  };
  const form3 = section('fullExchangeForm3');

  it('a credential with one signature bit flipped is refused', () => {
    const credential = bytesOf(section('credentialEdDSA'), 'credential');
    expect(codeOf(() => verifyCredential(crypto, flip(credential, credential.length - 1), trustedIssuers()))).toBe('cose_bad_signature');
  });

  it.each(fullExchanges)('%s: a lock result with one sealed bit flipped is refused by the phone', (name, form) => {
    const full = section(name);
    const result = decodeResult(bytesOf(full, 'result'));
    if (result.type !== 1 || result.sealed === undefined) throw new Error('expected an authenticated full result');
    const tampered = encodeDeterministic(form === 1 ? [1, result.status, result.lockEphemeralKey!, flip(result.sealed, 0)] : [1, result.status, flip(result.sealed, 0)]);
    expect(codeOf(() => openFullResult(crypto, pendingOf(full), certificate(crypto), tampered, nowS))).toBe('lock_proof_invalid');
    expect(codeOf(() => openFullResult(crypto, pendingOf(full), certificate(crypto), bytesOf(full, 'result'), nowS))).toBeUndefined();
  });

  it('a form-3 challenge whose signature has one bit flipped, a weaker form than asked, or other versions are refused before sending', () => {
    const challenge = bytesOf(form3, 'challenge');
    const cert = certificate(crypto);
    expect(codeOf(() => checkChallenge(crypto, decodeChallenge(challenge), cert, 0b10, 3))).toBeUndefined();
    expect(codeOf(() => checkChallenge(crypto, decodeChallenge(flip(challenge, challenge.length - 1)), cert, 0b10, 3))).toBe('lock_proof_invalid');
    expect(codeOf(() => checkChallenge(crypto, decodeChallenge(bytesOf(section('fullExchangeForm1'), 'challenge')), cert, 0b10, 3))).toBe('lock_proof_invalid');
    const downgraded = challenge.slice();
    downgraded[1] = 0b11;
    expect(codeOf(() => checkChallenge(crypto, decodeChallenge(downgraded), cert, 0b10, 3))).toBe('version_downgrade');
  });

  it('a changed transcript input, or a request key without ss_ee, changes the intermediate values', () => {
    const th1 = bytesOf(form3, 'th1');
    const staticShared = bytesOf(form3, 'staticSharedSecret');
    const ephemeralShared = bytesOf(form3, 'ephemeralSharedSecret');
    expect(toHex(requestKey(crypto, 3, staticShared, ephemeralShared, th1))).toBe(form3.requestKey);
    expect(toHex(requestKey(crypto, 3, staticShared, ephemeralShared, flip(th1, 0)))).not.toBe(form3.requestKey);
    expect(toHex(requestKey(crypto, 1, staticShared, undefined, th1))).not.toBe(form3.requestKey);
    expect(toHex(sessionKeys(crypto, ephemeralShared, staticShared, flip(bytesOf(form3, 'th2'), 31)).resumption)).not.toBe(form3.resumptionKey);
    expect(toHex(lockSignedBytes(bytesOf(form3, 'th2'), 0, numberOf(form3, 'lockTimeS') + 1))).not.toBe(form3.lockSignedBytes);
  });

  it('a doc whose hex drifted, or a vectors file that changed, no longer matches', () => {
    const firstHex = /\n {2}([0-9a-f]{2})/.exec(readRegion(docText, 'vectors'))!;
    const drifted = docText.replace(firstHex[0], `\n  ${firstHex[1] === '00' ? '01' : '00'}`);
    expect(drifted).not.toBe(docText);
    expect(renderDoc(drifted, vectors)).not.toBe(drifted);
    expect(readRegion(drifted, 'vectors')).not.toBe(`\n${renderVectorsMarkdown(vectors)}\n`);
    for (const name of ['fullExchangeForm1', 'fullExchangeForm3']) {
      const changed = structuredClone(vectors);
      (changed[name] as Record<string, unknown>).th1 = '00'.repeat(32);
      expect(serializeVectors(changed)).not.toBe(fileText);
      expect(renderVectorsMarkdown(changed)).not.toBe(renderVectorsMarkdown(vectors));
    }
  });
});
