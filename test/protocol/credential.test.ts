/**
 * Credentials (COSE_Sign1 over CWT claims): every issued credential verifies and round-trips;
 * any bit flip, truncation or appended bytes makes parse or verify fail with a coded LatchkeyError;
 * hand-built COSE structures that break a header rule are refused with the rule's code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { cborMap, decodeStrict, encodeDeterministic, type CborValue } from '../../src/protocol/cbor.ts';
import { encodeP256CoseKey, headerLabel } from '../../src/protocol/cose.ts';
import { claimLabel, issueCredential, parseCredential, verifyCredential, type CredentialClaims } from '../../src/protocol/credential.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { isHighS, signatureAlgorithms, type CryptoProvider } from '../../src/protocol/crypto/provider.ts';
import type { ErrorCode } from '../../src/protocol/errors.ts';
import type { IssuerSigningKey } from '../../src/protocol/issuer-keys.ts';
import { limits } from '../../src/protocol/limits.ts';
import { issueLockUpdate, verifyLockUpdate } from '../../src/protocol/lock-update.ts';
import { verifyLockCertificate } from '../../src/protocol/lock-cert.ts';
import { epochS, issueCertificateBytes, makeHolder, makeIssuer, makeLockIdentity, nodeCrypto, sampleClaims, seeded, trustedOf } from '../helpers/fixtures.ts';
import { bitFlips, catchLatchkey } from '../helpers/hostile.ts';

const crypto = nodeCrypto;
const edIssuer = makeIssuer(crypto, 'EdDSA', seeded(7, 'ed-issuer'));
const esIssuer = makeIssuer(crypto, 'ES256', seeded(7, 'es-issuer'));
const trusted = trustedOf(edIssuer, esIssuer);
const holder = makeHolder(crypto, seeded(7, 'holder'));
const issuers = { EdDSA: edIssuer, ES256: esIssuer } as const;

/** Parse + verify; returns the code of the failure. */
function refusal(bytes: Uint8Array, title: string): ErrorCode {
  return catchLatchkey(() => verifyCredential(crypto, bytes, trusted), title).code;
}

// -- arbitrary claims within the documented bounds --

const textArbitrary = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((text) => utf8(text).length <= limits.textBytesMax);
const idArbitrary = fc.uint8Array({ minLength: 1, maxLength: limits.idBytesMax });
const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const claimsArbitrary = fc
  .record({
    issuer: textArbitrary,
    subject: textArbitrary,
    credentialId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    notBeforeS: fc.integer({ min: 0, max: 0xfffffffe }),
    lifetimeS: fc.integer({ min: 1, max: 0xffffffff }),
    issuedAtS: uint32,
    holderKey: fc.tuple(fc.constantFrom(2, 3), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([prefix, x]) => new Uint8Array([prefix, ...x])),
    grantId: idArbitrary,
    doors: fc.array(fc.record({ lockId: idArbitrary, sequence: uint32 }), { minLength: 1, maxLength: 8 }),
  })
  .map(({ lifetimeS, ...rest }): CredentialClaims => ({ ...rest, expiresAtS: Math.min(0xffffffff, rest.notBeforeS + lifetimeS) }));
const algorithmArbitrary = fc.constantFrom<keyof typeof issuers>('EdDSA', 'ES256');

/** Issues, or reports that the claims exceed the credential size bound (the only allowed refusal). */
function issueOrTooLarge(issuer: IssuerSigningKey, claims: CredentialClaims): Uint8Array | undefined {
  try {
    return issueCredential(crypto, issuer, claims);
  } catch (error) {
    expect(catchLatchkey(() => {
      throw error;
    }).code).toBe('cbor_too_large');
    return undefined;
  }
}

