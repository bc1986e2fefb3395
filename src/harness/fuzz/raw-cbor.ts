/**
 * A raw CBOR model that can say things the deterministic encoder never will (RFC 8949 §3):
 * non-shortest arguments, indefinite lengths, unsorted or duplicated map keys, tags, floats,
 * simple values and length prefixes that lie. `encodeRaw` writes exactly what the model says;
 * the fast-check arbitraries build hostile trees for structure-aware fuzzing.
 */
import * as fc from 'fast-check';
import { compareBytes, utf8 } from '../../protocol/bytes.ts';

/** Forced argument width in bytes (0 = in the initial byte); undefined = shortest form. */
export type ArgumentWidth = 0 | 1 | 2 | 4 | 8;

export type RawItem =
  | { kind: 'uint' | 'nint'; value: number | bigint; width?: ArgumentWidth }
  | { kind: 'bytes'; value: Uint8Array; width?: ArgumentWidth; indefinite?: boolean }
  | { kind: 'text'; value: string; width?: ArgumentWidth; indefinite?: boolean }
  | { kind: 'array'; items: RawItem[]; width?: ArgumentWidth; indefinite?: boolean }
  | { kind: 'map'; entries: [RawItem, RawItem][]; width?: ArgumentWidth; indefinite?: boolean; unsorted?: boolean }
  | { kind: 'tag'; tag: number; item: RawItem }
  | { kind: 'float'; bits: 16 | 32 | 64; value: number }
  | { kind: 'simple'; value: number }
  /** A header claiming `length` bytes/items with nothing (or too little) after it. */
  | { kind: 'lie'; major: 2 | 3 | 4 | 5; length: number }
  /** Bytes inserted as they are (a pre-encoded or already broken item). */
  | { kind: 'raw'; bytes: Uint8Array };

const maxArgument = (1n << 64n) - 1n;

/** Growable output buffer: one allocation per encode instead of one per item. */
class Writer {
  buffer: Uint8Array;
  length = 0;
  constructor(bytesInitial: number) {
    this.buffer = new Uint8Array(bytesInitial);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const next = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.length++] = value;
  }
  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length);
    this.length += value.length;
  }
  head(major: number, argument: number | bigint, width?: ArgumentWidth): void {
    if (typeof argument === 'number' && width === undefined && argument >= 0 && argument <= 0xffffffff && Number.isInteger(argument)) return this.smallHead(major, argument);
    let value = BigInt(argument);
    if (value < 0n) value = 0n;
    if (value > maxArgument) value = maxArgument;
    const shortest: ArgumentWidth = value < 24n ? 0 : value < 0x100n ? 1 : value < 0x10000n ? 2 : value < 0x100000000n ? 4 : 8;
    const chosen = width === undefined || width < shortest ? shortest : width;
    if (chosen === 0) return this.byte((major << 5) | Number(value));
    this.byte((major << 5) | { 1: 24, 2: 25, 4: 26, 8: 27 }[chosen]);
    this.reserve(chosen);
    for (let i = chosen - 1; i >= 0; i--) {
      this.buffer[this.length + i] = Number(value & 0xffn);
      value >>= 8n;
    }
    this.length += chosen;
  }
  private smallHead(major: number, value: number): void {
    this.reserve(5);
    const out = this.buffer;
    const m = major << 5;
    if (value < 24) out[this.length++] = m | value;
    else if (value < 0x100) {
      out[this.length++] = m | 24;
      out[this.length++] = value;
    } else if (value < 0x10000) {
      out[this.length++] = m | 25;
      out[this.length++] = value >>> 8;
      out[this.length++] = value & 0xff;
    } else {
      out[this.length++] = m | 26;
      out[this.length++] = value >>> 24;
      out[this.length++] = (value >>> 16) & 0xff;
      out[this.length++] = (value >>> 8) & 0xff;
      out[this.length++] = value & 0xff;
    }
  }
  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function floatBytes(bits: 16 | 32 | 64, value: number): Uint8Array {
  if (bits === 64) {
    const out = new Uint8Array(9);
    out[0] = 0xfb;
    new DataView(out.buffer).setFloat64(1, value);
    return out;
  }
  if (bits === 32) {
    const out = new Uint8Array(5);
    out[0] = 0xfa;
    new DataView(out.buffer).setFloat32(1, value);
    return out;
  }
  // Half floats: a few exact patterns are enough to reach the decoder's float path.
  const half = Number.isNaN(value) ? 0x7e00 : value === Infinity ? 0x7c00 : value === -Infinity ? 0xfc00 : value === 0 ? (Object.is(value, -0) ? 0x8000 : 0) : 0x3c00;
  return new Uint8Array([0xf9, half >> 8, half & 0xff]);
}

