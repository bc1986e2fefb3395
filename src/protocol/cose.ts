/**
 * COSE_Sign1 (RFC 9052 §4.2) and EC2/OKP COSE_Key (RFC 9052 §7, RFC 9053 §7) in the latchkey
 * profile: untagged COSE_Sign1 (the context is always known); protected header = {alg, kid};
 * unprotected header must be empty (so `alg` can never sit there); any `crit` is unknown and
 * rejected; alg must be in the caller's allowlist; attached payload only. Every COSE_Sign1 here is
 * issuer-signed, so an ES256 signature must have a low S (s ≤ n/2): with (r, n − s) also valid, a
 * document would have two encodings and two hashes (credential hash, cache keys).
 */
import { concatBytes, isBytes, utf8 } from './bytes.ts';
import { asArray, asBytes, asInt, asMap, cborMap, decodeStrict, encodeDeterministic, type CborValue } from './cbor.ts';
import { algorithmOfId, isHighS, signatureAlgorithms, type CryptoProvider, type SignatureAlgorithm } from './crypto/provider.ts';
import { LatchkeyError, assert } from './errors.ts';
import { limits } from './limits.ts';

/** Header labels, RFC 9052 §3.1. */
export const headerLabel = { alg: 1, crit: 2, contentType: 3, kid: 4 } as const;
/** COSE_Key labels, RFC 9052 §7.1 and RFC 9053 §7.1. */
export const keyLabel = { kty: 1, kid: 2, alg: 3, crv: -1, x: -2, y: -3 } as const;
export const keyType = { OKP: 1, EC2: 2 } as const;
export const curve = { P256: 1, Ed25519: 6 } as const;

export const kidBytesMax = 16;

