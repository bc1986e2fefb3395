/**
 * Target `messages`: the unlock protocol decoders (challenge, request, sealed inner, result), the
 * chunk Reassembler, and the two signed documents a phone or lock verifies (lock update, lock
 * certificate). Byte decoders get byte havoc, structure-aware tree edits and random items; an
 * accepted input must re-encode (with the core's encoder) to its own bytes. Chunk streams are
 * split from valid requests then dropped, duplicated, reordered, truncated or padded, and the
 * Reassembler must agree with a reference model push by push. Signed documents are re-signed after
 * structural edits so the payload checks are reached; accepted ones must re-encode exactly.
 */
import { fromHex, toHex } from '../../protocol/bytes.ts';
import { decodeStrict, type CborValue } from '../../protocol/cbor.ts';
import { parseSign1 } from '../../protocol/cose.ts';
import { createNobleProvider } from '../../protocol/crypto/noble.ts';
import { signatureAlgorithms } from '../../protocol/crypto/provider.ts';
import { issuerAlgorithms } from '../../protocol/issuer-keys.ts';
import { verifyLockCertificate, lockCertBytesMax } from '../../protocol/lock-cert.ts';
import { verifyLockUpdate, lockUpdateBytesMax } from '../../protocol/lock-update.ts';
import type { SeededRandom } from '../../protocol/random.ts';
import { decodeChallenge, encodeChallenge } from '../../protocol/unlock/challenge.ts';
import { Reassembler, splitIntoChunks } from '../../protocol/unlock/chunking.ts';
import { decodeRequest, decodeResult, decodeSealedInner, encodeRequest, encodeResult, encodeSealedInner } from '../../protocol/unlock/messages.ts';
import { mutateBytes } from './byte-mutations.ts';
import { sameBytes } from './credential-target.ts';
import { fastCheckRandom, sample } from './fc-random.ts';
import { fuzzEpochS, issuerByKid, type FuzzFixtures } from './fixtures.ts';
import { BytePool } from './pool.ts';
import { encodeRaw, rawItemArbitrary, type RawItem } from './raw-cbor.ts';
import { ReassemblyModel } from './reassembly-model.ts';
import { certificatePayloadTree as certificatePayloadTreeV1, protectedTree, referenceSign1, sign1Tree, signParts, toBeSigned, updatePayloadTree as updatePayloadTreeV1 } from './reference.ts';
import { applyTreeMutations, treeMutationsArbitrary } from './tree-mutations.ts';
import { classify, type CaseResult, type CaseRun, type FuzzTarget, type TargetOptions } from './types.ts';
import { mutateChunkStream } from './chunk-mutations.ts';
import { array, bytes, int, uint } from './raw-cbor.ts';
import type { LockCertificate } from '../../protocol/lock-cert.ts';
import type { LockUpdate } from '../../protocol/lock-update.ts';

/** The lock's map in a certificate gained field 4 (protocol versions); reference.ts has the v1 layout. */
function certificatePayloadTree(cert: LockCertificate): RawItem {
  const tree = certificatePayloadTreeV1(cert);
  if (tree.kind !== 'map') return tree;
  return { kind: 'map', entries: tree.entries.map(([key, value]) => [key, key.kind === 'nint' && value.kind === 'map' ? { kind: 'map', entries: [...value.entries, [uint(4), uint(cert.versions)]] } : value]) };
}

/** The update body gained optional fields 7 (door sequence ceiling), 8 (administration keys) and 9 (epoch, never 0). */
function updatePayloadTree(update: LockUpdate): RawItem {
  const tree = updatePayloadTreeV1(update);
  const added: [RawItem, RawItem][] = [];
  if (update.sequenceCeiling !== undefined) added.push([uint(7), uint(update.sequenceCeiling)]);
  if (update.updateKeys !== undefined) added.push([uint(8), array(...update.updateKeys.map((key) => array(bytes(key.kid), int(signatureAlgorithms[key.algorithm]), bytes(key.publicKey))))]);
  if (update.epoch !== undefined) added.push([uint(9), uint(update.epoch)]);
  if (tree.kind !== 'map' || added.length === 0) return tree;
  return { kind: 'map', entries: tree.entries.map(([key, value]) => [key, key.kind === 'nint' && value.kind === 'map' ? { kind: 'map', entries: [...value.entries, ...added] } : value]) };
}

type ByteSub = 'decodeChallenge' | 'decodeRequest' | 'decodeSealedInner' | 'decodeResult' | 'verifyLockUpdate' | 'verifyLockCertificate';
/** Sub-targets with integer weights (cheap decoders often, signature-checked documents rarely). */
const schedule: readonly (ByteSub | 'reassembler')[] = [
  ...Array<ByteSub>(2).fill('decodeChallenge'),
  ...Array<ByteSub>(4).fill('decodeRequest'),
  ...Array<ByteSub>(3).fill('decodeSealedInner'),
  ...Array<ByteSub>(3).fill('decodeResult'),
  ...Array<'reassembler'>(3).fill('reassembler'),
  'verifyLockUpdate',
  'verifyLockCertificate',
];

