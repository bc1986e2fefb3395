/**
 * The protocol's test vectors (test/vectors/latchkey-v1.json) against the code and the spec.
 *
 * For both crypto providers: regenerating the vectors gives the file byte for byte; every vector
 * parses and verifies with the protocol's own parsers; the key schedule recomputed here from the
 * formulas in docs/PROTOCOL.md (primitives only: SHA-256, HKDF, HMAC, ECDH, AES-GCM, deterministic
 * CBOR) gives every intermediate value; and docs/PROTOCOL.md holds exactly the generated regions.
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
import type { TrustedIssuerKey } from '../../src/protocol/issuer-keys.ts';
import { verifyLockCertificate, type LockCertificate } from '../../src/protocol/lock-cert.ts';
import { verifyLockUpdate } from '../../src/protocol/lock-update.ts';
import { decodeChallenge } from '../../src/protocol/unlock/challenge.ts';
import { Reassembler } from '../../src/protocol/unlock/chunking.ts';
import {
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
import { openFullResult, openResumeResult } from '../../src/protocol/unlock/phone-exchange.ts';

const fileText = readFileSync(vectorsPath, 'utf8');
const vectors = JSON.parse(fileText) as VectorObject;
const docText = readFileSync(protocolDocPath, 'utf8');

type Section = Record<string, unknown>;
const section = (name: string): Section => vectors[name] as Section;
const keys = section('keys') as Record<string, Section>;
const full = section('fullExchange');
const resume = section('resumeExchange');
const nowS = vectors.nowS as number;

/** Bytes of a hex field, failing loudly if the field is missing. */
function bytesOf(from: Section, field: string): Uint8Array {
  const value = from[field];
  if (typeof value !== 'string') throw new Error(`vector field ${field} is not hex`);
  return fromHex(value);
}
const numberOf = (from: Section, field: string): number => from[field] as number;

