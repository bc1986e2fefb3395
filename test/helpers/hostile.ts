/**
 * One shared table of hostile inputs (noble style) that every parser test loops over: empty and
 * tiny inputs, huge length prefixes, NaN-ish and float items, bound-breaking sizes and depths, and
 * values that are not bytes at all (including a fake Uint8Array and look-alike number arrays).
 * A parser fed any of these must throw a LatchkeyError with a code from the shared table.
 */
import { errorCodes, LatchkeyError } from '../../src/protocol/errors.ts';
import { challengeMessageBytes } from '../../src/protocol/unlock/challenge.ts';

export interface HostileInput {
  name: string;
  value: unknown;
  /** Well-formed deterministic CBOR (a generic decoder may accept it; typed parsers must not). */
  wellFormedCbor?: boolean;
}

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);
const repeat = (count: number, byte: number): number[] => new Array<number>(count).fill(byte);

/** A fake: `instanceof Uint8Array` is true but it has no backing buffer. */
const fakeUint8Array: unknown = Object.create(Uint8Array.prototype);
/** A plain object that claims a length. */
const lengthLiar = { length: 22, 0: 1, 1: 1, byteLength: 22 };
/** A number array shaped like a challenge message (type 1, versions 1, 20-byte commitment). */
const challengeLookAlike = [1, 1, ...repeat(challengeMessageBytes - 2, 7)];

export const hostileInputs: readonly HostileInput[] = [
  // -- byte strings --
  { name: 'empty', value: bytes() },
  { name: 'one zero byte', value: bytes(0x00), wellFormedCbor: true },
  { name: 'one 0xff byte (break)', value: bytes(0xff) },
  { name: 'one 0x80 byte (empty array)', value: bytes(0x80), wellFormedCbor: true },
  { name: 'one 0xa0 byte (empty map)', value: bytes(0xa0), wellFormedCbor: true },
  { name: 'bstr with 2^32-1 length prefix', value: bytes(0x5a, 0xff, 0xff, 0xff, 0xff, 0x00) },
  { name: 'bstr with 64-bit length prefix', value: bytes(0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff) },
  { name: 'tstr with 2^32-1 length prefix', value: bytes(0x7a, 0xff, 0xff, 0xff, 0xff, 0x61) },
  { name: 'array with 2^32-1 elements claimed', value: bytes(0x9a, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00) },
  { name: 'map with 2^32-1 entries claimed', value: bytes(0xba, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00) },
  { name: 'array of 4 with a huge bstr', value: bytes(0x84, 0x5a, 0x7f, 0xff, 0xff, 0xff) },
  { name: 'half-float NaN', value: bytes(0xf9, 0x7e, 0x00) },
  { name: 'double NaN', value: bytes(0xfb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0) },
  { name: 'double -Infinity', value: bytes(0xfb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0) },
  { name: 'undefined', value: bytes(0xf7) },
  { name: 'simple(16)', value: bytes(0xf0) },
  { name: 'tag 0 around text', value: bytes(0xc0, 0x60) },
  { name: 'indefinite array', value: bytes(0x9f, 0x01, 0xff) },
  { name: 'indefinite bstr', value: bytes(0x5f, 0x41, 0x00, 0xff) },
  { name: 'reserved additional info 28', value: bytes(0x1c) },
  { name: 'non-shortest zero', value: bytes(0x18, 0x00) },
  { name: 'deep nesting (100 arrays)', value: new Uint8Array([...repeat(100, 0x81), 0x00]) },
  { name: 'over the size bound (5000 bytes)', value: new Uint8Array([0x59, 0x13, 0x85, ...repeat(4997, 0x00)]) },
  { name: 'array of 4 zeros (wrong shapes everywhere)', value: bytes(0x84, 0x00, 0x00, 0x00, 0x00), wellFormedCbor: true },
  { name: 'array of 4 empty bstrs', value: bytes(0x84, 0x40, 0x40, 0x40, 0x40), wellFormedCbor: true },
  { name: 'COSE_Sign1 look-alike with empty parts', value: bytes(0x84, 0x40, 0xa0, 0x40, 0x40), wellFormedCbor: true },
  { name: '22 zero bytes', value: new Uint8Array(22) },
  { name: '4 KiB of 0xff', value: new Uint8Array(4096).fill(0xff) },
  { name: 'invalid UTF-8 text', value: bytes(0x62, 0xc3, 0x28) },
  // Text must decode one-to-one: a leading U+FEFF is a character, not a byte-order mark to strip.
  { name: 'text U+FEFF + "guest-7" (BOM kept)', value: bytes(0x6a, 0xef, 0xbb, 0xbf, ...[...'guest-7'].map((c) => c.charCodeAt(0))), wellFormedCbor: true },
  { name: 'map {"a": 1, U+FEFF "a": 2} (two keys)', value: bytes(0xa2, 0x61, 0x61, 0x01, 0x64, 0xef, 0xbb, 0xbf, 0x61, 0x02), wellFormedCbor: true },
  // -- not bytes at all --
  { name: 'undefined value', value: undefined },
  { name: 'null', value: null },
  { name: 'NaN', value: Number.NaN },
  { name: 'negative zero', value: -0 },
  { name: 'Infinity', value: Number.POSITIVE_INFINITY },
  { name: 'negative bigint', value: -1n },
  { name: 'string', value: 'a0' },
  { name: 'boolean', value: true },
  { name: 'plain object', value: {} },
  { name: 'object with a length', value: lengthLiar },
  { name: 'number array like a challenge', value: challengeLookAlike },
  { name: 'number array like an empty map', value: [0xa0] },
  { name: 'ArrayBuffer', value: new ArrayBuffer(4) },
  { name: 'DataView', value: new DataView(new ArrayBuffer(4)) },
  { name: 'Uint16Array', value: new Uint16Array([0x80, 0x80]) },
  { name: 'Uint8ClampedArray', value: new Uint8ClampedArray([0x80]) },
  { name: 'fake Uint8Array (prototype only)', value: fakeUint8Array },
];

/** Runs `fn` and returns the LatchkeyError it throws; fails the test on success or any other error. */
export function catchLatchkey(fn: () => unknown, title = 'call'): LatchkeyError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (!(error instanceof LatchkeyError)) {
      throw new Error(`${title}: expected a LatchkeyError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    if (!(error.code in errorCodes)) throw new Error(`${title}: code ${String(error.code)} is not in the error table`);
    return error;
  }
  throw new Error(`${title}: expected a LatchkeyError, but it returned ${describe(result)}`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes(${v.length})` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Every bit flip of `bytes` (as fresh copies). */
export function* bitFlips(bytes: Uint8Array): Generator<{ bit: number; mutated: Uint8Array }> {
  for (let bit = 0; bit < bytes.length * 8; bit++) {
    const mutated = bytes.slice();
    mutated[bit >> 3] = mutated[bit >> 3]! ^ (1 << (bit & 7));
    yield { bit, mutated };
  }
}
