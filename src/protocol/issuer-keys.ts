/** Issuer keys: what a lock and a phone trust (rotation = add the new key, later retire the old). */
import { LatchkeyError } from './errors.ts';
import type { CryptoProvider, SignatureAlgorithm } from './crypto/provider.ts';
import { equalBytes } from './bytes.ts';

export interface TrustedIssuerKey {
  kid: Uint8Array;
  algorithm: SignatureAlgorithm;
  publicKey: Uint8Array;
}

export interface IssuerSigningKey extends TrustedIssuerKey {
  secretKey: Uint8Array;
}

export const issuerAlgorithms: readonly SignatureAlgorithm[] = ['EdDSA', 'ES256'];

export function makeIssuerKey(crypto: CryptoProvider, algorithm: SignatureAlgorithm, secretKey: Uint8Array, kid: Uint8Array): IssuerSigningKey {
  return { kid, algorithm, secretKey, publicKey: crypto.publicKeyOf(algorithm, secretKey) };
}

export function publicPart(key: IssuerSigningKey): TrustedIssuerKey {
  return { kid: key.kid, algorithm: key.algorithm, publicKey: key.publicKey };
}

/** Finds the trusted key for a kid; the algorithm in the header must match the key's. */
export function findIssuer(trusted: readonly TrustedIssuerKey[], kid: Uint8Array, algorithm: SignatureAlgorithm): TrustedIssuerKey {
  const key = trusted.find((candidate) => equalBytes(candidate.kid, kid));
  if (key === undefined) throw new LatchkeyError('cose_unknown_kid');
  if (key.algorithm !== algorithm) throw new LatchkeyError('cose_alg_not_allowed', 'header alg differs from the trusted key algorithm');
  return key;
}