function trustedIssuers(): TrustedIssuerKey[] {
  return ['issuerEdDSA', 'issuerES256'].map((name) => ({ kid: bytesOf(keys[name]!, 'kid'), algorithm: keys[name]!.algorithm as SignatureAlgorithm, publicKey: bytesOf(keys[name]!, 'publicKey') }));
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

const providers: CryptoProvider[] = [createNobleProvider(), createNodeProvider()];

describe.each(providers.map((crypto) => [crypto.name, crypto] as const))('latchkey-v1 vectors with the %s provider', (_name, crypto) => {
  it('regenerating the vectors gives the file byte for byte', async () => {
    expect(serializeVectors(await buildVectors(crypto))).toBe(fileText);
  });

  it('keys: every public key follows from its secret', () => {
    for (const name of ['issuerEdDSA', 'issuerES256']) {
      const key = keys[name]!;
      expect(toHex(crypto.publicKeyOf(key.algorithm as SignatureAlgorithm, bytesOf(key, 'secretKey')))).toBe(key.publicKey);
    }
    expect(toHex(crypto.publicKeyOf('ES256', bytesOf(keys.holder!, 'secretKey')))).toBe(keys.holder!.publicKey);
    expect(toHex(crypto.publicKeyOf('EdDSA', bytesOf(keys.lock!, 'signingSecret')))).toBe(keys.lock!.signingKey);
    expect(toHex(crypto.publicKeyOf('ES256', bytesOf(keys.lock!, 'agreementSecret')))).toBe(keys.lock!.agreementKey);
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

  it('lock certificate verifies and carries the lock keys', () => {
    const vector = section('lockCertificate');
    const cert = verifyLockCertificate(crypto, bytesOf(vector, 'certificate'), trustedIssuers(), nowS);
    const fields = vector.fields as Section;
    expect([cert.issuer, cert.issuedAtS, cert.expiresAtS]).toEqual([fields.iss, fields.iat, fields.exp]);
    expect([toHex(cert.lockId), toHex(cert.signingKey), toHex(cert.agreementKey)]).toEqual([fields.lockId, fields.signingKey, fields.agreementKey]);
    expect([fields.lockId, fields.signingKey, fields.agreementKey]).toEqual([keys.lock!.lockId, keys.lock!.signingKey, keys.lock!.agreementKey]);
  });

  it('lock update verifies with every field', () => {
    const vector = section('lockUpdate');
    const update = verifyLockUpdate(crypto, bytesOf(vector, 'update'), trustedIssuers());
    const fields = vector.fields as Section;
    expect([update.issuer, update.issuedAtS, toHex(update.lockId), update.version, update.sequenceFloor, update.timeS]).toEqual([fields.iss, fields.iat, fields.lockId, fields.version, fields.sequenceFloor, fields.timeS]);
    expect(update.revoked.map((entry) => ({ cti: toHex(entry.credentialId), exp: entry.expiresAtS }))).toEqual(fields.revoked);
    expect(update.issuers?.map((key) => ({ kid: toHex(key.kid), alg: key.algorithm === 'ES256' ? -7 : -8, publicKey: toHex(key.publicKey) }))).toEqual(fields.issuers);
  });

  it('full exchange: the key schedule recomputed from its inputs gives every intermediate value', () => {
    const lockId = bytesOf(keys.lock!, 'lockId');
    const lockEphemeralSecret = p256SecretFromSeed(bytesOf(full, 'lockEphemeralSeed'));
    expect(toHex(lockEphemeralSecret)).toBe(full.lockEphemeralSecret);
    const lockEphemeralKey = crypto.publicKeyOf('ES256', lockEphemeralSecret);
    expect(toHex(lockEphemeralKey)).toBe(full.lockEphemeralKey);
    // Challenge: 0x01 ‖ lock versions ‖ SHA-256("latchkey/1 commit" ‖ lockEph)[0..19).
    const commitment = crypto.sha256(concatBytes(utf8('latchkey/1 commit'), lockEphemeralKey)).slice(0, 19);
    expect(toHex(commitment)).toBe(full.commitment);
    const lockVersions = 1;
    expect(toHex(concatBytes(new Uint8Array([0x01, lockVersions]), commitment))).toBe(full.challenge);
    const phoneEphemeralSecret = p256SecretFromSeed(bytesOf(full, 'phoneEphemeralSeed'));
    const phoneEphemeralKey = crypto.publicKeyOf('ES256', phoneEphemeralSecret);
    expect([toHex(phoneEphemeralSecret), toHex(phoneEphemeralKey)]).toEqual([full.phoneEphemeralSecret, full.phoneEphemeralKey]);
    const phoneVersions = numberOf(full, 'phoneVersions');

    const th1Input = encodeDeterministic(['latchkey/1 TH1', lockId, lockVersions, commitment, phoneVersions, phoneEphemeralKey]);
    expect(toHex(th1Input)).toBe(full.th1Input);
    const th1 = crypto.sha256(th1Input);
    expect(toHex(th1)).toBe(full.th1);
    expect(toHex(transcriptHash1(crypto, { lockId, lockVersions, commitment, phoneVersions, phoneEphemeralKey }))).toBe(full.th1);

    const staticShared = crypto.ecdhP256(phoneEphemeralSecret, bytesOf(keys.lock!, 'agreementKey'));
    expect(toHex(crypto.ecdhP256(bytesOf(keys.lock!, 'agreementSecret'), phoneEphemeralKey))).toBe(toHex(staticShared));
    expect(toHex(staticShared)).toBe(full.staticSharedSecret);
    const kReq = hkdfByHmac(crypto, staticShared, th1, utf8('latchkey/1 request'), 32);
    expect(toHex(kReq)).toBe(full.requestKey);
    expect(toHex(crypto.hkdfSha256(staticShared, th1, utf8('latchkey/1 request'), 32))).toBe(full.requestKey);
    expect(toHex(requestKey(crypto, staticShared, th1))).toBe(full.requestKey);

    const credential = bytesOf(section('credentialEdDSA'), 'credential');
    const credentialHash = crypto.sha256(credential);
    expect(toHex(credentialHash)).toBe(full.credentialHash);
    const holderBytes = encodeDeterministic(['latchkey/1 holder', th1, credentialHash, 1]);
    expect(toHex(holderBytes)).toBe(full.holderSignedBytes);
    expect(toHex(holderSignedBytes(th1, credentialHash, 1))).toBe(full.holderSignedBytes);
    const holderSignature = crypto.sign('ES256', bytesOf(keys.holder!, 'secretKey'), holderBytes);
    expect(toHex(holderSignature)).toBe(full.holderSignature);
    expect(crypto.verify('ES256', bytesOf(keys.holder!, 'publicKey'), holderBytes, holderSignature)).toBe(true);

    const sealedInner = encodeDeterministic([1, holderSignature, [], credential]);
    expect(toHex(sealedInner)).toBe(full.sealedInner);
    const requestIv = concatBytes(utf8('lk1-p2l\0'), u32be(0));
    expect(toHex(requestIv)).toBe(full.requestIv);
    const requestSealed = crypto.aesGcmSeal(kReq, requestIv, th1, sealedInner);
    expect(toHex(requestSealed)).toBe(full.requestSealed);
    expect(toHex(crypto.aesGcmOpen(kReq, requestIv, th1, requestSealed)!)).toBe(full.sealedInner);
    const request = encodeDeterministic([1, numberOf(full, 'version'), phoneVersions, phoneEphemeralKey, requestSealed]);
    expect(toHex(request)).toBe(full.request);

    const th2Input = encodeDeterministic(['latchkey/1 TH2', th1, credentialHash, 1, lockEphemeralKey]);
    expect(toHex(th2Input)).toBe(full.th2Input);
    const th2 = crypto.sha256(th2Input);
    expect(toHex(th2)).toBe(full.th2);
    expect(toHex(transcriptHash2(crypto, th1, credentialHash, 1, lockEphemeralKey))).toBe(full.th2);
    const ephemeralShared = crypto.ecdhP256(phoneEphemeralSecret, lockEphemeralKey);
    expect(toHex(crypto.ecdhP256(lockEphemeralSecret, phoneEphemeralKey))).toBe(toHex(ephemeralShared));
    expect(toHex(ephemeralShared)).toBe(full.ephemeralSharedSecret);
    const okm = hkdfByHmac(crypto, concatBytes(ephemeralShared, staticShared), th2, utf8('latchkey/1 session'), 96);
    expect([toHex(okm.slice(0, 32)), toHex(okm.slice(32, 64)), toHex(okm.slice(64, 96))]).toEqual([full.lockToPhoneKey, full.phoneToLockKey, full.resumptionKey]);
    const keysByCode = sessionKeys(crypto, ephemeralShared, staticShared, th2);
    expect([toHex(keysByCode.lockToPhone), toHex(keysByCode.phoneToLock), toHex(keysByCode.resumption)]).toEqual([full.lockToPhoneKey, full.phoneToLockKey, full.resumptionKey]);

    const status = numberOf(full, 'status');
    expect(status).toBe(0);
    const lockBytes = encodeDeterministic(['latchkey/1 lock', th2, status]);
    expect(toHex(lockBytes)).toBe(full.lockSignedBytes);
    expect(toHex(lockSignedBytes(th2, status))).toBe(full.lockSignedBytes);
    const lockSignature = crypto.sign('EdDSA', bytesOf(keys.lock!, 'signingSecret'), lockBytes);
    expect(toHex(lockSignature)).toBe(full.lockSignature);
    expect(crypto.verify('EdDSA', bytesOf(keys.lock!, 'signingKey'), lockBytes, lockSignature)).toBe(true);
    const sealedResultPlain = encodeDeterministic([lockSignature, numberOf(full, 'ticketLifetimeS')]);
    expect(toHex(sealedResultPlain)).toBe(full.sealedResultPlain);
    const resultIv = concatBytes(utf8('lk1-l2p\0'), u32be(0));
    expect(toHex(resultIv)).toBe(full.resultIv);
    const resultSealed = crypto.aesGcmSeal(okm.slice(0, 32), resultIv, th2, sealedResultPlain);
    expect(toHex(resultSealed)).toBe(full.resultSealed);
    expect(toHex(encodeDeterministic([1, status, lockEphemeralKey, resultSealed]))).toBe(full.result);

    const ticket = crypto.hmacSha256(okm.slice(64, 96), concatBytes(utf8('latchkey/1 ticket'), u32be(0))).slice(0, 8);
    expect(toHex(ticket)).toBe(full.ticketId);
    expect(toHex(ticketId(crypto, okm.slice(64, 96), 0))).toBe(full.ticketId);
  });

  it('full exchange: messages decode, chunks reassemble, and the phone accepts the lock result', () => {
    const challenge = decodeChallenge(bytesOf(full, 'challenge'));
    expect(toHex(challenge.commitment)).toBe(full.commitment);
    expect(bytesOf(full, 'challenge').length).toBeLessThan(23 - 1);
    for (const mtu of [23, 247]) {
      const chunks = (full[`chunksMtu${mtu}`] as string[]).map(fromHex);
      const reassembler = new Reassembler();
      chunks.forEach((chunk, index) => {
        expect(chunk.length).toBeLessThanOrEqual(mtu - 3);
        expect(chunk[0]).toBe((index < chunks.length - 1 ? 0x80 : 0) | index);
        const message = reassembler.push(chunk);
        if (index < chunks.length - 1) expect(message).toBeUndefined();
        else expect(toHex(message!)).toBe(full.request);
      });
    }
    const request = decodeRequest(bytesOf(full, 'request'));
    if (request.type !== 1) throw new Error('expected a full request');
    expect([request.version, request.phoneVersions, toHex(request.phoneEphemeralKey), toHex(request.sealed)]).toEqual([full.version, full.phoneVersions, full.phoneEphemeralKey, full.requestSealed]);
    const inner = decodeSealedInner(bytesOf(full, 'sealedInner'));
    expect([inner.action, toHex(inner.holderSignature), inner.updates.length, toHex(inner.credentialOrHash)]).toEqual([full.action, full.holderSignature, 0, section('credentialEdDSA').credential]);
    expect(full.finalWriteAttError).toBe(0);
    expect(full.lockOutputs).toEqual(['actuate', 'audit unlocked']);

    const result = decodeResult(bytesOf(full, 'result'));
    if (result.type !== 1 || result.sealed === undefined) throw new Error('expected an authenticated full result');
    expect(decodeSealedResult(bytesOf(full, 'sealedResultPlain')).ticketLifetimeS).toBe(full.ticketLifetimeS);
    const cert: LockCertificate = verifyLockCertificate(crypto, bytesOf(section('lockCertificate'), 'certificate'), trustedIssuers(), nowS);
    const pending = {
      th1: bytesOf(full, 'th1'),
      challenge,
      phoneEphemeralSecret: bytesOf(full, 'phoneEphemeralSecret'),
      staticSharedSecret: bytesOf(full, 'staticSharedSecret'),
      credentialHash: bytesOf(full, 'credentialHash'),
      action: numberOf(full, 'action'),
    };
    const outcome = openFullResult(crypto, pending, cert, bytesOf(full, 'result'), nowS);
    expect(outcome.status).toBe('unlocked');
    expect(outcome.authenticated).toBe(true);
    expect(toHex(outcome.ticket!.resumption)).toBe(full.resumptionKey);
  });

  it('resume exchange: ticket, transcript and MACs recomputed; the phone accepts the lock MAC', () => {
    const resumption = bytesOf(resume, 'resumptionKey');
    expect(resume.resumptionKey).toBe(full.resumptionKey);
    const counter = numberOf(resume, 'ticketCounter');
    const ticket = crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/1 ticket'), u32be(counter))).slice(0, 8);
    expect(toHex(ticket)).toBe(resume.ticketId);
    const challenge = decodeChallenge(bytesOf(resume, 'challenge'));
    expect(toHex(crypto.sha256(concatBytes(utf8('latchkey/1 commit'), bytesOf(resume, 'lockEphemeralKey'))).slice(0, 19))).toBe(toHex(challenge.commitment));
    expect(toHex(crypto.publicKeyOf('ES256', p256SecretFromSeed(bytesOf(resume, 'lockEphemeralSeed'))))).toBe(resume.lockEphemeralKey);
    const updates = (resume.updates as string[]).map(fromHex);
    expect(resume.updates).toEqual([section('lockUpdate').update]);
    const updatesCbor = encodeDeterministic(updates);
    expect(toHex(updatesCbor)).toBe(resume.updatesCbor);
    const updatesHash = crypto.sha256(updatesCbor);
    expect(toHex(updatesHash)).toBe(resume.updatesHash);
    const lockId = bytesOf(keys.lock!, 'lockId');
    const transcriptInput = encodeDeterministic(['latchkey/1 resume', lockId, challenge.lockVersions, challenge.commitment, 1, ticket, 1, updatesHash]);
    expect(toHex(transcriptInput)).toBe(resume.transcriptInput);
    const transcript = crypto.sha256(transcriptInput);
    expect(toHex(transcript)).toBe(resume.transcript);
    expect(toHex(resumeTranscript(crypto, { lockId, lockVersions: challenge.lockVersions, commitment: challenge.commitment, phoneVersions: 1, ticketId: ticket, action: 1, updatesHash }))).toBe(resume.transcript);
    const phoneMac = crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/1 phone'), transcript)).slice(0, 16);
    expect(toHex(phoneMac)).toBe(resume.phoneMac);
    expect(toHex(phoneResumeMac(crypto, resumption, transcript))).toBe(resume.phoneMac);
    expect(toHex(encodeDeterministic([2, 1, 1, ticket, 1, updates, phoneMac]))).toBe(resume.request);
    const request = decodeRequest(bytesOf(resume, 'request'));
    expect(request.type).toBe(2);
    for (const mtu of [23, 247]) {
      const reassembler = new Reassembler();
      const messages = (resume[`chunksMtu${mtu}`] as string[]).map((chunk) => reassembler.push(fromHex(chunk)));
      expect(toHex(messages.at(-1)!)).toBe(resume.request);
    }
    const status = numberOf(resume, 'status');
    const lockMac = crypto.hmacSha256(resumption, concatBytes(utf8('latchkey/1 lock'), transcript, new Uint8Array([status]))).slice(0, 16);
    expect(toHex(lockMac)).toBe(resume.lockMac);
    expect(toHex(lockResumeMac(crypto, resumption, transcript, status))).toBe(resume.lockMac);
    expect(toHex(encodeDeterministic([2, status, lockMac]))).toBe(resume.result);
    expect(resume.lockOutputs).toEqual(['audit update_applied', 'actuate', 'audit unlocked']);
    const pendingTicket = { lockId, resumption, counter: counter + 1, expiresAtS: nowS + 86400 };
    expect(openResumeResult(crypto, { transcript, ticket: pendingTicket }, bytesOf(resume, 'result'))).toEqual({ status: 'unlocked', code: undefined, authenticated: true });
    expect(toHex(ticketId(crypto, resumption, numberOf(resume, 'nextTicketCounter')))).toBe(resume.nextTicketId);
  });
});

describe('docs/PROTOCOL.md is generated from the same code', () => {
  it('holds exactly the vectors, error table and limits table the script writes', () => {
    expect(readRegion(docText, 'vectors')).toBe(`\n${renderVectorsMarkdown(vectors)}\n`);
    expect(readRegion(docText, 'errors')).toBe(`\n${renderErrorTable()}\n`);
    expect(readRegion(docText, 'limits')).toBe(`\n${renderLimitsTable()}\n`);
    expect(renderDoc(docText, vectors)).toBe(docText);
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

  it('a credential with one signature bit flipped is refused', () => {
    const credential = bytesOf(section('credentialEdDSA'), 'credential');
    expect(codeOf(() => verifyCredential(crypto, flip(credential, credential.length - 1), trustedIssuers()))).toBe('cose_bad_signature');
  });

  it('a lock result with one sealed bit flipped is refused by the phone', () => {
    const result = decodeResult(bytesOf(full, 'result'));
    if (result.type !== 1 || result.sealed === undefined || result.lockEphemeralKey === undefined) throw new Error('expected an authenticated full result');
    const tampered = encodeDeterministic([1, result.status, result.lockEphemeralKey, flip(result.sealed, 0)]);
    const cert = verifyLockCertificate(crypto, bytesOf(section('lockCertificate'), 'certificate'), trustedIssuers(), nowS);
    const pending = { th1: bytesOf(full, 'th1'), challenge: decodeChallenge(bytesOf(full, 'challenge')), phoneEphemeralSecret: bytesOf(full, 'phoneEphemeralSecret'), staticSharedSecret: bytesOf(full, 'staticSharedSecret'), credentialHash: bytesOf(full, 'credentialHash'), action: 1 };
    expect(codeOf(() => openFullResult(crypto, pending, cert, tampered, nowS))).toBe('lock_proof_invalid');
  });

  it('a changed transcript input changes the intermediate values', () => {
    const th1 = bytesOf(full, 'th1');
    expect(toHex(requestKey(crypto, bytesOf(full, 'staticSharedSecret'), flip(th1, 0)))).not.toBe(full.requestKey);
    expect(toHex(sessionKeys(crypto, bytesOf(full, 'ephemeralSharedSecret'), bytesOf(full, 'staticSharedSecret'), flip(bytesOf(full, 'th2'), 31)).resumption)).not.toBe(full.resumptionKey);
  });

  it('a doc whose hex drifted, or a vectors file that changed, no longer matches', async () => {
    const firstHex = /\n {2}([0-9a-f]{2})/.exec(readRegion(docText, 'vectors'))!;
    const drifted = docText.replace(firstHex[0], `\n  ${firstHex[1] === '00' ? '01' : '00'}`);
    expect(drifted).not.toBe(docText);
    expect(renderDoc(drifted, vectors)).not.toBe(drifted);
    const changed = structuredClone(vectors);
    (changed.fullExchange as Record<string, unknown>).th1 = '00'.repeat(32);
    expect(serializeVectors(changed)).not.toBe(fileText);
    expect(renderDoc(docText, changed)).not.toBe(docText);
  });
});
