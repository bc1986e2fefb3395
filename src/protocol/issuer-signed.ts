/**
 * Issuer-signed documents (credential, lock certificate, lock update) share one opening: parse the
 * COSE_Sign1 in the latchkey profile, find the trusted issuer key for its kid and algorithm, check
 * the signature, and decode the payload as a claims map holding only the document's known claims.
 */
import { asClosedMap, decodeStrict, type CborValue } from './cbor.ts';
import { parseSign1, verifySign1Signature, type Sign1 } from './cose.ts';
import type { CryptoProvider } from './crypto/provider.ts';
import { findIssuer, issuerAlgorithms, type TrustedIssuerKey } from './issuer-keys.ts';

export function verifyIssuerSignedClaims(crypto: CryptoProvider, bytes: Uint8Array, trusted: readonly TrustedIssuerKey[], bytesMax: number, title: string, claimKeys: readonly number[]): Map<number | string, CborValue> {
  const sign1 = parseSign1(bytes, issuerAlgorithms, bytesMax);
  verifySign1Signature(crypto, sign1, findIssuer(trusted, sign1.kid, sign1.algorithm).publicKey);
  return asClosedMap(decodeStrict(sign1.payload), title, 'claim_invalid', claimKeys);
}

/**
 * The claims of an issuer-signed document, **not yet verified**: for checks that can only refuse
 * (a lock skips verifying an update it would refuse as old anyway). Verify with `verifyParsedSigned`.
 */
export function parseIssuerSignedClaims(bytes: Uint8Array, bytesMax: number, title: string, claimKeys: readonly number[]): { sign1: Sign1; claims: Map<number | string, CborValue> } {
  const sign1 = parseSign1(bytes, issuerAlgorithms, bytesMax);
  return { sign1, claims: asClosedMap(decodeStrict(sign1.payload), title, 'claim_invalid', claimKeys) };
}

export function verifyParsedSigned(crypto: CryptoProvider, sign1: Sign1, trusted: readonly TrustedIssuerKey[]): void {
  verifySign1Signature(crypto, sign1, findIssuer(trusted, sign1.kid, sign1.algorithm).publicKey);
}
