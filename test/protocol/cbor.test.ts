/**
 * Deterministic CBOR (RFC 8949 §4.2.1, latchkey profile): canonical items are accepted and
 * round-trip byte for byte; every class of non-canonical or out-of-profile input is refused with
 * its stable code; bounds are exact.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/protocol/bytes.ts';
import { cborMap, decodeStrict, encodeDeterministic, validateDeterministic, type CborValue } from '../../src/protocol/cbor.ts';
import type { ErrorCode } from '../../src/protocol/errors.ts';
import { limits } from '../../src/protocol/limits.ts';
import { catchLatchkey } from '../helpers/hostile.ts';

const canonical: [string, CborValue][] = [
  ['00', 0],
  ['17', 23],
  ['1818', 24],
  ['18ff', 255],
  ['190100', 256],
  ['19ffff', 65535],
  ['1a00010000', 65536],
  ['1affffffff', 0xffffffff],
  ['20', -1],
  ['37', -24],
  ['3818', -25],
  ['3903e7', -1000],
  ['3affffffff', -0x100000000],
  ['40', new Uint8Array(0)],
  ['4401020304', new Uint8Array([1, 2, 3, 4])],
  ['60', ''],
  ['6161', 'a'],
  ['62c3bc', 'ü'],
  ['64f0908591', '\u{10151}'],
  // A leading U+FEFF (BOM) is a character like any other: kept on decode, re-encoded byte for byte.
  ['63efbbbf', '\uFEFF'],
  ['6aefbbbf67756573742d37', '\uFEFFguest-7'],
  ['66efbbbfefbbbf', '\uFEFF\uFEFF'],
  ['80', []],
  ['83010203', [1, 2, 3]],
  ['f4', false],
  ['f5', true],
  ['f6', null],
  ['a0', new Map()],
  // Keys sorted bytewise by their encodings: 0x0a < 0x18 0x64 < 0x20 < 0x61 0x61.
  ['a40a011864022003616104', new Map<number | string, CborValue>([[10, 1], [100, 2], [-1, 3], ['a', 4]])],
  ['826161a1616281f6', ['a', new Map([['b', [null]]])]],
];

const rejected: [string, string, ErrorCode][] = [
  // non-shortest integers and lengths
  ['int 0 in one extra byte', '1800', 'cbor_non_canonical'],
  ['int 23 in one extra byte', '1817', 'cbor_non_canonical'],
  ['int 255 in two bytes', '1900ff', 'cbor_non_canonical'],
  ['int 65535 in four bytes', '1a0000ffff', 'cbor_non_canonical'],
  ['negative -1 in one extra byte', '3800', 'cbor_non_canonical'],
  ['bstr length 1 in one extra byte', '580100', 'cbor_non_canonical'],
  ['tstr length 0 in one extra byte', '7800', 'cbor_non_canonical'],
  ['array length 0 in two extra bytes', '990000', 'cbor_non_canonical'],
  ['map length 0 in one extra byte', 'b800', 'cbor_non_canonical'],
  ['64-bit int', '1b0000000100000000', 'cbor_unsupported_type'],
  // maps
  ['unsorted map keys', 'a202000100', 'cbor_non_canonical'],
  ['duplicate map keys', 'a201000100', 'cbor_non_canonical'],
  ['length-first (RFC 7049 canonical) order is not bytewise', 'a2616101182000', 'cbor_non_canonical'],
  ['duplicate text keys', 'a2616101616102', 'cbor_non_canonical'],
  ['unsorted keys in a nested map', '81a2200001', 'cbor_non_canonical'],
  // indefinite lengths
  ['indefinite bstr', '5f4100ff', 'cbor_indefinite_length'],
  ['indefinite tstr', '7f6161ff', 'cbor_indefinite_length'],
  ['indefinite array', '9f01ff', 'cbor_indefinite_length'],
  ['indefinite map', 'bf0100ff', 'cbor_indefinite_length'],
  // tags
  ['tag 0 (date text)', 'c060', 'cbor_unsupported_type'],
  ['tag 2 (bignum)', 'c24101', 'cbor_unsupported_type'],
  ['tag 24 (embedded CBOR)', 'd8184100', 'cbor_unsupported_type'],
  ['tag inside an array', '81c100', 'cbor_unsupported_type'],
  // floats
  ['half float 1.0', 'f93c00', 'cbor_unsupported_type'],
  ['half float NaN', 'f97e00', 'cbor_unsupported_type'],
  ['single float', 'fa3f800000', 'cbor_unsupported_type'],
  ['double float', 'fb3ff0000000000000', 'cbor_unsupported_type'],
  // undefined and simple values
  ['undefined', 'f7', 'cbor_unsupported_type'],
  ['simple(0)', 'e0', 'cbor_unsupported_type'],
  ['simple(19)', 'f3', 'cbor_unsupported_type'],
  ['simple(32) in one extra byte', 'f820', 'cbor_unsupported_type'],
  ['false in one extra byte (simple 20)', 'f814', 'cbor_unsupported_type'],
  // malformed
  ['break outside an indefinite item', 'ff', 'cbor_malformed'],
  ['reserved additional info 28', '1c', 'cbor_malformed'],
  ['reserved additional info 30 in a bstr', '5e', 'cbor_malformed'],
  ['empty input', '', 'cbor_malformed'],
  ['bstr longer than the input', '5a0001000000', 'cbor_malformed'],
  ['array missing elements', '830102', 'cbor_malformed'],
  // trailing bytes
  ['one trailing byte', '0000', 'cbor_trailing_bytes'],
  ['a second item', '8001', 'cbor_trailing_bytes'],
  // invalid UTF-8
  ['invalid continuation', '62c328', 'cbor_malformed'],
  ['overlong NUL', '62c080', 'cbor_malformed'],
  ['UTF-16 surrogate', '63eda080', 'cbor_malformed'],
  ['code point above U+10FFFF', '64f4908080', 'cbor_malformed'],
  ['lone continuation byte', '6180', 'cbor_malformed'],
  ['invalid UTF-8 as a map key', 'a161ff00', 'cbor_malformed'],
];

describe('deterministic CBOR: canonical items', () => {
  it.each(canonical)('accepts %s and round-trips it', (hex, value) => {
    const bytes = fromHex(hex);
    expect(() => validateDeterministic(bytes)).not.toThrow();
    const decoded = decodeStrict(bytes);
    expect(decoded).toEqual(value);
    expect(toHex(encodeDeterministic(decoded))).toBe(hex);
  });

  it('cborMap orders keys bytewise by their encodings, whatever the insertion order', () => {
    const map = cborMap([['a', 4], [-1, 3], [100, 2], [10, 1], ['skip', undefined]]);
    expect(toHex(encodeDeterministic(map))).toBe('a40a011864022003616104');
  });

  it('decoded byte strings never alias the input', () => {
    const input = fromHex('8243010203a1014104');
    const decoded = decodeStrict(input) as [Uint8Array, Map<number, Uint8Array>];
    input.fill(0xee);
    expect(toHex(decoded[0])).toBe('010203');
    expect(toHex(decoded[1].get(1)!)).toBe('04');
    expect(Object.getPrototypeOf(decoded[0])).toBe(Uint8Array.prototype);
  });
});

describe('deterministic CBOR: text decodes one-to-one (a leading U+FEFF is not stripped)', () => {
  // {"a": 1, "\uFEFFa": 2}: keys sorted bytewise (0x61 0x61 < 0x64 0xef…), so canonical.
  const bomKeys = fromHex('a2616101' + '64efbbbf6102');

  it('a map with keys "a" and "\\uFEFFa" decodes to two keys and re-encodes to its own bytes', () => {
    const decoded = decodeStrict(bomKeys) as Map<string, CborValue>;
    expect([...decoded.keys()]).toEqual(['a', '\uFEFFa']);
    expect(decoded.get('a')).toBe(1);
    expect(decoded.get('\uFEFFa')).toBe(2);
    expect(toHex(encodeDeterministic(decoded))).toBe(toHex(bomKeys));
  });

  it('a BOM-prefixed text is not equal to the text without it, and both round-trip byte-identically', () => {
    for (const text of ['guest-7', '\uFEFFguest-7', '\uFEFF', 'a\uFEFF', '\uFEFF\uFEFFb']) {
      const bytes = encodeDeterministic(text);
      expect(decodeStrict(bytes)).toBe(text);
      expect(toHex(encodeDeterministic(decodeStrict(bytes)))).toBe(toHex(bytes));
    }
  });
});

describe('deterministic CBOR: rejections carry their stable code', () => {
  it.each(rejected)('%s (%s) → %s', (_name, hex, code) => {
    expect(catchLatchkey(() => decodeStrict(fromHex(hex))).code).toBe(code);
  });

  it('int with additional info 31 is refused', () => {
    expect(['cbor_indefinite_length', 'cbor_malformed']).toContain(catchLatchkey(() => decodeStrict(fromHex('1f'))).code);
  });

  it('truncation at every offset of a rich item fails with cbor_malformed', () => {
    const bytes = encodeDeterministic(
      cborMap([
        [1, 'https://issuer.test/ü'],
        [4, 0xfffffff0],
        [-65537, cborMap([[1, 1], [3, [[new Uint8Array(8).fill(7), 70000]]]])],
        [8, [true, false, null, -300, new Uint8Array(40).fill(1)]],
      ]),
    );
    for (let length = 0; length < bytes.length; length++) {
      expect(catchLatchkey(() => decodeStrict(bytes.subarray(0, length)), `prefix ${length}`).code).toBe('cbor_malformed');
    }
    expect(() => decodeStrict(bytes)).not.toThrow();
  });

  it('appending any byte to a valid item fails with cbor_trailing_bytes', () => {
    const bytes = encodeDeterministic([1, 'two', new Uint8Array([3])]);
    for (let extra = 0; extra < 256; extra++) {
      const longer = new Uint8Array([...bytes, extra]);
      expect(catchLatchkey(() => decodeStrict(longer)).code).toBe('cbor_trailing_bytes');
    }
  });
});

describe('deterministic CBOR: bounds are exact', () => {
  const nested = (depth: number): Uint8Array => new Uint8Array([...new Array<number>(depth).fill(0x81), 0x00]);
  it(`depth ${limits.cborDepthMax} is accepted, ${limits.cborDepthMax + 1} refused`, () => {
    expect(() => decodeStrict(nested(limits.cborDepthMax))).not.toThrow();
    expect(catchLatchkey(() => decodeStrict(nested(limits.cborDepthMax + 1))).code).toBe('cbor_too_large');
  });

  it(`${limits.cborItemsMax} items are accepted, one more refused`, () => {
    const array = (count: number): Uint8Array => encodeDeterministic(new Array<number>(count).fill(0));
    expect(() => decodeStrict(array(limits.cborItemsMax - 1))).not.toThrow();
    expect(catchLatchkey(() => decodeStrict(array(limits.cborItemsMax))).code).toBe('cbor_too_large');
  });

  it(`${limits.cborBytesMax} bytes are accepted, one more refused`, () => {
    const bstr = (total: number): Uint8Array => encodeDeterministic(new Uint8Array(total - 3));
    expect(bstr(limits.cborBytesMax).length).toBe(limits.cborBytesMax);
    expect(() => decodeStrict(bstr(limits.cborBytesMax))).not.toThrow();
    expect(catchLatchkey(() => decodeStrict(bstr(limits.cborBytesMax + 1))).code).toBe('cbor_too_large');
  });

  it('caller bounds are honoured', () => {
    const bytes = encodeDeterministic([[1], [2]]);
    expect(catchLatchkey(() => decodeStrict(bytes, { bytesMax: bytes.length - 1, depthMax: 8, itemsMax: 100 })).code).toBe('cbor_too_large');
    expect(catchLatchkey(() => decodeStrict(bytes, { bytesMax: 100, depthMax: 1, itemsMax: 100 })).code).toBe('cbor_too_large');
    expect(catchLatchkey(() => decodeStrict(bytes, { bytesMax: 100, depthMax: 8, itemsMax: 4 })).code).toBe('cbor_too_large');
    expect(() => decodeStrict(bytes, { bytesMax: bytes.length, depthMax: 2, itemsMax: 5 })).not.toThrow();
  });
});

// -- property: every value in the profile round-trips; every bit flip is either canonical or refused --

const intArbitrary = fc.oneof(
  fc.integer({ min: -0x7fffffff, max: 0x7fffffff }),
  fc.constantFrom(0, 23, 24, 255, 256, 65535, 65536, 0xffffffff, -24, -25, -256, -257, -65536, -65537, -0xffffffff, -0x100000000),
);
const keyArbitrary = fc.oneof(fc.integer({ min: -70000, max: 70000 }), fc.string({ unit: 'binary', maxLength: 6 }));
const { value: cborArbitrary } = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    intArbitrary,
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.uint8Array({ maxLength: 40 }),
    fc.constantFrom(true, false, null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.uniqueArray(fc.tuple(keyArbitrary, tie('value')), { maxLength: 5, selector: ([key]) => key }).map((entries) => cborMap(entries)),
  ),
}));

describe('deterministic CBOR: properties', () => {
  it('encode → decode → encode is byte-identical and value-preserving', () => {
    fc.assert(
      fc.property(cborArbitrary, (value) => {
        const bytes = encodeDeterministic(value);
        const decoded = decodeStrict(bytes, { bytesMax: 1 << 20, depthMax: 64, itemsMax: 1 << 20 });
        expect(decoded).toEqual(value);
        expect(toHex(encodeDeterministic(decoded))).toBe(toHex(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('any mutation of a canonical item either decodes to a canonical item or throws a LatchkeyError', () => {
    fc.assert(
      fc.property(cborArbitrary, fc.nat(), fc.integer({ min: 1, max: 255 }), (value, position, xor) => {
        const bytes = encodeDeterministic(value);
        const mutated = bytes.slice();
        const index = position % mutated.length;
        mutated[index] = mutated[index]! ^ xor;
        const bounds = { bytesMax: 1 << 20, depthMax: 64, itemsMax: 1 << 20 };
        let decoded: CborValue;
        try {
          decoded = decodeStrict(mutated, bounds);
        } catch (error) {
          catchLatchkey(() => {
            throw error;
          });
          return;
        }
        // Accepted: then it must be exactly the canonical encoding of what it decoded to.
        expect(toHex(encodeDeterministic(decoded))).toBe(toHex(mutated));
      }),
      { numRuns: 500 },
    );
  });
});