describe('credential: issued credentials verify and round-trip', () => {
  it('every issued credential verifies, its claims survive, and re-encoding gives the same bytes', () => {
    fc.assert(
      fc.property(claimsArbitrary, algorithmArbitrary, (claims, algorithm) => {
        const bytes = issueOrTooLarge(issuers[algorithm], claims);
        if (bytes === undefined) return;
        expect(bytes.length).toBeLessThanOrEqual(limits.credentialBytesMax);
        const parsed = verifyCredential(crypto, bytes, trusted);
        expect(parsed.claims).toEqual(claims);
        expect(parsed.sign1.algorithm).toBe(algorithm);
        expect(toHex(encodeDeterministic(decodeStrict(bytes)))).toBe(toHex(bytes));
        expect(toHex(issueCredential(crypto, issuers[algorithm], parsed.claims))).toBe(toHex(bytes));
      }),
      { numRuns: 150 },
    );
  });

  it('any single bit flip, truncation or appended bytes is refused with a code', () => {
    fc.assert(
      fc.property(claimsArbitrary, algorithmArbitrary, fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 24 }), (claims, algorithm, bitSeed, cutSeed, extra) => {
        const bytes = issueOrTooLarge(issuers[algorithm], claims);
        if (bytes === undefined) return;
        const bit = bitSeed % (bytes.length * 8);
        const flipped = bytes.slice();
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        refusal(flipped, `flip bit ${bit}`);
        refusal(bytes.slice(0, cutSeed % bytes.length), `truncate to ${cutSeed % bytes.length}`);
        refusal(new Uint8Array([...bytes, ...extra]), `append ${toHex(extra)}`);
      }),
      { numRuns: 150 },
    );
  });

  it.each(['EdDSA', 'ES256'] as const)('%s: every bit flip and every truncation of one credential is refused', (algorithm) => {
    const random = seeded(11, algorithm);
    const bytes = issueCredential(crypto, issuers[algorithm], sampleClaims(random, holder.publicKey, { doors: [{ lockId: random.bytes(8), sequence: 3 }, { lockId: random.bytes(16), sequence: 70000 }] }));
    verifyCredential(crypto, bytes, trusted);
    for (const { bit, mutated } of bitFlips(bytes)) refusal(mutated, `bit ${bit}`);
    for (let length = 0; length < bytes.length; length++) refusal(bytes.slice(0, length), `length ${length}`);
  });
});

// -- hand-built COSE_Sign1 structures --

const claimsPayloadOf = (claims: CredentialClaims): Map<number | string, CborValue> =>
  cborMap([
    [claimLabel.iss, claims.issuer],
    [claimLabel.sub, claims.subject],
    [claimLabel.exp, claims.expiresAtS],
    [claimLabel.nbf, claims.notBeforeS],
    [claimLabel.iat, claims.issuedAtS],
    [claimLabel.cti, claims.credentialId],
    [claimLabel.cnf, cborMap([[1, encodeP256CoseKey(claims.holderKey)]])],
    [claimLabel.latchkey, cborMap([[1, 1], [2, claims.grantId], [3, claims.doors.map((door) => [door.lockId, door.sequence])]])],
  ]);

interface Sign1Parts {
  protectedHeader?: Map<number | string, CborValue>;
  protectedBytes?: Uint8Array;
  unprotected?: Map<number | string, CborValue>;
  payload?: Uint8Array;
  signer?: IssuerSigningKey;
  signature?: Uint8Array;
}

const baseClaims = sampleClaims(seeded(12, 'claims'), holder.publicKey);
const basePayload = encodeDeterministic(claimsPayloadOf(baseClaims));

/** Builds a COSE_Sign1 by hand; the signature is valid over whatever protected bytes and payload it carries. */
function buildSign1(parts: Sign1Parts = {}): Uint8Array {
  const signer = parts.signer ?? edIssuer;
  const protectedBytes = parts.protectedBytes ?? encodeDeterministic(parts.protectedHeader ?? cborMap([[headerLabel.alg, signatureAlgorithms[signer.algorithm]], [headerLabel.kid, signer.kid]]));
  const payload = parts.payload ?? basePayload;
  const toBeSigned = encodeDeterministic(['Signature1', protectedBytes, new Uint8Array(0), payload]);
  const signature = parts.signature ?? crypto.sign(signer.algorithm, signer.secretKey, toBeSigned);
  return encodeDeterministic([protectedBytes, parts.unprotected ?? cborMap([]), payload, signature]);
}