/** Encodes the model byte for byte as it says (maps sorted canonically unless `unsorted`). */
export function encodeRaw(item: RawItem): Uint8Array {
  // Scratch writers reused across calls, one per nesting level (a sorted map encodes its keys
  // with a nested call): no writer is allocated per call once the levels exist.
  const writer = (scratch[depth] ??= new Writer(depth === 0 ? 1024 : 64));
  depth++;
  writer.length = 0;
  try {
    write(writer, item);
    return writer.result();
  } finally {
    depth--;
  }
}
const scratch: Writer[] = [];
let depth = 0;

function write(writer: Writer, item: RawItem): void {
  switch (item.kind) {
    case 'uint':
      return writer.head(0, item.value, item.width);
    case 'nint':
      return writer.head(1, item.value, item.width);
    case 'bytes':
    case 'text': {
      const major = item.kind === 'bytes' ? 2 : 3;
      const body = item.kind === 'bytes' ? item.value : utf8(item.value);
      if (!item.indefinite) {
        writer.head(major, body.length, item.width);
        return writer.bytes(body);
      }
      const half = body.length >> 1;
      writer.byte((major << 5) | 31);
      writer.head(major, half);
      writer.bytes(body.subarray(0, half));
      writer.head(major, body.length - half);
      writer.bytes(body.subarray(half));
      return writer.byte(0xff);
    }
    case 'array':
      if (item.indefinite) writer.byte(0x9f);
      else writer.head(4, item.items.length, item.width);
      for (const child of item.items) write(writer, child);
      if (item.indefinite) writer.byte(0xff);
      return;
    case 'map': {
      if (item.indefinite) writer.byte(0xbf);
      else writer.head(5, item.entries.length, item.width);
      if (item.unsorted || item.entries.length < 2 || smallIntKeysInOrder(item.entries)) {
        for (const [key, value] of item.entries) {
          write(writer, key);
          write(writer, value);
        }
      } else {
        const keys = item.entries.map(([key, value]) => ({ key: encodeRaw(key), value }));
        keys.sort((a, b) => compareBytes(a.key, b.key));
        for (const entry of keys) {
          writer.bytes(entry.key);
          write(writer, entry.value);
        }
      }
      if (item.indefinite) writer.byte(0xff);
      return;
    }
    case 'tag':
      writer.head(6, item.tag);
      return write(writer, item.item);
    case 'float':
      return writer.bytes(floatBytes(item.bits, item.value));
    case 'simple':
      if (item.value < 24) return writer.byte(0xe0 | item.value);
      writer.byte(0xf8);
      return writer.byte(item.value & 0xff);
    case 'lie':
      return writer.head(item.major, item.length);
    case 'raw':
      return writer.bytes(item.bytes);
  }
}

/**
 * True when every key is a uint or nint of shortest width with an argument in 0..2^32 − 1 and the
 * keys already stand in canonical order. Such a key encodes as its major type then its argument
 * big-endian in the shortest width, so bytewise order (RFC 8949 §4.2.1) is major type first, then
 * the argument: the map is written as it is, without encoding each key apart to sort (most maps the
 * fuzzer writes are the reference trees' integer-keyed maps). Equal keys keep their order, as the
 * stable sort below would.
 */
function smallIntKeysInOrder(entries: readonly [RawItem, RawItem][]): boolean {
  let major = -1;
  let argument = -1;
  for (const [key] of entries) {
    if ((key.kind !== 'uint' && key.kind !== 'nint') || key.width !== undefined) return false;
    const value = key.value;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) return false;
    const keyMajor = key.kind === 'uint' ? 0 : 1;
    if (keyMajor < major || (keyMajor === major && value < argument)) return false;
    major = keyMajor;
    argument = value;
  }
  return true;
}

// -- shorthands for building well-formed trees --

export const uint = (value: number): RawItem => ({ kind: 'uint', value });
export const int = (value: number): RawItem => (value >= 0 ? { kind: 'uint', value } : { kind: 'nint', value: -1 - value });
export const bytes = (value: Uint8Array): RawItem => ({ kind: 'bytes', value });
export const text = (value: string): RawItem => ({ kind: 'text', value });
export const array = (...items: RawItem[]): RawItem => ({ kind: 'array', items });
export const map = (...entries: [RawItem, RawItem][]): RawItem => ({ kind: 'map', entries });
export const bool = (value: boolean): RawItem => ({ kind: 'simple', value: value ? 21 : 20 });

// -- fast-check arbitraries --

