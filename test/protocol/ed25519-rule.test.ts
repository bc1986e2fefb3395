/**
 * One Ed25519 verification rule (src/protocol/crypto/ed25519-rule.ts) in both providers: the 12
 * ed25519-speccheck vectors, constructed edge cases (mixed-order and small-order R, non-canonical R
 * and A, S ≥ L, small-order and mixed-order A) and seeded mutations get the same verdict from the
 * noble and the node provider, and that verdict is the rule's; the byte checks the rule is built
 * from are exact against noble's decoder and the torsion subgroup.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { ed25519SmallOrderEncodings, isCanonicalPointEncoding, isCanonicalScalar } from '../../src/protocol/crypto/ed25519-rule.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { seeded } from '../helpers/fixtures.ts';

const noble = createNobleProvider();
const node = createNodeProvider();
const edOrder = 2n ** 252n + 27742317777372353535851937790883648493n;
const bigOf = (bytes: Uint8Array): bigint => BigInt(`0x${toHex(bytes) || '0'}`);
const leBytes32 = (value: bigint): Uint8Array => fromHex(value.toString(16).padStart(64, '0')).reverse();

const edPoint = ed25519.Point;
const leBig = (bytes: Uint8Array): bigint => bigOf(bytes.slice().reverse());

/**
 * ed25519-speccheck (novifinancial/ed25519-speccheck, cases.txt; Chalkias, Garillot, Nikolaenko,
 * "Taming the many EdDSAs", SSR 2020): the 12 edge cases with the verdict of latchkey's rule, which
 * is libsodium's row of the published results (only case 3 passes). OpenSSL 3.0 alone passes 0–3
 * and 11; noble's cofactored verify (zip215: false) passes 2–5: the providers used to disagree on 4–5.
 */
