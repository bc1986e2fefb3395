/**
 * Outside vectors: Project Wycheproof's published test files (C2SP/wycheproof testvectors_v1,
 * copied unchanged into ../shared/vectors/wycheproof beside the clone, as in CI) run through BOTH
 * crypto providers. `valid` must pass and `invalid` must be refused. Wycheproof's `acceptable` and
 * every case whose verdict differs because of a deliberate latchkey rule are listed below by tcId
 * with the reason (docs/TESTING.md), and the test checks that exactly those differ: nothing is
 * skipped silently. A missing file fails the run (LATCHKEY_WYCHEPROOF_DIR overrides the directory).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/protocol/bytes.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { isHighS, type CryptoProvider } from '../../src/protocol/crypto/provider.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
export const wycheproofDir = process.env['LATCHKEY_WYCHEPROOF_DIR'] ?? join(repoRoot, '..', 'shared', 'vectors', 'wycheproof');

interface TestCase {
  tcId: number;
  comment: string;
  flags: string[];
  result: 'valid' | 'invalid' | 'acceptable';
  [field: string]: unknown;
}
interface TestGroup {
  tests: TestCase[];
  [field: string]: unknown;
}
interface VectorFile {
  algorithm: string;
  numberOfTests: number;
  testGroups: TestGroup[];
}

function load(name: string): VectorFile {
  const path = join(wycheproofDir, name);
  if (!existsSync(path)) {
    throw new Error(`wycheproof_missing: ${path} not found. The Wycheproof vectors live in ../shared/vectors/wycheproof beside the clone (CI has it); set LATCHKEY_WYCHEPROOF_DIR to use another copy.`);
  }
  const file = JSON.parse(readFileSync(path, 'utf8')) as VectorFile;
  const count = file.testGroups.reduce((sum, group) => sum + group.tests.length, 0);
  if (count !== file.numberOfTests) throw new Error(`wycheproof_truncated: ${name} declares ${file.numberOfTests} tests, holds ${count}`);
  return file;
}

const hex = (value: unknown): Uint8Array => fromHex(value as string);
const providers: CryptoProvider[] = [createNodeProvider(), createNobleProvider()];

/**
 * Verdicts that differ because of latchkey's deliberate rules (docs/TESTING.md):
 * - ES256 issuer signatures must be low-S (`{ lowS: true }`, cose.ts): 70 of Wycheproof's 173
 *   valid P1363 signatures have s > n/2 and are refused under that rule (holder proofs, verified
 *   without it, accept all 173). The test derives the list from the signatures and pins the count.
 * - Ed25519 (ed25519-rule.ts: canonical S, R, A; no small-order R or A; cofactorless equation):
 *   no case of ed25519_test.json differs. The file has no small-order or mixed-order keys or R
 *   (its flags: Ktv, TinkOverflow, InvalidEncoding, InvalidSignature, SignatureMalleability, …);
 *   those edges are test/protocol/ed25519-rule.test.ts's.
 */
const ecdsaValidHighS = 70;
const ed25519RuleDiffers: number[] = [];

/** A Wycheproof private scalar (hex, maybe with a leading 00 or shorter) as 32 big-endian bytes. */
function scalar32(value: string): Uint8Array {
  const bytes = fromHex(value.length % 2 === 1 ? `0${value}` : value);
  if (bytes.length > 32 && bytes.subarray(0, bytes.length - 32).every((byte) => byte === 0)) return bytes.slice(bytes.length - 32);
  const out = new Uint8Array(32);
  out.set(bytes, 32 - bytes.length);
  return out;
}

/**
 * Runs every case; returns the tcIds whose outcome was not what Wycheproof's `result` says
 * (`acceptable` counts as expected-to-pass here, and is listed separately by the caller).
 */
function disagreements(file: VectorFile, run: (group: TestGroup, test: TestCase) => boolean, include: (group: TestGroup) => boolean = () => true): { differ: number[]; ran: number; acceptable: number[] } {
  const differ: number[] = [];
  const acceptable: number[] = [];
  let ran = 0;
  for (const group of file.testGroups) {
    if (!include(group)) continue;
    for (const test of group.tests) {
      ran++;
      if (test.result === 'acceptable') acceptable.push(test.tcId);
      const passed = run(group, test);
      if (passed !== (test.result !== 'invalid')) differ.push(test.tcId);
    }
  }
  return { differ, ran, acceptable };
}