const widthArbitrary: fc.Arbitrary<ArgumentWidth | undefined> = fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom<ArgumentWidth>(0, 1, 2, 4, 8) });

/** Integers around every encoding boundary, plus anything up to 2^64 − 1. */
export const boundaryIntegerArbitrary: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.constantFrom<number | bigint>(0, 1, 23, 24, 255, 256, 65535, 65536, 0xffffffff, 0x100000000, 2 ** 53 - 1, 2 ** 53, maxArgument, 65536 + 1, 0x7fffffff),
  fc.nat(),
  fc.bigInt({ min: 0n, max: maxArgument }),
);

/** Text that stresses UTF-8 handling: BOM, surrogate-pair characters, NUL, long runs. */
const codePoints = (max: number, lengthMax: number): fc.Arbitrary<string> => fc.array(fc.integer({ min: 0, max }), { maxLength: lengthMax }).map((points) => String.fromCodePoint(...points.map((point) => (point >= 0xd800 && point <= 0xdfff ? 0xfffd : point))));
/** Code-point arrays, not fc.string: fc.string's biased generation costs ~20 µs per value. */
const textArbitrary = fc.oneof(
  codePoints(0x7f, 24),
  codePoints(0x10ffff, 16),
  fc.constantFrom('', '\uFEFF', '\u0000', '\uD83D\uDE00', 'https://latchkey.invalid/issuer', 'x'.repeat(64), 'x'.repeat(65), 'é'.repeat(33)),
);

const byteStringArbitrary = fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(16, 32, 33, 64, 65, 0).chain((length) => fc.uint8Array({ minLength: length, maxLength: length })));

const leafArbitrary: fc.Arbitrary<RawItem> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('uint' as const, 'nint' as const), value: boundaryIntegerArbitrary, width: widthArbitrary }).map(stripUndefined) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('bytes' as const), value: byteStringArbitrary, width: widthArbitrary, indefinite: fc.boolean() }).map(stripUndefined) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('text' as const), value: textArbitrary, width: widthArbitrary, indefinite: fc.boolean() }).map(stripUndefined) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('float' as const), bits: fc.constantFrom<16 | 32 | 64>(16, 32, 64), value: fc.double() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('simple' as const), value: fc.oneof(fc.constantFrom(20, 21, 22, 23), fc.integer({ min: 0, max: 255 })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lie' as const), major: fc.constantFrom<2 | 3 | 4 | 5>(2, 3, 4, 5), length: fc.oneof(fc.nat(64), fc.constantFrom(0xffff, 0xffffffff, 2 ** 53)) }) },
);

/**
 * The record without its undefined or false fields (absent and undefined/false read the same in
 * `write`). A new object rather than `delete` on the generated one: deleting a property turns an
 * object into a slow dictionary, which every later read of the node then paid for.
 */
function stripUndefined<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const key in value) if (value[key] !== undefined && value[key] !== false) out[key] = value[key];
  return out as T;
}

/** Any raw item up to a small depth; deep nesting comes from `nestedArbitrary`. */
export const rawItemArbitrary: fc.Arbitrary<RawItem> = fc.letrec<{ item: RawItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 6, arbitrary: leafArbitrary },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('array' as const), items: fc.array(tie('item'), { maxLength: 5 }), width: widthArbitrary, indefinite: fc.boolean() }).map(stripUndefined) },
    {
      weight: 2,
      arbitrary: fc
        .record({ kind: fc.constant('map' as const), entries: fc.array(fc.tuple(fc.oneof(leafArbitrary, fc.integer({ min: -65540, max: 10 }).map(int)), tie('item')), { maxLength: 5 }), width: widthArbitrary, indefinite: fc.boolean(), unsorted: fc.boolean() })
        .map(stripUndefined),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('tag' as const), tag: fc.oneof(fc.constantFrom(0, 1, 2, 18, 24, 55799, 61), fc.nat()), item: tie('item') }) },
  ),
})).item;

/** Arrays or maps nested `depth` deep (the decoder's depth bound is 8). */
export const nestedArbitrary: fc.Arbitrary<RawItem> = fc.record({ depth: fc.integer({ min: 6, max: 40 }), useMap: fc.boolean(), leaf: leafArbitrary }).map(({ depth, useMap, leaf }) => {
  let item = leaf;
  for (let i = 0; i < depth; i++) item = useMap ? map([uint(1), item]) : array(item);
  return item;
});

/** Many items (the decoder's item bound is 512). */
export const wideArbitrary: fc.Arbitrary<RawItem> = fc.integer({ min: 100, max: 700 }).map((count) => ({ kind: 'array', items: new Array<RawItem>(count).fill(uint(0)) }));
