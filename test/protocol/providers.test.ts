/**
 * The two crypto providers (noble: pure JS; node: OpenSSL) agree on published vectors and on each
 * other's outputs; by default P-256 verify accepts high-S signatures as OpenSSL, WebCrypto and phone
 * keystores make them, and with `{ lowS: true }` (issuer signatures) both refuse them (the Ed25519
 * edge cases are in ed25519-rule.test.ts); both answer malformed keys and signatures with false, never a throw.
 */
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
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