describe.each(providers)('Wycheproof through the $name provider', (crypto) => {
  it('ECDSA P-256 SHA-256, r‖s (P1363): every valid signature verifies, every invalid one is refused', () => {
    const file = load('ecdsa_secp256r1_sha256_p1363_test.json');
    const result = disagreements(file, (group, test) => crypto.verify('ES256', hex((group['publicKey'] as { uncompressed: string }).uncompressed), hex(test['msg']), hex(test['sig'])));
    expect(result.ran).toBe(262);
    expect(result.acceptable).toEqual([]);
    expect(result.differ).toEqual([]);
  });

  it('ECDSA P-256 with the issuer rule { lowS: true }: exactly the valid high-S signatures change verdict (deliberate: one encoding per issuer signature)', () => {
    const file = load('ecdsa_secp256r1_sha256_p1363_test.json');
    const highS: number[] = [];
    const result = disagreements(file, (group, test) => {
      const signature = hex(test['sig']);
      if (test.result === 'valid' && isHighS(signature)) highS.push(test.tcId);
      return crypto.verify('ES256', hex((group['publicKey'] as { uncompressed: string }).uncompressed), hex(test['msg']), signature, { lowS: true });
    });
    // Every disagreement is a Wycheproof-valid signature with s > n/2, and every such one disagrees.
    expect(result.differ).toEqual(highS);
    expect(highS.length).toBe(ecdsaValidHighS);
  });

  it('Ed25519: the cofactorless rule agrees with every Wycheproof verdict', () => {
    const file = load('ed25519_test.json');
    const result = disagreements(file, (group, test) => crypto.verify('EdDSA', hex((group['publicKey'] as { pk: string }).pk), hex(test['msg']), hex(test['sig'])));
    expect(result.ran).toBe(151);
    expect(result.differ).toEqual(ed25519RuleDiffers);
  });

  it('P-256 ECDH with encoded peer points: valid shared secrets match, invalid points are refused with a stable error', () => {
    const file = load('ecdh_secp256r1_ecpoint_test.json');
    const codes = new Set<string>();
    const result = disagreements(file, (_group, test) => {
      try {
        const shared = crypto.ecdhP256(scalar32(test['private'] as string), hex(test['public']));
        return toHex(shared) === test['shared'];
      } catch (error) {
        codes.add((error as { code?: string }).code ?? String(error));
        return false;
      }
    });
    expect(result.ran).toBe(355);
    // acceptable: tcId 2, a compressed peer point; latchkey's own format is compressed SEC1, so it must work.
    expect(result.acceptable).toEqual([2]);
    expect(result.differ).toEqual([]);
    expect([...codes]).toEqual(['cose_bad_key']);
  });

  it('AES-256-GCM (96-bit IV, 128-bit tag: the only parameters latchkey uses): seal gives ct‖tag, open refuses every invalid tag', () => {
    const file = load('aes_gcm_test.json');
    const latchkeyShape = (group: TestGroup) => group['keySize'] === 256 && group['ivSize'] === 96 && group['tagSize'] === 128;
    const result = disagreements(file, (_group, test) => {
      const key = hex(test['key']);
      const iv = hex(test['iv']);
      const aad = hex(test['aad']);
      const sealed = new Uint8Array([...hex(test['ct']), ...hex(test['tag'])]);
      const opened = crypto.aesGcmOpen(key, iv, aad, sealed);
      if (test.result === 'valid') {
        expect(toHex(crypto.aesGcmSeal(key, iv, aad, hex(test['msg']))), `tcId ${test.tcId} seal`).toBe(toHex(sealed));
      }
      return opened !== undefined && toHex(opened) === test['msg'];
    }, latchkeyShape);
    expect(result.ran).toBe(66);
    expect(result.differ).toEqual([]);
  });

  it('HKDF-SHA-256: every valid okm matches; an output longer than 255 × 32 bytes is refused', () => {
    const file = load('hkdf_sha256_test.json');
    const result = disagreements(file, (_group, test) => {
      try {
        return toHex(crypto.hkdfSha256(hex(test['ikm']), hex(test['salt']), hex(test['info']), test['size'] as number)) === test['okm'];
      } catch {
        return false;
      }
    });
    expect(result.ran).toBe(86);
    expect(result.differ).toEqual([]);
  });

  it('HMAC-SHA-256 (full and truncated tags, as the resume MACs are): valid tags match, invalid ones do not', () => {
    const file = load('hmac_sha256_test.json');
    const result = disagreements(file, (group, test) => {
      const tag = crypto.hmacSha256(hex(test['key']), hex(test['msg'])).subarray(0, (group['tagSize'] as number) / 8);
      return toHex(tag) === test['tag'];
    });
    expect(result.ran).toBe(174);
    expect(result.differ).toEqual([]);
  });
});