describe('credential: text claims decode one-to-one', () => {
  it.each(['EdDSA', 'ES256'] as const)('%s: a sub of "\\uFEFFguest-7" reads back with its U+FEFF, not as "guest-7"', (algorithm) => {
    const claims = sampleClaims(seeded(7, `bom-${algorithm}`), holder.publicKey, { subject: '\uFEFFguest-7', issuer: '\uFEFFhttps://issuer.test' });
    const bytes = issueCredential(crypto, issuers[algorithm], claims);
    const verified = verifyCredential(crypto, bytes, trusted);
    expect(verified.claims.subject).toBe('\uFEFFguest-7');
    expect(verified.claims.subject).not.toBe('guest-7');
    expect(verified.claims.issuer).toBe('\uFEFFhttps://issuer.test');
  });
});

describe('credential: COSE header rules', () => {
  it('the hand-built baseline verifies and equals the issued credential', () => {
    const bytes = buildSign1();
    expect(verifyCredential(crypto, bytes, trusted).claims).toEqual(baseClaims);
    expect(toHex(bytes)).toBe(toHex(issueCredential(crypto, edIssuer, baseClaims)));
  });

  const cases: [string, () => Uint8Array, ErrorCode][] = [
    ['alg in the unprotected header', () => buildSign1({ unprotected: cborMap([[headerLabel.alg, signatureAlgorithms.EdDSA]]) }), 'cose_alg_unprotected'],
    ['alg only in the unprotected header', () => buildSign1({ protectedHeader: cborMap([[headerLabel.kid, edIssuer.kid]]), unprotected: cborMap([[headerLabel.alg, signatureAlgorithms.EdDSA]]) }), 'cose_alg_unprotected'],
    ['kid in the unprotected header', () => buildSign1({ unprotected: cborMap([[headerLabel.kid, edIssuer.kid]]) }), 'cose_alg_unprotected'],
    ['unknown critical header', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8], [headerLabel.crit, [99]], [headerLabel.kid, edIssuer.kid], [99, 1]]) }), 'cose_unknown_critical'],
    ['crit naming a known header', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8], [headerLabel.crit, [headerLabel.alg]], [headerLabel.kid, edIssuer.kid]]) }), 'cose_unknown_critical'],
    ['alg ES384 (-35), outside the allowlist', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -35], [headerLabel.kid, edIssuer.kid]]) }), 'cose_alg_not_allowed'],
    ['alg Ed25519 (-19), outside the allowlist', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -19], [headerLabel.kid, edIssuer.kid]]) }), 'cose_alg_not_allowed'],
    ['alg HS256 (5), a MAC algorithm', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, 5], [headerLabel.kid, edIssuer.kid]]) }), 'cose_alg_not_allowed'],
    ['alg ES256 with a kid whose trusted key is EdDSA (algorithm confusion)', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -7], [headerLabel.kid, edIssuer.kid]]) }), 'cose_alg_not_allowed'],
    ['unknown kid', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8], [headerLabel.kid, new Uint8Array(8).fill(0xaa)]]) }), 'cose_unknown_kid'],
    ['re-signed by an untrusted key under the trusted kid', () => buildSign1({ signer: { ...makeIssuer(crypto, 'EdDSA', seeded(13, 'attacker')), kid: edIssuer.kid } }), 'cose_bad_signature'],
    ['re-signed by an untrusted ES256 key under the trusted ES256 kid', () => buildSign1({ signer: { ...makeIssuer(crypto, 'ES256', seeded(13, 'attacker-es')), kid: esIssuer.kid } }), 'cose_bad_signature'],
    ['re-signed by an untrusted key under its own kid', () => buildSign1({ signer: makeIssuer(crypto, 'EdDSA', seeded(14, 'attacker')) }), 'cose_unknown_kid'],
    ['signature of the other trusted issuer', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8], [headerLabel.kid, edIssuer.kid]]), signature: crypto.sign('ES256', esIssuer.secretKey, new Uint8Array([1])) }), 'cose_bad_signature'],
    ['no alg', () => buildSign1({ protectedHeader: cborMap([[headerLabel.kid, edIssuer.kid]]) }), 'cose_bad_structure'],
    ['no kid', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8]]) }), 'cose_bad_structure'],
    ['extra protected header (content type)', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8], [headerLabel.contentType, 60], [headerLabel.kid, edIssuer.kid]]) }), 'cose_bad_structure'],
    ['protected header not a map', () => buildSign1({ protectedBytes: encodeDeterministic([-8]) }), 'cose_bad_structure'],
    ['protected header not canonical', () => buildSign1({ protectedBytes: new Uint8Array([0xa2, 0x04, 0x41, 0x01, 0x01, 0x27]) }), 'cbor_non_canonical'],
    ['kid over 16 bytes', () => buildSign1({ protectedHeader: cborMap([[headerLabel.alg, -8], [headerLabel.kid, new Uint8Array(17)]]) }), 'cose_bad_structure'],
    ['63-byte signature', () => buildSign1({ signature: new Uint8Array(63) }), 'cose_bad_structure'],
    ['65-byte signature', () => buildSign1({ signature: new Uint8Array(65) }), 'cose_bad_structure'],
    ['all-zero signature', () => buildSign1({ signature: new Uint8Array(64) }), 'cose_bad_signature'],
    ['tagged COSE_Sign1 (tag 18)', () => new Uint8Array([0xd2, ...buildSign1()]), 'cbor_unsupported_type'],
    ['COSE_Sign1 with 5 elements', () => encodeDeterministic([...(decodeStrict(buildSign1()) as CborValue[]), 0]), 'cose_bad_structure'],
    ['detached payload (null)', () => { const parts = decodeStrict(buildSign1()) as CborValue[]; parts[2] = null; return encodeDeterministic(parts); }, 'cose_bad_structure'],
  ];
  it.each(cases)('%s → %s', (_name, build, code) => {
    expect(refusal(build(), _name)).toBe(code);
  });
});

