/**
 * Target `credential`: parseCredential + issuer signature check (= verifyCredential) on mutated
 * credentials. Inputs come from byte havoc on valid credentials, structure-aware edits of the
 * claims, protected header and COSE wrapper (re-signed when the parse would get that far, so the
 * signature is never what stops a structural bug), whole random CBOR items, and ECDSA-malleated
 * signatures. Oracle: refusals carry a table code; an accepted input re-encodes to its own bytes
 * (reference encoder) and is validly signed by a trusted issuer (checked by the other provider).
 */
import * as fc from 'fast-check';
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { parseCredential, verifyCredentialSignature, type ParsedCredential } from '../../protocol/credential.ts';
import { createNobleProvider } from '../../protocol/crypto/noble.ts';
import { signatureAlgorithms, type CryptoProvider } from '../../protocol/crypto/provider.ts';
import type { SeededRandom } from '../../protocol/random.ts';
import { mutateBytes } from './byte-mutations.ts';
import { fastCheckRandom, sample } from './fc-random.ts';
import { issuerByKid, type FuzzFixtures, type IssuedCredential } from './fixtures.ts';
import { BytePool } from './pool.ts';
import { encodeRaw, int, map, rawItemArbitrary, uint, type RawItem } from './raw-cbor.ts';
import { credentialPayloadTree, malleateP256Signature, protectedTree, referenceSign1, sign1Tree, signParts } from './reference.ts';
import { applyTreeMutations, treeMutationsArbitrary } from './tree-mutations.ts';
import { classify, type CaseResult, type CaseRun, type Classified, type FuzzTarget, type TargetOptions } from './types.ts';

const sub = 'credential';
/** Ed25519 and ES256 (r‖s) signatures are both 64 bytes. */
const signatureBytes = 64;
const unprotectedArbitrary = fc.oneof(fc.constant(map([uint(1), int(-8)])), fc.constant(map([uint(4), { kind: 'bytes', value: new Uint8Array(8) }])), rawItemArbitrary);
const protectedEditArbitrary = fc.oneof(
  fc.constantFrom(-7, -8, -19, -35, -36, 0, 1, -65536).map((alg) => ({ alg, extra: undefined as RawItem | undefined })),
  fc.record({ alg: fc.constant(-8), extra: fc.constantFrom<RawItem>(map([uint(2), { kind: 'array', items: [uint(1)] }]), map([uint(3), uint(0)]), map([uint(2), { kind: 'array', items: [] }])) }),
);

