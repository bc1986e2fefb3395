import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeDeterministic } from '../../src/protocol/cbor.ts';
import { toBeSigned } from '../../src/protocol/cose.ts';

describe('Sig_structure (RFC 9052 §4.4)', () => {
  it('the hand-assembled bytes equal the deterministic CBOR encoding, across every length boundary', () => {
    const lengths = fc.oneof(fc.constantFrom(0, 1, 23, 24, 255, 256, 65535, 65536), fc.nat(70_000));
    fc.assert(
      fc.property(lengths, lengths, fc.nat(255), (protectedLength, payloadLength, fill) => {
        const protectedBytes = new Uint8Array(protectedLength).fill(fill);
        const payload = new Uint8Array(payloadLength).fill(fill ^ 0x5a);
        expect(toBeSigned(protectedBytes, payload)).toEqual(encodeDeterministic(['Signature1', protectedBytes, new Uint8Array(0), payload]));
      }),
      { numRuns: 60 },
    );
  });
});
