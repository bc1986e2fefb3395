/**
 * The harness's own speed-ups (signatures reused, node counts remembered, maps written without
 * sorting when their integer keys already stand in order) must not change a single case: seed 5's
 * first 5,000 cases of each byte target give the outcome sequence they gave before those changes
 * (digests taken at 0499fc4). A digest moves when generation or the lock's checks change what
 * a case does; then say why in the commit and take the new digest.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareBytes, concatBytes } from '../../src/protocol/bytes.ts';
import { runFuzz } from '../../src/harness/fuzz/runner.ts';
import { encodeRaw, int, type RawItem } from '../../src/harness/fuzz/raw-cbor.ts';

describe('fuzz case sequence is pinned', () => {
  for (const [target, digest] of [
    ['credential', '64de8791'],
    ['messages', '581829d7'],
  ] as const) {
    it(`${target}: seed 5, 5,000 cases → ${digest}`, async () => {
      const report = await runFuzz({ seed: 5, targets: [target], durationMsPerTarget: 600_000, casesMaxPerTarget: 5000, canary: false });
      expect(report.targets[0]!.findings).toBe(0);
      expect(report.targets[0]!.sequenceDigest).toBe(digest);
    });
  }
});

describe('encodeRaw map order', () => {
  /** The reference: every entry encoded apart, sorted bytewise (stable), concatenated. */
  function referenceMap(entries: [RawItem, RawItem][]): Uint8Array {
    const encoded = entries.map(([key, value]) => ({ key: encodeRaw(key), value: encodeRaw(value) }));
    encoded.sort((a, b) => compareBytes(a.key, b.key));
    return concatBytes(headOf(entries.length), ...encoded.flatMap(({ key, value }) => [key, value]));
  }
  function headOf(count: number): Uint8Array {
    return count < 24 ? new Uint8Array([0xa0 | count]) : new Uint8Array([0xb8, count]);
  }
  const keyArbitrary = fc.oneof(
    fc.integer({ min: -70_000, max: 70_000 }).map(int),
    fc.constantFrom<RawItem>({ kind: 'uint', value: 5, width: 2 }, { kind: 'nint', value: 0xffffffff }, { kind: 'uint', value: 2 ** 40 }, { kind: 'uint', value: 7n }, { kind: 'text', value: 'a' }),
  );

  it('integer-keyed maps in order, out of order, with equal keys, widths and other keys: the bytes of the sorted reference', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(keyArbitrary, fc.nat(300).map(int)), { maxLength: 30 }), fc.boolean(), (entries, presorted) => {
        const list = presorted ? [...entries].sort((a, b) => compareBytes(encodeRaw(a[0]), encodeRaw(b[0]))) : entries;
        expect(encodeRaw({ kind: 'map', entries: list })).toEqual(referenceMap(list));
      }),
    );
  });
});