describe('credential: claim rules (properly signed, still refused)', () => {
  const withClaims = (edit: (map: Map<number | string, CborValue>) => Map<number | string, CborValue>): Uint8Array => buildSign1({ payload: encodeDeterministic(edit(claimsPayloadOf(baseClaims))) });
  const replaceClaim = (label: number, value: CborValue | undefined) => (map: Map<number | string, CborValue>) => cborMap([...[...map].filter(([key]) => key !== label), [label, value]]);
  const latchkey = (version: CborValue, doors: CborValue) => replaceClaim(claimLabel.latchkey, cborMap([[1, version], [2, baseClaims.grantId], [3, doors]]));
  const door = (lockId: Uint8Array, sequence: CborValue): CborValue => [lockId, sequence];
  const cases: [string, () => Uint8Array, ErrorCode][] = [
    ['missing subject', () => withClaims(replaceClaim(claimLabel.sub, undefined)), 'claim_missing'],
    ['missing cnf', () => withClaims(replaceClaim(claimLabel.cnf, undefined)), 'claim_missing'],
    ['unknown claim', () => withClaims((map) => cborMap([...map, [3, 'audience']])), 'claim_invalid'],
    ['format version 2', () => withClaims(latchkey(2, [door(new Uint8Array(8), 1)])), 'credential_version_unsupported'],
    ['no doors', () => withClaims(latchkey(1, [])), 'claim_invalid'],
    [`${limits.credentialDoorsMax + 1} doors`, () => withClaims(latchkey(1, new Array(limits.credentialDoorsMax + 1).fill(0).map((_, i) => door(new Uint8Array([i]), 1)))), 'claim_invalid'],
    ['door lock id over 16 bytes', () => withClaims(latchkey(1, [door(new Uint8Array(17), 1)])), 'claim_invalid'],
    ['negative door sequence', () => withClaims(latchkey(1, [door(new Uint8Array(8), -1)])), 'claim_invalid'],
    ['cti of 15 bytes', () => withClaims(replaceClaim(claimLabel.cti, new Uint8Array(15))), 'claim_invalid'],
    ['issuer of 65 bytes', () => withClaims(replaceClaim(claimLabel.iss, 'x'.repeat(65))), 'claim_invalid'],
    ['empty subject', () => withClaims(replaceClaim(claimLabel.sub, '')), 'claim_invalid'],
    ['exp equal to nbf', () => withClaims(replaceClaim(claimLabel.exp, baseClaims.notBeforeS)), 'claim_invalid'],
    ['exp as text', () => withClaims(replaceClaim(claimLabel.exp, '2030')), 'claim_invalid'],
    ['negative nbf', () => withClaims(replaceClaim(claimLabel.nbf, -1)), 'claim_invalid'],
    ['holder key of the wrong type (OKP)', () => withClaims(replaceClaim(claimLabel.cnf, cborMap([[1, cborMap([[1, 1], [-1, 6], [-2, new Uint8Array(32)]])]]))), 'cose_bad_key'],
    ['holder key with an uncompressed y', () => withClaims(replaceClaim(claimLabel.cnf, cborMap([[1, cborMap([[1, 2], [-1, 1], [-2, new Uint8Array(32)], [-3, new Uint8Array(32)]])]]))), 'cose_bad_key'],
    ['payload not canonical (unsorted claims)', () => buildSign1({ payload: new Uint8Array([0xa2, 0x02, 0x61, 0x62, 0x01, 0x61, 0x61]) }), 'cbor_non_canonical'],
    ['payload with trailing bytes', () => buildSign1({ payload: new Uint8Array([...basePayload, 0x00]) }), 'cbor_trailing_bytes'],
  ];
  it.each(cases)('%s → %s', (_name, build, code) => {
    expect(refusal(build(), _name)).toBe(code);
  });
});

