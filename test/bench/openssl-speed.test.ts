import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OpensslSpeedError, parseOpensslSpeed } from '../../src/harness/bench/openssl-speed.ts';

/** Recorded stdout of `openssl speed -seconds 1 ecdsap256 ed25519 ecdhp256` (OpenSSL 3.0.19, this machine kind). */
const recorded = readFileSync(new URL('./fixtures/openssl-speed-3.0.19.txt', import.meta.url), 'utf8');

describe('openssl speed parser', () => {
  it('reads sign/verify per second for P-256 and Ed25519 and ECDH per second from recorded output', () => {
    expect(parseOpensslSpeed(recorded, 'OpenSSL 3.0.19')).toEqual({
      version: 'OpenSSL 3.0.19',
      ecdsaP256SignPerS: 47238.7,
      ecdsaP256VerifyPerS: 17975.8,
      ed25519SignPerS: 34730.3,
      ed25519VerifyPerS: 13746.2,
      ecdhP256PerS: 24922.9,
    });
  });

  it('throws a named error when a row is missing', () => {
    const withoutEd = recorded.split('\n').filter((line) => !line.includes('Ed25519')).join('\n');
    expect(() => parseOpensslSpeed(withoutEd, 'x')).toThrow(OpensslSpeedError);
    expect(() => parseOpensslSpeed(withoutEd, 'x')).toThrow(/openssl_output_unrecognised: no "EdDSA \(Ed25519\)" row/);
    expect(() => parseOpensslSpeed(recorded.replace(/ecdh \(nistp256\)/, 'ecdh (nistp384)'), 'x')).toThrow(/no "ecdh \(nistp256\)" row/);
    expect(() => parseOpensslSpeed('', 'x')).toThrow(/no "ecdsa \(nistp256\)" row/);
  });

  it('refuses a zero rate (a run that measured nothing)', () => {
    const zero = recorded.replace('47238.7', '0.0');
    try {
      parseOpensslSpeed(zero, 'x');
      expect.unreachable('a zero rate must not parse');
    } catch (error) {
      expect(error).toBeInstanceOf(OpensslSpeedError);
      expect((error as OpensslSpeedError).code).toBe('openssl_output_unrecognised');
      expect((error as Error).message).toMatch(/ECDSA P-256 sign\/s/);
    }
  });
});