export function createCredentialTarget(fixtures: FuzzFixtures, options: TargetOptions): FuzzTarget {
  const crypto = fixtures.crypto;
  const noble = createNobleProvider();
  const issued = fixtures.credentials.map((credential) => credential.bytes);
  const pool = new BytePool(fixtures.credentials.map((credential) => credential.bytes));

  /**
   * The lock's work on one input: parse, then the issuer signature. `parsed`, when given, is the
   * parse of exactly these bytes already made while generating them (structural() parses an
   * unsigned candidate to decide whether to sign it; a refused one is the case's input as it is),
   * so no input is parsed twice. The signature is checked on every case that parses: no result is
   * remembered from one case to the next (a lock verifies every credential it is shown).
   */
  function execute(bytes: Uint8Array, parsed: Classified<ParsedCredential> = classify(() => parseCredential(bytes)), signedHere?: SignedParts): CaseResult {
    if (parsed.kind === 'crash') return { sub, outcome: 'crash', finding: { kind: 'crash', detail: `parseCredential: ${parsed.detail}` } };
    if (parsed.kind === 'refused') return { sub, outcome: parsed.code };
    const reencoded = reencode(parsed.value);
    if (!sameBytes(reencoded, bytes)) return { sub, outcome: 'accepted', finding: { kind: 'not_canonical', detail: `parseCredential accepted bytes that re-encode differently: ${toHex(reencoded)}` } };
    return verifySignature(parsed.value, bytes, signedHere);
  }

  function verifySignature(credential: ParsedCredential, bytes: Uint8Array, signedHere: SignedParts | undefined): CaseResult {
    // The canary skips the issuer signature: mutated signatures are then accepted and must be caught.
    const verified = options.canary ? ({ kind: 'ok', value: undefined } as const) : classify(() => verifyCredentialSignature(crypto, credential, fixtures.trusted));
    if (verified.kind === 'crash') return { sub, outcome: 'crash', finding: { kind: 'crash', detail: `verifyCredential: ${verified.detail}` } };
    if (verified.kind === 'refused') return { sub, outcome: verified.code };
    if (issued.some((own) => sameBytes(own, bytes))) return { sub, outcome: 'accepted' };
    // Not a credential we issued: it must still carry a valid issuer signature (independent check).
    if (!independentlySigned(crypto, noble, fixtures, credential, signedHere)) return { sub, outcome: 'accepted', finding: { kind: 'accepted_invalid', detail: 'verifyCredential accepted a credential whose signature does not verify under the noble provider' } };
    return { sub, outcome: 'accepted_unissued' };
  }

  /** A generated input, with its parse when generating it already made that (see execute). */
  interface Generated {
    bytes: Uint8Array;
    parsed?: Classified<ParsedCredential>;
    /** What structural() signed with the EdDSA issuer to make this input (see independentlySigned). */
    signedHere?: SignedParts;
  }

  function generate(random: SeededRandom): Generated {
    const choice = random.below(16);
    const index = random.below(fixtures.credentials.length);
    const base = fixtures.credentials[index]!;
    if (choice < 1) return { bytes: base.bytes };
    if (choice < 9) return { bytes: mutateBytes(pool.pick(random), random, pool.pick(random)) };
    if (choice < 15) return structural(forms[index]!, random);
    if (random.chance(1, 4) && base.issuer.algorithm === 'ES256') return { bytes: malleated(base) };
    return { bytes: encodeRaw(sample(rawItemArbitrary, fastCheckRandom(random))) };
  }

  // Re-signing goes through the EdDSA issuer: ES256 signing (RFC 6979, noble) costs ~2 ms.
  const issuer = fixtures.edIssuer;
  /**
   * What structural() starts from, per fixture credential, built once: the claims tree, its
   * encoding, the EdDSA issuer's protected header and that issuer's signature over the two
   * (Ed25519 is deterministic, so these are the bytes signParts would give every time). Only the
   * generator uses them; the lock's side of every case (parse, signature check) runs in full.
   */
  const forms = fixtures.credentials.map((credential) => {
    const tree = credentialPayloadTree(credential.claims);
    const payload = encodeRaw(tree);
    const header = encodeRaw(protectedTree(signatureAlgorithms[issuer.algorithm], issuer.kid));
    return { tree, payload, header, signature: signParts(crypto, issuer, header, payload) };
  });

  function structural(form: (typeof forms)[number], random: SeededRandom): Generated {
    const fcRandom = fastCheckRandom(random);
    const layer = random.below(8);
    let payload = form.payload;
    let protectedBytes = form.header;
    let unprotected: RawItem = map();
    if (layer < 5) payload = encodeRaw(applyTreeMutations(form.tree, sample(treeMutationsArbitrary, fcRandom)));
    else if (layer < 7) {
      const edit = sample(protectedEditArbitrary, fcRandom);
      // The extra header is a shared constant: build a new map around it, never push into it.
      let header = edit.extra?.kind === 'map' ? map(...edit.extra.entries, [uint(1), int(edit.alg)], [uint(4), { kind: 'bytes', value: issuer.kid }]) : protectedTree(edit.alg, issuer.kid);
      if (random.chance(1, 2)) header = applyTreeMutations(header, sample(treeMutationsArbitrary, fcRandom));
      protectedBytes = encodeRaw(header);
    } else unprotected = sample(unprotectedArbitrary, fcRandom);
    const unsigned = encodeRaw(sign1Tree(protectedBytes, payload, new Uint8Array(signatureBytes), unprotected));
    // Sign only when the parse would reach the signature (it never looks at signature bytes);
    // an input it refuses is the case's input as it is, and that parse is the case's parse.
    const parsed = classify(() => parseCredential(unsigned));
    if (parsed.kind !== 'ok') return { bytes: unsigned, parsed };
    // Most edits that still parse leave the bytes as they were (a width no shorter than the
    // shortest, a tag or edit on a node it does not apply to, ...): those reuse the fixture's
    // signature, byte for byte what signing again would give (Ed25519 is deterministic). This is
    // the generator's signing only; the lock's check of the signature runs on every case.
    const signature = sameBytes(payload, form.payload) && sameBytes(protectedBytes, form.header) ? form.signature : signParts(crypto, issuer, protectedBytes, payload);
    // The signature is the last item, a 64-byte bstr: the signed input is the unsigned one with
    // its last 64 bytes replaced (byte for byte what encoding the tree again would give).
    const signed = unsigned.slice();
    signed.set(signature, signed.length - signatureBytes);
    return { bytes: signed, signedHere: { protectedBytes, payload, signature } };
  }

  function malleated(base: IssuedCredential): Uint8Array {
    const parsed = parseCredential(base.bytes);
    return encodeRaw(sign1Tree(parsed.sign1.protectedBytes, parsed.sign1.payload, malleateP256Signature(parsed.sign1.signature)));
  }

  return {
    name: 'credential',
    runCase(random) {
      const { bytes, parsed, signedHere } = generate(random);
      const result = execute(bytes, parsed, signedHere);
      return { input: () => ({ sub, hex: toHex(bytes) }), result, poolBytes: bytes } satisfies CaseRun;
    },
    replay(input) {
      return execute(fromHex((input as { hex: string }).hex));
    },
    keep(_sub, bytes) {
      pool.add(bytes);
    },
  };
}