describe('credential: a refused claim says which claim in its detail', () => {
  // The code is the contract; the detail is what an operator reads in the lock's log to find the
  // field. Mutation testing found every field name in parseClaims unasserted (any could be blank).
  const withClaims = (edit: (map: Map<number | string, CborValue>) => Map<number | string, CborValue>): Uint8Array => buildSign1({ payload: encodeDeterministic(edit(claimsPayloadOf(baseClaims))) });
  const replaceClaim = (label: number, value: CborValue | undefined) => (map: Map<number | string, CborValue>) => cborMap([...[...map].filter(([key]) => key !== label), ...(value === undefined ? [] : [[label, value] as [number, CborValue]])]);
  const own = (entries: [number, CborValue][]) => replaceClaim(claimLabel.latchkey, cborMap(entries));
  const good = { version: [1, 1] as [number, CborValue], grant: [2, baseClaims.grantId] as [number, CborValue], doors: [3, [[new Uint8Array(8), 1]]] as [number, CborValue] };
  const cases: [() => Uint8Array, ErrorCode, string][] = [
    [() => withClaims(replaceClaim(claimLabel.iss, 7)), 'claim_invalid', 'iss: expected text'],
    [() => withClaims(replaceClaim(claimLabel.sub, 7)), 'claim_invalid', 'sub: expected text'],
    [() => withClaims(replaceClaim(claimLabel.exp, 'x')), 'claim_invalid', 'exp: expected an unsigned integer'],
    [() => withClaims(replaceClaim(claimLabel.nbf, 'x')), 'claim_invalid', 'nbf: expected an unsigned integer'],
    [() => withClaims(replaceClaim(claimLabel.iat, 'x')), 'claim_invalid', 'iat: expected an unsigned integer'],
    [() => withClaims(replaceClaim(claimLabel.cti, new Uint8Array(17))), 'claim_invalid', 'cti: length 17 outside 16..16'],
    [() => withClaims(replaceClaim(claimLabel.sub, undefined)), 'claim_missing', `claim ${claimLabel.sub}`],
    [() => withClaims((map) => cborMap([...map, [3, 'audience']])), 'claim_invalid', 'claims: unknown key 3'],
    [() => withClaims(replaceClaim(claimLabel.cnf, cborMap([[2, 0]]))), 'claim_invalid', 'cnf: unknown key 2'],
    [() => withClaims(own([good.version, good.grant, good.doors, [4, 0]])), 'claim_invalid', 'latchkey claims: unknown key 4'],
    [() => withClaims(own([[1, 'one'], good.grant, good.doors])), 'claim_invalid', 'version: expected an unsigned integer'],
    [() => withClaims(own([[1, 2], good.grant, good.doors])), 'credential_version_unsupported', 'version 2'],
    [() => withClaims(own([good.version, [2, new Uint8Array(0)], good.doors])), 'claim_invalid', 'grant: length 0 outside'],
    [() => withClaims(own([good.version, good.grant, [3, 5]])), 'claim_invalid', 'doors: expected an array'],
    [() => withClaims(own([good.version, good.grant, [3, [5]]])), 'claim_invalid', 'doors[0]: expected an array'],
    [() => withClaims(own([good.version, good.grant, [3, [[new Uint8Array(8), 1], ['lock', 1]]]])), 'claim_invalid', 'doors[1].lockId: expected bytes'],
    [() => withClaims(own([good.version, good.grant, [3, [[new Uint8Array(8), -1]]]])), 'claim_invalid', 'doors[0].sequence: expected an unsigned integer'],
    [() => withClaims(replaceClaim(claimLabel.exp, baseClaims.notBeforeS)), 'claim_invalid', 'exp must be after nbf'],
  ];
  it.each(cases.map(([build, code, detail]) => [detail, build, code] as const))('"%s"', (detail, build, code) => {
    const error = catchLatchkey(() => parseCredential(build()), detail);
    expect(error.code).toBe(code);
    expect(error.detail ?? '').toContain(detail);
  });
});

