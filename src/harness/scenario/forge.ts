/**
 * Forged and malformed credentials for the attack catalog. Each starts from a genuine credential's
 * claims and breaks exactly one rule, so the refusal code says which rule the lock enforced.
 */
import { concatBytes } from '../../protocol/bytes.ts';
import { cborMap, decodeStrict, encodeDeterministic, type CborValue } from '../../protocol/cbor.ts';
import { headerLabel, signSign1 } from '../../protocol/cose.ts';
import { claimLabel, issueCredential, parseCredential } from '../../protocol/credential.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { IssuerSigningKey } from '../../protocol/issuer-keys.ts';
import { makeIssuerKey } from '../../protocol/issuer-keys.ts';
import type { RandomSource } from '../../protocol/random.ts';
import type { Forgery } from './schema.ts';

/** COSE_Sign1 assembled by hand (protected header bytes given verbatim). */
function assemble(crypto: CryptoProvider, signer: IssuerSigningKey, protectedBytes: Uint8Array, unprotected: Map<number | string, CborValue>, payload: Uint8Array): Uint8Array {
  const toBeSigned = encodeDeterministic(['Signature1', protectedBytes, new Uint8Array(0), payload]);
  return encodeDeterministic([protectedBytes, unprotected, payload, crypto.sign(signer.algorithm, signer.secretKey, toBeSigned)]);
}

export function forgeCredential(crypto: CryptoProvider, random: RandomSource, issuer: IssuerSigningKey, genuine: Uint8Array, forgery: Forgery): Uint8Array {
  const { claims, sign1 } = parseCredential(genuine);
  const payload = sign1.payload;
  const alg = issuer.algorithm === 'EdDSA' ? -8 : -7;
  switch (forgery) {
    case 'unknown_issuer':
      return issueCredential(crypto, makeIssuerKey(crypto, 'EdDSA', random(32), random(8)), claims);
    case 'bad_signature':
      // The real issuer's kid, someone else's key.
      return issueCredential(crypto, { ...makeIssuerKey(crypto, issuer.algorithm, issuer.algorithm === 'EdDSA' ? random(32) : issuer.secretKey.map((b) => b ^ 1), issuer.kid) }, claims);
    case 'alg_not_allowed':
      return assemble(crypto, issuer, encodeDeterministic(cborMap([[headerLabel.alg, -35], [headerLabel.kid, issuer.kid]])), cborMap([]), payload);
    case 'alg_confusion':
      // Header claims the other algorithm for this issuer's kid.
      return assemble(crypto, issuer, encodeDeterministic(cborMap([[headerLabel.alg, alg === -8 ? -7 : -8], [headerLabel.kid, issuer.kid]])), cborMap([]), payload);
    case 'alg_unprotected':
      return assemble(crypto, issuer, encodeDeterministic(cborMap([[headerLabel.alg, alg], [headerLabel.kid, issuer.kid]])), cborMap([[headerLabel.alg, alg]]), payload);
    case 'unknown_critical':
      return assemble(crypto, issuer, encodeDeterministic(cborMap([[headerLabel.alg, alg], [headerLabel.crit, [99]], [headerLabel.kid, issuer.kid], [99, 1]])), cborMap([]), payload);
    case 'non_canonical': {
      // Protected header map with its keys out of order ({4: kid, 1: alg}): same meaning, other bytes.
      const kid = encodeDeterministic(issuer.kid);
      const protectedBytes = concatBytes(new Uint8Array([0xa2, 0x04]), kid, new Uint8Array([0x01]), encodeDeterministic(alg));
      return assemble(crypto, issuer, protectedBytes, cborMap([]), payload);
    }
    case 'trailing_bytes':
      return concatBytes(genuine, new Uint8Array([0x00]));
    case 'oversized_claim': {
      const map = decodeStrict(payload) as Map<number | string, CborValue>;
      map.set(claimLabel.sub, 'x'.repeat(200));
      return signSign1(crypto, issuer.algorithm, issuer.secretKey, issuer.kid, encodeDeterministic(cborMap([...map.entries()])));
    }
    case 'wrong_transcript':
    case 'stolen_credential':
      return genuine; // the credential is genuine; the attack is in the holder proof
  }
}