function reencode(credential: ParsedCredential): Uint8Array {
  const { sign1, claims } = credential;
  return referenceSign1(signatureAlgorithms[sign1.algorithm], sign1.kid, credentialPayloadTree(claims), sign1.signature);
}

/** The EdDSA issuer's signature the generator made over a protected header and payload. */
interface SignedParts {
  protectedBytes: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

/**
 * Ed25519 signing is deterministic and only this harness holds the issuer keys, so a signature
 * equal to our own over the same bytes is valid: one the generator made for this very case over
 * the very header and payload the parse found (`signedHere`), or one signed again here; anything
 * else (ECDSA, a mismatch) is checked by the noble provider (slow, so only on that path).
 */
function independentlySigned(crypto: CryptoProvider, noble: CryptoProvider, fixtures: FuzzFixtures, credential: ParsedCredential, signedHere?: SignedParts): boolean {
  const issuer = issuerByKid(fixtures, credential.sign1.kid);
  if (issuer === undefined || issuer.algorithm !== credential.sign1.algorithm) return false;
  const { sign1 } = credential;
  if (signedHere !== undefined && issuer === fixtures.edIssuer && sameBytes(signedHere.signature, sign1.signature) && sameBytes(signedHere.protectedBytes, sign1.protectedBytes) && sameBytes(signedHere.payload, sign1.payload)) return true;
  const tbs = encodeRaw({ kind: 'array', items: [{ kind: 'text', value: 'Signature1' }, { kind: 'bytes', value: credential.sign1.protectedBytes }, { kind: 'bytes', value: new Uint8Array(0) }, { kind: 'bytes', value: credential.sign1.payload }] });
  if (issuer.algorithm === 'EdDSA' && sameBytes(crypto.sign('EdDSA', issuer.secretKey, tbs), credential.sign1.signature)) return true;
  return noble.verify(issuer.algorithm, issuer.publicKey, tbs, credential.sign1.signature);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