const speccheck: [string, string, string, string, boolean][] = [
  ['0: S = 0, small-order A, small-order R', '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000', false],
  ['1: 0 < S < L, small-order A, mixed-order R', '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', false],
  ['2: 0 < S < L, mixed-order A, small-order R', 'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e', false],
  ['3: 0 < S < L, mixed-order A, mixed-order R, cofactorless holds', '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79', 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009', true],
  ['4: mixed-order A, mixed-order R, only the cofactored equation holds', 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09', false],
  ['5: mixed-order A, mixed-order R, only the cofactored equation holds (other reduction)', 'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c', 'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d', '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405', false],
  ['6: S > L', '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', 'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514', false],
  ['7: S ≫ L', '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40', '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623', '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22', false],
  ['8: non-canonical R (negative zero, small order), k over the reduced encoding', '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f', false],
  ['9: non-canonical R (negative zero, small order), k over the bytes as sent', '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41', 'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908', false],
  ['10: non-canonical A (negative zero, small order), k over the reduced encoding', 'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', false],
  ['11: non-canonical A (negative zero, small order), k over the bytes as sent', '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', 'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04', false],
];

/** Both providers' answers, so a disagreement shows both sides. */
const edVerdicts = (key: Uint8Array, message: Uint8Array, signature: Uint8Array): { noble: boolean; node: boolean } => ({
  noble: noble.verify('EdDSA', key, message, signature),
  node: node.verify('EdDSA', key, message, signature),
});

describe('Ed25519 rule: ed25519-speccheck vectors, both providers agree on every case', () => {
  it.each(speccheck)('%s', (_name, messageHex, keyHex, signatureHex, expected) => {
    expect(edVerdicts(fromHex(keyHex), fromHex(messageHex), fromHex(signatureHex))).toEqual({ noble: expected, node: expected });
  });
});

describe('Ed25519 rule: constructed edge cases, both providers agree on every case', () => {
  const secret = seeded(24, 'ed-edge').bytes(32);
  const { scalar: a, point: A, pointBytes: keyBytes } = ed25519.utils.getExtendedPublicKey(secret);
  const message = utf8('open door 7');
  const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000');
  const order8 = edPoint.fromBytes(fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'));
  const challenge = (rBytes: Uint8Array, key: Uint8Array, m: Uint8Array): bigint => edPoint.Fn.create(leBig(sha512(new Uint8Array([...rBytes, ...key, ...m]))));
  /** S = r + k·a for the R bytes actually sent: whatever R is, [S]B − [k]A = [r]B. */
  const signWith = (rBytes: Uint8Array, r: bigint, key: Uint8Array = keyBytes, m: Uint8Array = message): Uint8Array => new Uint8Array([...rBytes, ...leBytes32(edPoint.Fn.create(r + challenge(rBytes, key, m) * a))]);
  const r = 0x1234567890abcdefn;
  const genuine = signWith(edPoint.BASE.multiply(r).toBytes(), r);
  // A mixed-order key A + T, and a message whose k is a multiple of 8 (then [k]T = 0), or one whose k is not.
  const mixedKey = A.add(order8).toBytes();
  const messageWithK = (multipleOf8: boolean): Uint8Array => {
    const rBytes = edPoint.BASE.multiply(r).toBytes();
    for (let i = 0; ; i++) {
      const candidate = utf8(`open door ${i}`);
      if ((challenge(rBytes, mixedKey, candidate) % 8n === 0n) === multipleOf8) return candidate;
    }
  };
  const kMultipleOf8 = messageWithK(true);
  const kNotMultipleOf8 = messageWithK(false);
  const zeroSignature = new Uint8Array([...identity, ...new Uint8Array(32)]);

  const cases: [string, Uint8Array, Uint8Array, Uint8Array, boolean][] = [
    ['a genuine signature', keyBytes, message, genuine, true],
    ['the genuine signature on another message', keyBytes, utf8('open door 8'), genuine, false],
    ['S + L (non-canonical S, same residue)', keyBytes, message, new Uint8Array([...genuine.subarray(0, 32), ...leBytes32(leBig(genuine.subarray(32)) + edOrder)]), false],
    ['S = L', keyBytes, message, new Uint8Array([...genuine.subarray(0, 32), ...leBytes32(edOrder)]), false],
    ['mixed-order R = [r]B + T (T of order 8): only the cofactored equation holds', keyBytes, message, signWith(edPoint.BASE.multiply(r).add(order8).toBytes(), r), false],
    ['mixed-order R = [r]B + T (T of order 2)', keyBytes, message, signWith(edPoint.BASE.multiply(r).add(order8.multiply(4n)).toBytes(), r), false],
    ['small-order R = identity with S = k·a: both equations hold, refused as small-order R', keyBytes, message, signWith(identity, 0n), false],
    ['small-order R of order 8 with S = k·a (cofactored only)', keyBytes, message, signWith(order8.toBytes(), 0n), false],
    ['non-canonical R: identity encoded as y = p + 1, S = k·a over those bytes (ZIP-215 accepts)', keyBytes, message, signWith(fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), 0n), false],
    ['non-canonical R: identity with the sign bit set (negative zero)', keyBytes, message, signWith(fromHex('0100000000000000000000000000000000000000000000000000000000000080'), 0n), false],
    ['mixed-order A = A + T, k ≡ 0 mod 8: the cofactorless equation holds exactly', mixedKey, kMultipleOf8, signWith(edPoint.BASE.multiply(r).toBytes(), r, mixedKey, kMultipleOf8), true],
    ['mixed-order A = A + T, k ≢ 0 mod 8: only the cofactored equation holds', mixedKey, kNotMultipleOf8, signWith(edPoint.BASE.multiply(r).toBytes(), r, mixedKey, kNotMultipleOf8), false],
    ...ed25519SmallOrderEncodings.map((encoding, index): [string, Uint8Array, Uint8Array, Uint8Array, boolean] => [`small-order A #${index} (${toHex(encoding).slice(0, 8)}…), R = identity, S = 0`, encoding, message, zeroSignature, false]),
    ['non-canonical A: y = p (the order-4 point y = 0)', fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), message, zeroSignature, false],
    ['non-canonical A: y = p + 1 (the identity)', fromHex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), message, zeroSignature, false],
    ['non-canonical A: the identity with the sign bit set', fromHex('0100000000000000000000000000000000000000000000000000000000000080'), message, zeroSignature, false],
    ['non-canonical A: (0, −1) with the sign bit set', fromHex('ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff'), message, zeroSignature, false],
  ];
  it.each(cases)('%s', (_name, key, signedMessage, signature, expected) => {
    expect(edVerdicts(key, signedMessage, signature)).toEqual({ noble: expected, node: expected });
  });

  it('the constructed mixed-R signature is one noble\'s cofactored verify accepts (the disagreement being fixed)', () => {
    const mixedR = signWith(edPoint.BASE.multiply(r).add(order8).toBytes(), r);
    expect(ed25519.verify(mixedR, message, keyBytes, { zip215: false })).toBe(true);
  });

  it('seeded mutations (torsion added to R or A, bit flips, S ± L) get the same verdict from both providers', () => {
    const random = seeded(24, 'ed-mutations');
    const torsion = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((multiple) => (multiple === 0n ? edPoint.ZERO : order8.multiply(multiple)));
    for (let i = 0; i < 40; i++) {
      const edSecret = random.bytes(32);
      const { point, pointBytes } = ed25519.utils.getExtendedPublicKey(edSecret);
      const signedMessage = random.bytes(i);
      const signature = ed25519.sign(signedMessage, edSecret);
      const t = torsion[random.below(8)]!;
      const mutations: [Uint8Array, Uint8Array][] = [
        [pointBytes, new Uint8Array([...edPoint.fromBytes(signature.subarray(0, 32)).add(t).toBytes(), ...signature.subarray(32)])],
        [point.add(t).toBytes(), signature],
        [pointBytes, (() => { const flipped = signature.slice(); flipped[random.below(64)]! ^= 1 << random.below(8); return flipped; })()],
        [pointBytes, new Uint8Array([...signature.subarray(0, 32), ...leBytes32(leBig(signature.subarray(32)) + edOrder)])],
      ];
      for (const [key, candidate] of mutations) {
        const verdicts = edVerdicts(key, signedMessage, candidate);
        expect(verdicts.node, `case ${i}: ${toHex(key)} ${toHex(candidate)}`).toBe(verdicts.noble);
      }
      expect(edVerdicts(pointBytes, signedMessage, signature)).toEqual({ noble: true, node: true });
    }
  });
});

