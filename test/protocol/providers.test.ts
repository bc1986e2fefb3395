/**
 * The two crypto providers (noble: pure JS; node: OpenSSL) agree on published vectors and on each
 * other's outputs; by default P-256 verify accepts high-S signatures as OpenSSL, WebCrypto and phone
 * keystores make them, and with `{ lowS: true }` (issuer signatures) both refuse them; both apply
 * the one Ed25519 rule (ed25519-rule.ts) to the ed25519-speccheck edge cases and constructed ones;
 * both answer malformed keys and signatures with false, never a throw.
 */
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { ed25519SmallOrderEncodings, isCanonicalPointEncoding, isCanonicalScalar } from '../../src/protocol/crypto/ed25519-rule.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { isHighS, p256SecretFromSeed, type CryptoProvider } from '../../src/protocol/crypto/provider.ts';
import { seeded } from '../helpers/fixtures.ts';
import { catchLatchkey } from '../helpers/hostile.ts';

const noble = createNobleProvider();
const node = createNodeProvider();
const providers: [string, CryptoProvider][] = [['noble', noble], ['node', node]];
const order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const edOrder = 2n ** 252n + 27742317777372353535851937790883648493n;

const bigOf = (bytes: Uint8Array): bigint => BigInt(`0x${toHex(bytes) || '0'}`);
const bytes32 = (value: bigint): Uint8Array => fromHex(value.toString(16).padStart(64, '0'));
const leBytes32 = (value: bigint): Uint8Array => bytes32(value).reverse();
const withS = (signature: Uint8Array, s: bigint): Uint8Array => new Uint8Array([...signature.subarray(0, 32), ...bytes32(s)]);

