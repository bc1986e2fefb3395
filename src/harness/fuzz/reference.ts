/**
 * Reference encodings, written independently of the core's encoders from the layouts documented
 * in credential.ts, lock-cert.ts and lock-update.ts, as raw CBOR trees. The fuzzer uses them twice:
 * as the starting point of structure-aware mutation, and as the oracle that an accepted input
 * re-encodes to exactly its own bytes.
 */
import { concatBytes } from '../../protocol/bytes.ts';
import type { CredentialClaims } from '../../protocol/credential.ts';
import { signatureAlgorithms, type CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { IssuerSigningKey } from '../../protocol/issuer-keys.ts';
import type { LockCertificate } from '../../protocol/lock-cert.ts';
import type { LockUpdate } from '../../protocol/lock-update.ts';
import { array, bool, bytes, encodeRaw, int, map, text, uint, type RawItem } from './raw-cbor.ts';

export function p256KeyTree(compressed: Uint8Array): RawItem {
  return map([uint(1), uint(2)], [int(-1), uint(1)], [int(-2), bytes(compressed.subarray(1))], [int(-3), bool(compressed[0] === 0x03)]);
}

export function ed25519KeyTree(publicKey: Uint8Array): RawItem {
  return map([uint(1), uint(1)], [int(-1), uint(6)], [int(-2), bytes(publicKey)]);
}

export function credentialPayloadTree(claims: CredentialClaims): RawItem {
  return map(
    [uint(1), text(claims.issuer)],
    [uint(2), text(claims.subject)],
    [uint(4), uint(claims.expiresAtS)],
    [uint(5), uint(claims.notBeforeS)],
    [uint(6), uint(claims.issuedAtS)],
    [uint(7), bytes(claims.credentialId)],
    [uint(8), map([uint(1), p256KeyTree(claims.holderKey)])],
    [int(-65537), map([uint(1), uint(1)], [uint(2), bytes(claims.grantId)], [uint(3), array(...claims.doors.map((door) => array(bytes(door.lockId), uint(door.sequence))))])],
  );
}

export function certificatePayloadTree(cert: LockCertificate): RawItem {
  return map(
    [uint(1), text(cert.issuer)],
    [uint(4), uint(cert.expiresAtS)],
    [uint(6), uint(cert.issuedAtS)],
    [int(-65538), map([uint(1), bytes(cert.lockId)], [uint(2), ed25519KeyTree(cert.signingKey)], [uint(3), p256KeyTree(cert.agreementKey)])],
  );
}

export function updatePayloadTree(update: LockUpdate): RawItem {
  const body: [RawItem, RawItem][] = [
    [uint(1), bytes(update.lockId)],
    [uint(2), uint(update.version)],
    [uint(3), array(...update.revoked.map((entry) => array(bytes(entry.credentialId), uint(entry.expiresAtS))))],
    [uint(4), uint(update.sequenceFloor)],
  ];
  if (update.timeS !== undefined) body.push([uint(5), uint(update.timeS)]);
  if (update.issuers !== undefined) body.push([uint(6), array(...update.issuers.map((key) => array(bytes(key.kid), int(signatureAlgorithms[key.algorithm]), bytes(key.publicKey))))]);
  return map([uint(1), text(update.issuer)], [uint(6), uint(update.issuedAtS)], [int(-65539), map(...body)]);
}

export function protectedTree(algorithmId: number, kid: Uint8Array): RawItem {
  return map([uint(1), int(algorithmId)], [uint(4), bytes(kid)]);
}

/** COSE_Sign1 (RFC 9052 §4.2), untagged, empty unprotected bucket, from already encoded parts. */
export function sign1Tree(protectedBytes: Uint8Array, payload: Uint8Array, signature: Uint8Array, unprotected: RawItem = map()): RawItem {
  return array(bytes(protectedBytes), unprotected, bytes(payload), bytes(signature));
}

/** Sig_structure (RFC 9052 §4.4) with empty external_aad. */
export function toBeSigned(protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeRaw(array(text('Signature1'), bytes(protectedBytes), bytes(new Uint8Array(0)), bytes(payload)));
}

export function signParts(crypto: CryptoProvider, issuer: IssuerSigningKey, protectedBytes: Uint8Array, payload: Uint8Array): Uint8Array {
  return crypto.sign(issuer.algorithm, issuer.secretKey, toBeSigned(protectedBytes, payload));
}

/** The canonical COSE_Sign1 bytes for a decoded document: what an accepted input must equal. */
export function referenceSign1(algorithmId: number, kid: Uint8Array, payloadTree: RawItem, signature: Uint8Array): Uint8Array {
  return encodeRaw(sign1Tree(encodeRaw(protectedTree(algorithmId, kid)), encodeRaw(payloadTree), signature));
}

/** ECDSA signature malleation: (r, s) → (r, n − s) verifies too (high S is accepted by design). */
export function malleateP256Signature(signature: Uint8Array): Uint8Array {
  const order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
  let s = 0n;
  for (const byte of signature.subarray(32)) s = (s << 8n) | BigInt(byte);
  let flipped = order - s;
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(flipped & 0xffn);
    flipped >>= 8n;
  }
  return concatBytes(signature.subarray(0, 32), out);
}