describe('Ed25519 rule: the byte checks are exact', () => {
  it('the small-order list is exactly the 8 points of the torsion subgroup, canonically encoded', () => {
    const generator = edPoint.fromBytes(ed25519SmallOrderEncodings[6]!);
    const multiples = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n].map((k) => toHex((k === 0n ? edPoint.ZERO : generator.multiply(k)).toBytes()));
    expect(new Set(ed25519SmallOrderEncodings.map(toHex))).toEqual(new Set(multiples));
    for (const encoding of ed25519SmallOrderEncodings) {
      const point = edPoint.fromBytes(encoding, false);
      expect(point.isSmallOrder()).toBe(true);
      expect(toHex(point.toBytes())).toBe(toHex(encoding));
    }
  });

  it('isCanonicalPointEncoding agrees with noble\'s strict decoder on every encoding the lenient (ZIP-215) decoder accepts', () => {
    const random = seeded(24, 'encodings');
    const high = (low: number, top: number): Uint8Array => new Uint8Array([low, ...new Array<number>(30).fill(0xff), top]);
    const edges = [
      ...[0xe0, 0xeb, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xff].flatMap((low) => [high(low, 0x7f), high(low, 0xff)]),
      ...[0, 1, 2].flatMap((low) => [new Uint8Array([low, ...new Array<number>(31).fill(0)]), new Uint8Array([low, ...new Array<number>(30).fill(0), 0x80])]),
      ...ed25519SmallOrderEncodings.flatMap((encoding) => [encoding, new Uint8Array([...encoding.subarray(0, 31), encoding[31]! ^ 0x80])]),
    ];
    let decodable = 0;
    for (const bytes of [...edges, ...Array.from({ length: 300 }, () => random.bytes(32))]) {
      let lenient = true;
      try {
        edPoint.fromBytes(bytes, true);
      } catch {
        lenient = false;
      }
      if (!lenient) continue;
      decodable++;
      let strict = true;
      try {
        edPoint.fromBytes(bytes, false);
      } catch {
        strict = false;
      }
      expect(isCanonicalPointEncoding(bytes), toHex(bytes)).toBe(strict);
    }
    expect(decodable).toBeGreaterThan(100);
  });

  it('isCanonicalScalar is S < L at the boundary and on seeded values', () => {
    for (const [value, canonical] of [[0n, true], [1n, true], [edOrder - 1n, true], [edOrder, false], [edOrder + 1n, false], [2n ** 253n, false], [2n ** 256n - 1n, false]] as const) {
      expect(isCanonicalScalar(leBytes32(value)), value.toString()).toBe(canonical);
    }
    const random = seeded(24, 'scalars');
    for (let i = 0; i < 300; i++) {
      const bytes = random.bytes(32);
      bytes[31] = bytes[31]! & (i % 2 === 0 ? 0x1f : 0x10); // around L's top byte (0x10)
      expect(isCanonicalScalar(bytes)).toBe(leBig(bytes) < edOrder);
    }
  });
});