export interface Sign1 {
  /** The serialized protected header bucket, exactly as signed. */
  protectedBytes: Uint8Array;
  algorithm: SignatureAlgorithm;
  kid: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

/** CBOR head of a byte string of `length` bytes, shortest form (RFC 8949 §3). */
function bstrHead(length: number): Uint8Array {
  if (length < 24) return Uint8Array.of(0x40 | length);
  if (length < 0x100) return Uint8Array.of(0x58, length);
  if (length < 0x10000) return Uint8Array.of(0x59, length >> 8, length & 0xff);
  return Uint8Array.of(0x5a, length >>> 24, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
}

/** [4-array, tstr "Signature1"] — the fixed prefix of every Sig_structure. */
const sigStructurePrefix = Uint8Array.of(0x84, 0x6a, ...utf8('Signature1'));
const emptyExternalAad = Uint8Array.of(0x40);

/**
 * Sig_structure for COSE_Sign1, RFC 9052 §4.4 (external_aad is empty in latchkey), assembled
 * directly: it is on every verify's path and its shape never varies. Equal to
 * encodeDeterministic(['Signature1', protected, h'', payload]) (tested).
 */
export function toBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return concatBytes(sigStructurePrefix, bstrHead(protectedBytes.length), protectedBytes, emptyExternalAad, bstrHead(payload.length), payload);
}

export function signSign1(crypto: CryptoProvider, algorithm: SignatureAlgorithm, secretKey: Uint8Array, kid: Uint8Array, payload: Uint8Array): Uint8Array {
  const protectedBytes = encodeDeterministic(cborMap([[headerLabel.alg, signatureAlgorithms[algorithm]], [headerLabel.kid, kid]]));
  const signature = crypto.sign(algorithm, secretKey, toBeSigned(protectedBytes, payload));
  // Our own signer making a signature our verifier refuses is a bug, not bad input.
  assert(algorithm !== 'ES256' || !isHighS(signature), 'signSign1: the provider produced a high-S ES256 signature');
  return encodeDeterministic([protectedBytes, cborMap([]), payload, signature]);
}

/**
 * Parses a COSE_Sign1 (structure, canonical CBOR, header rules, alg allowlist) without checking
 * the signature: the caller picks the key by kid, then calls `verifySign1Signature`.
 */
export function parseSign1(bytes: Uint8Array, allowedAlgorithms: readonly SignatureAlgorithm[], bytesMax: number): Sign1 {
  if (!isBytes(bytes)) throw new LatchkeyError('cose_bad_structure', 'COSE_Sign1: expected a Uint8Array');
  if (bytes.length > bytesMax) throw new LatchkeyError('cbor_too_large', `COSE_Sign1 of ${bytes.length} bytes over ${bytesMax}`);
  const top = decodeStrict(bytes, { bytesMax, depthMax: limits.cborDepthMax, itemsMax: limits.cborItemsMax });
  const [protectedBytesValue, unprotected, payloadValue, signatureValue] = asArray(top, 'COSE_Sign1', 'cose_bad_structure', 4, 4);
  const protectedBytes = asBytes(protectedBytesValue, 'protected', 'cose_bad_structure', 1, 64);
  const unprotectedMap = asMap(unprotected, 'unprotected', 'cose_bad_structure');
  if (unprotectedMap.size !== 0) {
    throw new LatchkeyError('cose_alg_unprotected', `unprotected header must be empty (has ${[...unprotectedMap.keys()].join(',')})`);
  }
  const payload = asBytes(payloadValue, 'payload', 'cose_bad_structure', 1, bytesMax);
  const signature = asBytes(signatureValue, 'signature', 'cose_bad_structure', 64, 64);
  const header = asMap(decodeStrict(protectedBytes), 'protected header', 'cose_bad_structure');
  if (header.has(headerLabel.crit)) throw new LatchkeyError('cose_unknown_critical', 'no critical header is understood by this profile');
  for (const label of header.keys()) {
    if (label !== headerLabel.alg && label !== headerLabel.kid) throw new LatchkeyError('cose_bad_structure', `unexpected protected header ${String(label)}`);
  }
  const algorithm = algorithmOfId(asInt(header.get(headerLabel.alg), 'alg', 'cose_bad_structure'));
  if (algorithm === undefined || !allowedAlgorithms.includes(algorithm)) throw new LatchkeyError('cose_alg_not_allowed', `alg ${String(header.get(headerLabel.alg))}`);
  const kid = asBytes(header.get(headerLabel.kid), 'kid', 'cose_bad_structure', 1, kidBytesMax);
  return { protectedBytes, algorithm, kid, payload, signature };
}

/** Issuer signature check (low S required for ES256); throws cose_bad_signature. */
export function verifySign1Signature(crypto: CryptoProvider, sign1: Sign1, publicKey: Uint8Array): void {
  if (!crypto.verify(sign1.algorithm, publicKey, toBeSigned(sign1.protectedBytes, sign1.payload), sign1.signature, { lowS: true })) {
    throw new LatchkeyError('cose_bad_signature');
  }
}

// -- COSE_Key: P-256 public keys travel compressed (y = sign bit as a bool, RFC 9053 §7.1.1) --

export function encodeP256CoseKey(compressedPublicKey: Uint8Array): Map<number | string, CborValue> {
  if (compressedPublicKey.length !== 33) throw new RangeError('encodeP256CoseKey: expected a 33-byte compressed point');
  return cborMap([
    [keyLabel.kty, keyType.EC2],
    [keyLabel.crv, curve.P256],
    [keyLabel.x, compressedPublicKey.subarray(1)],
    [keyLabel.y, compressedPublicKey[0] === 0x03],
  ]);
}

export function decodeP256CoseKey(value: CborValue | undefined): Uint8Array {
  const map = asMap(value, 'COSE_Key', 'cose_bad_key');
  if (map.size !== 4 || map.get(keyLabel.kty) !== keyType.EC2 || map.get(keyLabel.crv) !== curve.P256) throw new LatchkeyError('cose_bad_key', 'expected an EC2 P-256 key {kty, crv, x, y}');
  const x = asBytes(map.get(keyLabel.x), 'x', 'cose_bad_key', 32, 32);
  const y = map.get(keyLabel.y);
  if (typeof y !== 'boolean') throw new LatchkeyError('cose_bad_key', 'y must be the compressed sign bit');
  return concatBytes(new Uint8Array([y ? 0x03 : 0x02]), x);
}

export function encodeEd25519CoseKey(publicKey: Uint8Array): Map<number | string, CborValue> {
  return cborMap([
    [keyLabel.kty, keyType.OKP],
    [keyLabel.crv, curve.Ed25519],
    [keyLabel.x, publicKey],
  ]);
}

export function decodeEd25519CoseKey(value: CborValue | undefined): Uint8Array {
  const map = asMap(value, 'COSE_Key', 'cose_bad_key');
  if (map.size !== 3 || map.get(keyLabel.kty) !== keyType.OKP || map.get(keyLabel.crv) !== curve.Ed25519) throw new LatchkeyError('cose_bad_key', 'expected an OKP Ed25519 key {kty, crv, x}');
  return asBytes(map.get(keyLabel.x), 'x', 'cose_bad_key', 32, 32);
}

/** Domain-separation label helper used by transcripts. */
export const label = (text: string): Uint8Array => utf8(text);
