/**
 * The latchkey credential: COSE_Sign1 (RFC 9052) over CWT claims (RFC 8392) with a holder key in
 * `cnf` (RFC 8747). Standard claims use their registered labels; latchkey's own claims sit in one
 * private-use claim (−65537) so they cost one 5-byte key.
 *
 *   { 1 iss: tstr, 2 sub: tstr (user identity id), 4 exp, 5 nbf, 6 iat, 7 cti: bstr16,
 *     8 cnf: { 1 COSE_Key: P-256 holder key },
 *     -65537 latchkey: { 1 version: 1, 2 grant: bstr16, 3 doors: [[lock id bstr, supersede seq]] } }
 *
 * `parseCredential` checks structure, canonical form and claim bounds (cheap); `verifyCredentialSignature`
 * checks the issuer signature (expensive). Door scope, time, revocation and supersede are policy:
 * the lock decides them (firmware-model/policy.ts) so one place owns their order.
 */
import { copyBytes } from './bytes.ts';
import { asArray, asBytes, asClosedMap, asText, asUint, cborMap, decodeStrict, encodeDeterministic } from './cbor.ts';
import { decodeP256CoseKey, encodeP256CoseKey, parseSign1, signSign1, verifySign1Signature, type Sign1 } from './cose.ts';
import type { CryptoProvider } from './crypto/provider.ts';
import { LatchkeyError } from './errors.ts';
import { findIssuer, issuerAlgorithms, type IssuerSigningKey, type TrustedIssuerKey } from './issuer-keys.ts';
import { limits } from './limits.ts';

export const credentialFormatVersion = 1;
export const claimLabel = { iss: 1, sub: 2, exp: 4, nbf: 5, iat: 6, cti: 7, cnf: 8, latchkey: -65537 } as const;
const latchkeyLabel = { version: 1, grant: 2, doors: 3 } as const;
const cnfCoseKey = 1;

export interface DoorScope {
  lockId: Uint8Array;
  /** Per-door supersede sequence: a credential with a higher one for this door kills lower ones. */
  sequence: number;
}

export interface CredentialClaims {
  issuer: string;
  subject: string;
  credentialId: Uint8Array;
  notBeforeS: number;
  expiresAtS: number;
  issuedAtS: number;
  /** 33-byte compressed P-256 holder public key. */
  holderKey: Uint8Array;
  grantId: Uint8Array;
  doors: DoorScope[];
}

export interface ParsedCredential {
  bytes: Uint8Array;
  sign1: Sign1;
  claims: CredentialClaims;
}

export function issueCredential(crypto: CryptoProvider, issuer: IssuerSigningKey, claims: CredentialClaims): Uint8Array {
  const payload = encodeDeterministic(
    cborMap([
      [claimLabel.iss, claims.issuer],
      [claimLabel.sub, claims.subject],
      [claimLabel.exp, claims.expiresAtS],
      [claimLabel.nbf, claims.notBeforeS],
      [claimLabel.iat, claims.issuedAtS],
      [claimLabel.cti, claims.credentialId],
      [claimLabel.cnf, cborMap([[cnfCoseKey, encodeP256CoseKey(claims.holderKey)]])],
      [
        claimLabel.latchkey,
        cborMap([
          [latchkeyLabel.version, credentialFormatVersion],
          [latchkeyLabel.grant, claims.grantId],
          [latchkeyLabel.doors, claims.doors.map((door) => [door.lockId, door.sequence])],
        ]),
      ],
    ]),
  );
  const bytes = signSign1(crypto, issuer.algorithm, issuer.secretKey, issuer.kid, payload);
  // Issuing something our own parser refuses is a bug: check bounds here, once, at the source.
  parseCredential(bytes);
  return bytes;
}

export function parseCredential(bytes: Uint8Array): ParsedCredential {
  const sign1 = parseSign1(bytes, issuerAlgorithms, limits.credentialBytesMax);
  const claims = parseClaims(sign1.payload);
  return { bytes: copyBytes(bytes), sign1, claims };
}

function parseClaims(payload: Uint8Array): CredentialClaims {
  const map = asClosedMap(decodeStrict(payload), 'claims', 'claim_invalid', Object.values(claimLabel));
  for (const key of Object.values(claimLabel)) if (!map.has(key)) throw new LatchkeyError('claim_missing', `claim ${key}`);
  const cnf = asClosedMap(map.get(claimLabel.cnf), 'cnf', 'claim_invalid', [cnfCoseKey]);
  const own = asClosedMap(map.get(claimLabel.latchkey), 'latchkey claims', 'claim_invalid', Object.values(latchkeyLabel));
  const version = asUint(own.get(latchkeyLabel.version), 'version', 'claim_invalid');
  if (version !== credentialFormatVersion) throw new LatchkeyError('credential_version_unsupported', `version ${version}`);
  const doors = asArray(own.get(latchkeyLabel.doors), 'doors', 'claim_invalid', 1, limits.credentialDoorsMax).map((entry, index) => {
    const [lockId, sequence] = asArray(entry, `doors[${index}]`, 'claim_invalid', 2, 2);
    return { lockId: asBytes(lockId, `doors[${index}].lockId`, 'claim_invalid', 1, limits.idBytesMax), sequence: asUint(sequence, `doors[${index}].sequence`, 'claim_invalid') };
  });
  const claims: CredentialClaims = {
    issuer: asText(map.get(claimLabel.iss), 'iss', 'claim_invalid', limits.textBytesMax),
    subject: asText(map.get(claimLabel.sub), 'sub', 'claim_invalid', limits.textBytesMax),
    expiresAtS: asUint(map.get(claimLabel.exp), 'exp', 'claim_invalid'),
    notBeforeS: asUint(map.get(claimLabel.nbf), 'nbf', 'claim_invalid'),
    issuedAtS: asUint(map.get(claimLabel.iat), 'iat', 'claim_invalid'),
    credentialId: asBytes(map.get(claimLabel.cti), 'cti', 'claim_invalid', 16, 16),
    holderKey: decodeP256CoseKey(cnf.get(cnfCoseKey)),
    grantId: asBytes(own.get(latchkeyLabel.grant), 'grant', 'claim_invalid', 1, limits.idBytesMax),
    doors,
  };
  if (claims.expiresAtS <= claims.notBeforeS) throw new LatchkeyError('claim_invalid', 'exp must be after nbf');
  return claims;
}

/** Issuer signature check; throws cose_unknown_kid / cose_alg_not_allowed / cose_bad_signature. */
export function verifyCredentialSignature(crypto: CryptoProvider, credential: ParsedCredential, trusted: readonly TrustedIssuerKey[]): void {
  const key = findIssuer(trusted, credential.sign1.kid, credential.sign1.algorithm);
  verifySign1Signature(crypto, credential.sign1, key.publicKey);
}

/** Full parse + signature check (what a phone does on download, what tests use). */
export function verifyCredential(crypto: CryptoProvider, bytes: Uint8Array, trusted: readonly TrustedIssuerKey[]): ParsedCredential {
  const credential = parseCredential(bytes);
  verifyCredentialSignature(crypto, credential, trusted);
  return credential;
}

export function credentialHash(crypto: CryptoProvider, bytes: Uint8Array): Uint8Array {
  return crypto.sha256(bytes);
}