// -- ES256 issuer signatures: low S only, so a document has one encoding and one hash --

const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** (r, s) → (r, n − s): the other ECDSA signature over the same message and key. */
function mirrorS(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${toHex(signature.subarray(32))}`);
  return new Uint8Array([...signature.subarray(0, 32), ...fromHex((p256Order - s).toString(16).padStart(64, '0'))]);
}
/** The same COSE_Sign1 with its signature replaced (the rest of the bytes untouched). */
function withSignature(bytes: Uint8Array, signature: Uint8Array): Uint8Array {
  const [protectedBytes, unprotected, payload] = decodeStrict(bytes) as [Uint8Array, Map<number, CborValue>, Uint8Array];
  return encodeDeterministic([protectedBytes, unprotected, payload, signature]);
}
const bothProviders: [string, CryptoProvider][] = [['node', crypto], ['noble', createNobleProvider()]];

describe.each(bothProviders)('%s provider: ES256 issuer signatures must have a low S', (_name, provider) => {
  const identity = makeLockIdentity(seeded(16, 'low-s-lock'));
  const credentials = [0, 1, 2, 3].map((index) => issueCredential(provider, esIssuer, sampleClaims(seeded(16, `low-s-${index}`), holder.publicKey)));

  it('issued credentials carry a low S, and their S-mirrored twin (a valid high-S ECDSA signature) is cose_bad_signature', () => {
    for (const bytes of credentials) {
      const parsed = verifyCredential(provider, bytes, trusted);
      expect(isHighS(parsed.sign1.signature)).toBe(false);
      const twin = withSignature(bytes, mirrorS(parsed.sign1.signature));
      expect(isHighS(parseCredential(twin).sign1.signature)).toBe(true);
      expect(toHex(twin)).not.toBe(toHex(bytes)); // same claims, other bytes, other credential hash
      expect(catchLatchkey(() => verifyCredential(provider, twin, trusted)).code).toBe('cose_bad_signature');
    }
  });

  it('the S-mirrored twin of a lock certificate is lock_cert_invalid, of a lock update cose_bad_signature', () => {
    const certificate = issueCertificateBytes(provider, esIssuer, identity);
    const certificateSignature = (decodeStrict(certificate) as Uint8Array[])[3]!;
    verifyLockCertificate(provider, certificate, trusted, epochS);
    expect(catchLatchkey(() => verifyLockCertificate(provider, withSignature(certificate, mirrorS(certificateSignature)), trusted, epochS)).code).toBe('lock_cert_invalid');
    const update = issueLockUpdate(provider, esIssuer, { issuer: 'https://issuer.test', issuedAtS: epochS, lockId: identity.lockId, version: 2, revoked: [], sequenceFloor: 0 });
    const updateSignature = (decodeStrict(update) as Uint8Array[])[3]!;
    verifyLockUpdate(provider, update, trusted);
    expect(catchLatchkey(() => verifyLockUpdate(provider, withSignature(update, mirrorS(updateSignature)), trusted)).code).toBe('cose_bad_signature');
  });
});

describe('lock certificate and lock update: round trip and tamper', () => {
  const identity = makeLockIdentity(seeded(15, 'lock'));
  it('a lock certificate verifies; every bit flip and an expired or untrusted one is lock_cert_invalid', () => {
    const bytes = issueCertificateBytes(crypto, esIssuer, identity);
    const cert = verifyLockCertificate(crypto, bytes, trusted, epochS);
    expect(toHex(cert.lockId)).toBe(toHex(identity.lockId));
    expect(toHex(encodeDeterministic(decodeStrict(bytes)))).toBe(toHex(bytes));
    for (const { bit, mutated } of bitFlips(bytes)) {
      expect(catchLatchkey(() => verifyLockCertificate(crypto, mutated, trusted, epochS), `bit ${bit}`).code).toBe('lock_cert_invalid');
    }
    expect(catchLatchkey(() => verifyLockCertificate(crypto, bytes, trusted, cert.expiresAtS)).code).toBe('lock_cert_invalid');
    expect(catchLatchkey(() => verifyLockCertificate(crypto, bytes, trustedOf(edIssuer), epochS)).code).toBe('lock_cert_invalid');
  });

  it('a lock update verifies and round-trips; every bit flip and truncation is refused', () => {
    const update = { issuer: 'https://issuer.test', issuedAtS: epochS, lockId: identity.lockId, version: 7, revoked: [{ credentialId: new Uint8Array(16).fill(3), expiresAtS: epochS + 10 }], sequenceFloor: 4, timeS: epochS, issuers: trusted };
    const bytes = issueLockUpdate(crypto, edIssuer, update);
    expect(verifyLockUpdate(crypto, bytes, trusted)).toEqual(update);
    for (const { bit, mutated } of bitFlips(bytes)) catchLatchkey(() => verifyLockUpdate(crypto, mutated, trusted), `bit ${bit}`);
    for (let length = 0; length < bytes.length; length++) catchLatchkey(() => verifyLockUpdate(crypto, bytes.slice(0, length), trusted), `length ${length}`);
    catchLatchkey(() => verifyLockUpdate(crypto, new Uint8Array([...bytes, 0]), trusted));
  });
});