describe.each(providers)('%s provider: published vectors', (_name, crypto) => {
  it('SHA-256 (FIPS 180-4 examples)', () => {
    expect(toHex(crypto.sha256(new Uint8Array(0)))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(crypto.sha256(utf8('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('HMAC-SHA-256 (RFC 4231 cases 1 and 2)', () => {
    expect(toHex(crypto.hmacSha256(new Uint8Array(20).fill(0x0b), utf8('Hi There')))).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(toHex(crypto.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('HKDF-SHA-256 (RFC 5869 cases 1 and 3)', () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    expect(toHex(crypto.hkdfSha256(ikm, fromHex('000102030405060708090a0b0c'), fromHex('f0f1f2f3f4f5f6f7f8f9'), 42))).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
    expect(toHex(crypto.hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42))).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  });

  it('AES-256-GCM (GCM spec test cases 13 and 14)', () => {
    const key = new Uint8Array(32);
    const iv = new Uint8Array(12);
    expect(toHex(crypto.aesGcmSeal(key, iv, new Uint8Array(0), new Uint8Array(0)))).toBe('530f8afbc74536b9a963b4f1c4cb738b');
    const sealed = crypto.aesGcmSeal(key, iv, new Uint8Array(0), new Uint8Array(16));
    expect(toHex(sealed)).toBe('cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919');
    expect(toHex(crypto.aesGcmOpen(key, iv, new Uint8Array(0), sealed)!)).toBe('00'.repeat(16));
  });

  it('Ed25519 (RFC 8032 §7.1 test 1)', () => {
    const secret = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
    const publicKey = crypto.publicKeyOf('EdDSA', secret);
    expect(toHex(publicKey)).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
    const signature = crypto.sign('EdDSA', secret, new Uint8Array(0));
    expect(toHex(signature)).toBe('e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b');
    expect(crypto.verify('EdDSA', publicKey, new Uint8Array(0), signature)).toBe(true);
    expect(crypto.verify('EdDSA', publicKey, new Uint8Array(1), signature)).toBe(false);
  });

  it('ES256 (RFC 6979 §A.2.5, P-256/SHA-256 "sample"): deterministic r, S normalised low, the high-S original verifies', () => {
    const secret = fromHex('c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721');
    const publicKey = crypto.publicKeyOf('ES256', secret);
    expect(toHex(publicKey)).toBe('0360fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6');
    const rfc = fromHex('efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8');
    expect(bigOf(rfc.subarray(32))).toBeGreaterThan(order / 2n); // the published S is high
    const signature = crypto.sign('ES256', secret, utf8('sample'));
    expect(toHex(signature.subarray(0, 32))).toBe(toHex(rfc.subarray(0, 32)));
    expect(bigOf(signature.subarray(32))).toBe(order - bigOf(rfc.subarray(32)));
    expect(crypto.verify('ES256', publicKey, utf8('sample'), signature)).toBe(true);
    expect(crypto.verify('ES256', publicKey, utf8('sample'), rfc)).toBe(true);
    const uncompressed = fromHex('0460fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb67903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299');
    expect(crypto.verify('ES256', uncompressed, utf8('sample'), rfc)).toBe(true);
    expect(crypto.verify('ES256', publicKey, utf8('samplf'), rfc)).toBe(false);
  });
});

describe('providers agree with each other', () => {
  const random = seeded(21, 'agreement');
  const messages = [new Uint8Array(0), utf8('latchkey'), random.bytes(1000)];

  it('hashes, MACs and HKDF agree on seeded inputs', () => {
    for (let i = 0; i < 20; i++) {
      const data = random.bytes(i * 37);
      const key = random.bytes(i * 5);
      expect(toHex(noble.sha256(data))).toBe(toHex(node.sha256(data)));
      expect(toHex(noble.hmacSha256(key, data))).toBe(toHex(node.hmacSha256(key, data)));
      const info = random.bytes(i);
      expect(toHex(noble.hkdfSha256(data, key, info, 1 + i * 13))).toBe(toHex(node.hkdfSha256(data, key, info, 1 + i * 13)));
    }
  });

  it('public keys, Ed25519 and ES256 signatures verify both ways', () => {
    for (let i = 0; i < 6; i++) {
      const edSecret = random.bytes(32);
      const esSecret = p256SecretFromSeed(random.bytes(48));
      expect(toHex(noble.publicKeyOf('EdDSA', edSecret))).toBe(toHex(node.publicKeyOf('EdDSA', edSecret)));
      expect(toHex(noble.publicKeyOf('ES256', esSecret))).toBe(toHex(node.publicKeyOf('ES256', esSecret)));
      for (const message of messages) {
        for (const [algorithm, secret] of [['EdDSA', edSecret], ['ES256', esSecret]] as const) {
          const publicKey = node.publicKeyOf(algorithm, secret);
          const byNoble = noble.sign(algorithm, secret, message);
          const byNode = node.sign(algorithm, secret, message);
          expect(toHex(byNoble)).toBe(toHex(byNode)); // both deterministic
          expect(noble.verify(algorithm, publicKey, message, byNode)).toBe(true);
          expect(node.verify(algorithm, publicKey, message, byNoble)).toBe(true);
          const tampered = byNode.slice();
          tampered[i % 64] = tampered[i % 64]! ^ 1;
          expect(noble.verify(algorithm, publicKey, message, tampered)).toBe(false);
          expect(node.verify(algorithm, publicKey, message, tampered)).toBe(false);
        }
      }
    }
  });

  it('ECDH agrees in both directions and across providers', () => {
    for (let i = 0; i < 5; i++) {
      const a = p256SecretFromSeed(random.bytes(48));
      const b = p256SecretFromSeed(random.bytes(48));
      const shared = toHex(noble.ecdhP256(a, node.publicKeyOf('ES256', b)));
      expect(shared).toHaveLength(64);
      expect(toHex(node.ecdhP256(a, noble.publicKeyOf('ES256', b)))).toBe(shared);
      expect(toHex(noble.ecdhP256(b, node.publicKeyOf('ES256', a)))).toBe(shared);
      expect(toHex(node.ecdhP256(b, p256.getPublicKey(a, false)))).toBe(shared); // uncompressed peer key too
    }
  });

  it('AES-GCM seals identically and opens across providers; any tamper fails in both', () => {
    for (let i = 0; i < 10; i++) {
      const key = random.bytes(32);
      const iv = random.bytes(12);
      const aad = random.bytes(i * 3);
      const plaintext = random.bytes(i * 29);
      const sealed = noble.aesGcmSeal(key, iv, aad, plaintext);
      expect(toHex(node.aesGcmSeal(key, iv, aad, plaintext))).toBe(toHex(sealed));
      expect(toHex(node.aesGcmOpen(key, iv, aad, sealed)!)).toBe(toHex(plaintext));
      expect(toHex(noble.aesGcmOpen(key, iv, aad, sealed)!)).toBe(toHex(plaintext));
      const tampered = sealed.slice();
      tampered[i % sealed.length] = tampered[i % sealed.length]! ^ 0x80;
      for (const crypto of [noble, node]) {
        expect(crypto.aesGcmOpen(key, iv, aad, tampered)).toBeUndefined();
        expect(crypto.aesGcmOpen(key, iv, new Uint8Array([...aad, 0]), sealed)).toBeUndefined();
        expect(crypto.aesGcmOpen(key, iv, aad, sealed.subarray(0, 15))).toBeUndefined();
        expect(crypto.aesGcmOpen(key, iv, aad, new Uint8Array(0))).toBeUndefined();
      }
    }
  });
});

describe('noble P-256 verify accepts node:crypto (OpenSSL) signatures, high S included', () => {
  it('signatures made by node:crypto directly verify in both providers, and their S-mirror too', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x!, 'base64url');
    const y = Buffer.from(jwk.y!, 'base64url');
    const compressed = new Uint8Array([y[31]! & 1 ? 0x03 : 0x02, ...x]);
    let highSeen = 0;
    for (let i = 0; i < 24; i++) {
      const message = randomBytes(i * 11);
      const signer = createSign('sha256');
      signer.update(message);
      const signature = new Uint8Array(signer.sign({ key: privateKey, dsaEncoding: 'ieee-p1363' }));
      const s = bigOf(signature.subarray(32));
      if (s > order / 2n) highSeen++;
      const mirror = withS(signature, order - s); // the other valid S for the same r
      const high = s > order / 2n ? signature : mirror; // explicitly high-S, whatever OpenSSL chose
      expect(bigOf(high.subarray(32))).toBeGreaterThan(order / 2n);
      const low = s > order / 2n ? mirror : signature;
      for (const candidate of [signature, mirror, high]) {
        expect(noble.verify('ES256', compressed, message, candidate)).toBe(true);
        expect(node.verify('ES256', compressed, message, candidate)).toBe(true);
      }
      // The issuer rule: with { lowS: true } only the low-S one of the pair verifies, in both providers.
      for (const crypto of [noble, node]) {
        expect(crypto.verify('ES256', compressed, message, low, { lowS: true })).toBe(true);
        expect(crypto.verify('ES256', compressed, message, high, { lowS: true })).toBe(false);
        expect(crypto.verify('ES256', compressed, message, high, { lowS: false })).toBe(true);
      }
    }
    // OpenSSL does not normalise S: about half of its signatures are high-S as made.
    expect(highSeen).toBeGreaterThan(0);
  });
});

describe('ES256 low S: both providers sign low-S, and { lowS: true } refuses exactly s > n/2', () => {
  const half = order / 2n; // ⌊n/2⌋, the largest low S

  it('isHighS matches noble\'s Signature.hasHighS at the boundary and on seeded values', () => {
    const r = bytes32(1n);
    const boundary: [bigint, boolean][] = [[1n, false], [half - 1n, false], [half, false], [half + 1n, true], [order - 1n, true]];
    for (const [s, high] of boundary) {
      const signature = new Uint8Array([...r, ...bytes32(s)]);
      expect(isHighS(signature)).toBe(high);
      expect(p256.Signature.fromBytes(signature, 'compact').hasHighS()).toBe(high);
    }
    const random = seeded(23, 'high-s');
    for (let i = 0; i < 200; i++) {
      const s = (bigOf(random.bytes(32)) % (order - 1n)) + 1n;
      const signature = new Uint8Array([...r, ...bytes32(s)]);
      expect(isHighS(signature)).toBe(s > half);
    }
    expect(isHighS(new Uint8Array(63))).toBe(false); // not a signature: verify refuses it on length
  });

  it('sign produces low S in both providers, byte-identically (RFC 6979), and both verify modes accept it', () => {
    const random = seeded(23, 'low-s-sign');
    for (let i = 0; i < 24; i++) {
      const secret = p256SecretFromSeed(random.bytes(48));
      const message = random.bytes(i * 7);
      const byNoble = noble.sign('ES256', secret, message);
      const byNode = node.sign('ES256', secret, message);
      expect(toHex(byNode)).toBe(toHex(byNoble));
      expect(bigOf(byNoble.subarray(32))).toBeLessThanOrEqual(half);
      const publicKey = noble.publicKeyOf('ES256', secret);
      const mirror = withS(byNoble, order - bigOf(byNoble.subarray(32)));
      for (const crypto of [noble, node]) {
        expect(crypto.verify('ES256', publicKey, message, byNoble, { lowS: true })).toBe(true);
        expect(crypto.verify('ES256', publicKey, message, byNoble)).toBe(true);
        expect(crypto.verify('ES256', publicKey, message, mirror)).toBe(true); // a holder proof may be high-S
        expect(crypto.verify('ES256', publicKey, message, mirror, { lowS: true })).toBe(false);
      }
    }
  });
});

describe.each(providers)('%s provider: malformed keys and signatures give false, never a throw', (_name, crypto) => {
  const esSecret = p256SecretFromSeed(seeded(22, 'malformed').bytes(48));
  const esKey = crypto.publicKeyOf('ES256', esSecret);
  const edSecret = seeded(22, 'ed').bytes(32);
  const edKey = crypto.publicKeyOf('EdDSA', edSecret);
  const message = utf8('message');
  const esSignature = crypto.sign('ES256', esSecret, message);
  const edSignature = crypto.sign('EdDSA', edSecret, message);
  const notOnCurveX = (() => {
    for (let x = 1n; ; x++) {
      const candidate = new Uint8Array([0x02, ...bytes32(x)]);
      try {
        p256.Point.fromBytes(candidate);
      } catch {
        return candidate;
      }
    }
  })();

  const badP256Keys: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['infinity (0x00)', new Uint8Array([0])],
    ['32 bytes', esKey.subarray(1)],
    ['34 bytes', new Uint8Array([...esKey, 0])],
    ['prefix 0x05', new Uint8Array([0x05, ...esKey.subarray(1)])],
    ['x not on the curve', notOnCurveX],
    ['x = p (out of range)', new Uint8Array([0x02, ...fromHex('ffffffff00000001000000000000000000000000ffffffffffffffffffffffff')])],
    ['uncompressed with a wrong y', new Uint8Array([0x04, ...esKey.subarray(1), ...new Uint8Array(32).fill(1)])],
    ['an Ed25519 key', edKey],
  ];
  it.each(badP256Keys)('ES256 key: %s', (_keyName, key) => {
    expect(crypto.verify('ES256', key, message, esSignature)).toBe(false);
  });

  const r = bigOf(esSignature.subarray(0, 32));
  const badP256Signatures: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['63 bytes', esSignature.subarray(0, 63)],
    ['65 bytes', new Uint8Array([...esSignature, 0])],
    ['DER-encoded', new Uint8Array([0x30, 0x44, 0x02, 0x20, ...esSignature.subarray(0, 32), 0x02, 0x20, ...esSignature.subarray(32)])],
    ['r = 0', new Uint8Array([...new Uint8Array(32), ...esSignature.subarray(32)])],
    ['s = 0', withS(esSignature, 0n)],
    ['r = n', new Uint8Array([...bytes32(order), ...esSignature.subarray(32)])],
    ['s = n', withS(esSignature, order)],
    ['s + n', withS(esSignature, bigOf(esSignature.subarray(32)) + order < 2n ** 256n ? bigOf(esSignature.subarray(32)) + order : 2n ** 256n - 1n)],
    ['r + n', new Uint8Array([...bytes32(r + order < 2n ** 256n ? r + order : 2n ** 256n - 1n), ...esSignature.subarray(32)])],
    ['all 0xff', new Uint8Array(64).fill(0xff)],
    ['an Ed25519 signature', edSignature],
  ];
  it.each(badP256Signatures)('ES256 signature: %s', (_signatureName, signature) => {
    expect(crypto.verify('ES256', esKey, message, signature)).toBe(false);
  });

  const S = bigOf(edSignature.subarray(32).slice().reverse());
  const badEdCases: [string, Uint8Array, Uint8Array][] = [
    ['key empty', new Uint8Array(0), edSignature],
    ['key 31 bytes', edKey.subarray(1), edSignature],
    ['key 33 bytes (a P-256 key)', esKey, edSignature],
    ['key not a point', fromHex('0200000000000000000000000000000000000000000000000000000000000000'), edSignature],
    ['key with non-canonical y ≥ p', fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'), edSignature],
    ['signature empty', edKey, new Uint8Array(0)],
    ['signature 63 bytes', edKey, edSignature.subarray(1)],
    ['signature with S + L (non-canonical S)', edKey, new Uint8Array([...edSignature.subarray(0, 32), ...leBytes32(S + edOrder)])],
    ['signature all zero', edKey, new Uint8Array(64)],
    ['signature all 0xff', edKey, new Uint8Array(64).fill(0xff)],
  ];
  it.each(badEdCases)('EdDSA: %s', (_caseName, key, signature) => {
    expect(crypto.verify('EdDSA', key, message, signature)).toBe(false);
  });

  it('ECDH with a malformed peer key throws cose_bad_key (not another error)', () => {
    for (const [, key] of badP256Keys.slice(0, 8)) {
      expect(catchLatchkey(() => crypto.ecdhP256(esSecret, key)).code).toBe('cose_bad_key');
    }
  });
});

// -- Ed25519: one verification rule (src/protocol/crypto/ed25519-rule.ts) in both providers --

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