/** A canonical CBOR value as a raw tree (the starting point of structural edits). */
export function treeOf(value: CborValue): RawItem {
  if (typeof value === 'number') return value >= 0 ? { kind: 'uint', value } : { kind: 'nint', value: -1 - value };
  if (typeof value === 'string') return { kind: 'text', value };
  if (typeof value === 'boolean') return { kind: 'simple', value: value ? 21 : 20 };
  if (value === null) return { kind: 'simple', value: 22 };
  if (value instanceof Uint8Array) return { kind: 'bytes', value };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(treeOf) };
  return { kind: 'map', entries: [...value.entries()].map(([key, item]) => [treeOf(key), treeOf(item)]) };
}

export function createMessagesTarget(fixtures: FuzzFixtures, options: TargetOptions): FuzzTarget {
  const { crypto } = fixtures;
  const noble = createNobleProvider();
  const seeds: Record<ByteSub, Uint8Array[]> = {
    ...fixtures.messages,
    verifyLockUpdate: fixtures.updates.map((entry) => entry.bytes),
    verifyLockCertificate: [fixtures.certificateBytes],
  };
  const pools = Object.fromEntries(Object.entries(seeds).map(([sub, inputs]) => [sub, new BytePool(inputs)])) as Record<ByteSub, BytePool>;
  const trees = Object.fromEntries(Object.entries(fixtures.messages).map(([sub, inputs]) => [sub, sub === 'decodeChallenge' ? [] : inputs.map((bytes) => treeOf(decodeStrict(bytes)))])) as Record<string, RawItem[]>;

  const decoders: Record<Exclude<ByteSub, 'verifyLockUpdate' | 'verifyLockCertificate'>, (bytes: Uint8Array) => Uint8Array> = {
    // The canary "forgets" the challenge's version byte when re-encoding: accepted inputs then differ.
    decodeChallenge: (bytes) => (options.canary ? encodeChallenge({ ...decodeChallenge(bytes), lockVersions: 1 }) : encodeChallenge(decodeChallenge(bytes))),
    decodeRequest: (bytes) => encodeRequest(decodeRequest(bytes)),
    decodeSealedInner: (bytes) => encodeSealedInner(decodeSealedInner(bytes)),
    decodeResult: (bytes) => encodeResult(decodeResult(bytes)),
  };

  function executeBytes(sub: ByteSub, bytes: Uint8Array): CaseResult {
    if (sub === 'verifyLockUpdate' || sub === 'verifyLockCertificate') return executeSigned(sub, bytes);
    const decoded = classify(() => decoders[sub](bytes));
    if (decoded.kind === 'crash') return { sub, outcome: 'crash', finding: { kind: 'crash', detail: `${sub}: ${decoded.detail}` } };
    if (decoded.kind === 'refused') return { sub, outcome: decoded.code };
    if (!sameBytes(decoded.value, bytes)) return { sub, outcome: 'accepted', finding: { kind: 'not_canonical', detail: `${sub} accepted bytes that re-encode as ${toHex(decoded.value)}` } };
    return { sub, outcome: 'accepted' };
  }

  function executeSigned(sub: 'verifyLockUpdate' | 'verifyLockCertificate', bytes: Uint8Array): CaseResult {
    const verified =
      sub === 'verifyLockUpdate'
        ? classify(() => updatePayloadTree(verifyLockUpdate(crypto, bytes, fixtures.trusted)))
        : classify(() => certificatePayloadTree(verifyLockCertificate(crypto, bytes, fixtures.trusted, fuzzEpochS)));
    if (verified.kind === 'crash') return { sub, outcome: 'crash', finding: { kind: 'crash', detail: `${sub}: ${verified.detail}` } };
    if (verified.kind === 'refused') return { sub, outcome: verified.code };
    const sign1 = parseSign1(bytes, issuerAlgorithms, sub === 'verifyLockUpdate' ? lockUpdateBytesMax : lockCertBytesMax);
    const reference = referenceSign1(signatureAlgorithms[sign1.algorithm], sign1.kid, verified.value, sign1.signature);
    if (!sameBytes(reference, bytes)) return { sub, outcome: 'accepted', finding: { kind: 'not_canonical', detail: `${sub} accepted bytes that re-encode as ${toHex(reference)}` } };
    const issuer = issuerByKid(fixtures, sign1.kid);
    const tbs = toBeSigned(sign1.protectedBytes, sign1.payload);
    const signed = issuer !== undefined && issuer.algorithm === sign1.algorithm && (sameBytes(crypto.sign(issuer.algorithm, issuer.secretKey, tbs), sign1.signature) || noble.verify(issuer.algorithm, issuer.publicKey, tbs, sign1.signature));
    if (!signed) return { sub, outcome: 'accepted', finding: { kind: 'accepted_invalid', detail: `${sub} accepted a document not signed by a trusted issuer` } };
    return { sub, outcome: 'accepted' };
  }

  function generateBytes(sub: ByteSub, random: SeededRandom): Uint8Array {
    const choice = random.below(8);
    if (choice < 1) return seeds[sub][random.below(seeds[sub].length)]!;
    if (choice < 5 || sub === 'decodeChallenge') return mutateBytes(pools[sub].pick(random), random, pools[sub].pick(random));
    const fcRandom = fastCheckRandom(random);
    if (choice < 7 && (sub === 'verifyLockUpdate' || sub === 'verifyLockCertificate')) return resignedDocument(sub, random, fcRandom);
    if (choice < 7) {
      const bases = trees[sub]!;
      return encodeRaw(applyTreeMutations(bases[random.below(bases.length)]!, sample(treeMutationsArbitrary, fcRandom)));
    }
    return encodeRaw(sample(rawItemArbitrary, fcRandom));
  }

  /** A structurally edited payload, signed by the EdDSA issuer so the payload checks run. */
  function resignedDocument(sub: 'verifyLockUpdate' | 'verifyLockCertificate', random: SeededRandom, fcRandom: ReturnType<typeof fastCheckRandom>): Uint8Array {
    const base = sub === 'verifyLockUpdate' ? updatePayloadTree(fixtures.updates[random.below(fixtures.updates.length)]!.update) : certificatePayloadTree(fixtures.certificate);
    const issuer = fixtures.edIssuer;
    const protectedBytes = encodeRaw(protectedTree(signatureAlgorithms[issuer.algorithm], issuer.kid));
    const payload = encodeRaw(applyTreeMutations(base, sample(treeMutationsArbitrary, fcRandom)));
    return encodeRaw(sign1Tree(protectedBytes, payload, signParts(crypto, issuer, protectedBytes, payload)));
  }

  function executeChunks(chunks: Uint8Array[]): CaseResult {
    const real = new Reassembler();
    const model = new ReassemblyModel();
    let outcome = 'pending';
    for (const [index, chunk] of chunks.entries()) {
      const expected = model.push(chunk);
      const actual = classify(() => real.push(chunk));
      if (actual.kind === 'crash') return { sub: 'reassembler', outcome: 'crash', finding: { kind: 'crash', detail: `Reassembler.push: ${actual.detail}` } };
      const agree =
        actual.kind === 'refused'
          ? expected.kind === 'refused' && expected.code === actual.code
          : actual.value === undefined
            ? expected.kind === 'pending'
            : expected.kind === 'message' && sameBytes(expected.message, actual.value);
      const describe = actual.kind === 'refused' ? actual.code : actual.value === undefined ? 'pending' : `message of ${actual.value.length} bytes`;
      if (!agree) return { sub: 'reassembler', outcome: 'mismatch', finding: { kind: 'model_mismatch', detail: `chunk ${index}: Reassembler said ${describe}, the model ${expected.kind === 'refused' ? expected.code : expected.kind}` } };
      outcome = actual.kind === 'refused' ? actual.code : actual.value === undefined ? outcome : 'message';
    }
    return { sub: 'reassembler', outcome };
  }

  function generateChunks(random: SeededRandom): Uint8Array[] {
    const requests = seeds.decodeRequest;
    const message = random.chance(1, 8) ? random.bytes(random.below(2 * 2048 + 64)) : requests[random.below(requests.length)]!;
    const mtu = random.chance(1, 2) ? 23 : 23 + random.below(517 - 23 + 1);
    const chunks = message.length > 0 && Math.ceil(message.length / (mtu - 4)) > 128 ? splitLoose(message, mtu) : splitIntoChunks(message, mtu);
    return mutateChunkStream(chunks, random);
  }

  return {
    name: 'messages',
    runCase(random) {
      const sub = schedule[random.below(schedule.length)]!;
      if (sub === 'reassembler') {
        const chunks = generateChunks(random);
        return { input: () => ({ sub, chunks: chunks.map(toHex) }), result: executeChunks(chunks) } satisfies CaseRun;
      }
      const bytes = generateBytes(sub, random);
      return { input: () => ({ sub, hex: toHex(bytes) }), result: executeBytes(sub, bytes), poolBytes: bytes } satisfies CaseRun;
    },
    replay(input) {
      const record = input as { sub: ByteSub | 'reassembler'; hex?: string; chunks?: string[] };
      if (record.sub === 'reassembler') return executeChunks((record.chunks ?? []).map(fromHex));
      return executeBytes(record.sub, fromHex(record.hex ?? ''));
    },
    keep(sub, bytes) {
      if (sub in pools) pools[sub as ByteSub].add(bytes);
    },
  };
}

/** Splits without the 128-chunk assertion (over-long streams are inputs here, not bugs). */
function splitLoose(message: Uint8Array, mtu: number): Uint8Array[] {
  const size = mtu - 4;
  const chunks: Uint8Array[] = [];
  for (let offset = 0, index = 0; offset < message.length; offset += size, index++) {
    const data = message.subarray(offset, offset + size);
    const chunk = new Uint8Array(1 + data.length);
    chunk[0] = (offset + size < message.length ? 0x80 : 0) | (index & 0x7f);
    chunk.set(data, 1);
    chunks.push(chunk);
  }
  return chunks;
}
