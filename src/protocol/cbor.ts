/**
 * Deterministic CBOR (RFC 8949 §4.2.1) on top of cbor-x.
 *
 * cbor-x is fast but has no canonical mode and is lenient on input, so this module states and
 * enforces the guarantees latchkey needs:
 * - `decodeStrict` walks the bytes once and rejects anything that is not exactly one well-formed,
 *   definite-length, shortest-form item with sorted unique map keys, no tags, no floats and no
 *   simple values other than false/true/null, within depth/item/size bounds; the same walk builds
 *   the value (maps as `Map`, byte strings copied, never aliasing input). Decoding is this module's
 *   own code, so what is accepted is exactly what was checked. Decoding is one-to-one: text is
 *   strict UTF-8 with a leading U+FEFF kept, so distinct bytes never decode to equal values.
 * - `encodeDeterministic` encodes with cbor-x from values whose maps were built by `cborMap`
 *   (keys sorted by their encoded bytes), then asserts the output passes the same walk.
 * Integers are limited to ±(2^32−1): cbor-x would turn larger ones into floats.
 */
import { Encoder } from 'cbor-x';
import { compareBytes, copyBytes, isBytes } from './bytes.ts';
import { LatchkeyError, assert } from './errors.ts';
import { limits } from './limits.ts';

export type CborValue = number | string | boolean | null | Uint8Array | CborValue[] | Map<number | string, CborValue>;

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, variableMapSize: true, tagUint8Array: false, pack: false });
/**
 * Text strings decode one-to-one: `fatal` refuses invalid UTF-8, and `ignoreBOM` keeps a leading
 * U+FEFF as a character (the TextDecoder default strips it, so "\uFEFFa" and "a" would decode to
 * the same string: two map keys would collapse into one, and a `sub` would lose its first character).
 */
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface CborBounds {
  bytesMax: number;
  depthMax: number;
  itemsMax: number;
}
const defaultBounds: CborBounds = { bytesMax: limits.cborBytesMax, depthMax: limits.cborDepthMax, itemsMax: limits.cborItemsMax };

/** Walks one item; returns the offset after it. Throws LatchkeyError with a cbor_* code. */
class Walker {
  offset = 0;
  items = 0;
  readonly bytes: Uint8Array;
  readonly bounds: CborBounds;
  constructor(bytes: Uint8Array, bounds: CborBounds) {
    this.bytes = bytes;
    this.bounds = bounds;
  }

  private byte(): number {
    if (this.offset >= this.bytes.length) throw new LatchkeyError('cbor_malformed', 'truncated');
    return this.bytes[this.offset++]!;
  }

  /** Reads the argument of an initial byte, enforcing shortest form (§4.2.1 "preferred serialization"). */
  private argument(info: number): number {
    if (info < 24) return info;
    if (info === 31) throw new LatchkeyError('cbor_indefinite_length');
    if (info > 27) throw new LatchkeyError('cbor_malformed', `reserved additional info ${info}`);
    const size = 1 << (info - 24);
    if (info === 27) throw new LatchkeyError('cbor_unsupported_type', '64-bit arguments are outside the latchkey profile');
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.byte();
    const minimum = info === 24 ? 24 : info === 25 ? 0x100 : 0x10000;
    if (value < minimum) throw new LatchkeyError('cbor_non_canonical', `argument ${value} not in shortest form`);
    return value;
  }

  private take(length: number): Uint8Array {
    if (length > this.bytes.length - this.offset) throw new LatchkeyError('cbor_malformed', 'truncated string');
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  item(depth: number): CborValue {
    if (depth > this.bounds.depthMax) throw new LatchkeyError('cbor_too_large', `depth over ${this.bounds.depthMax}`);
    if (++this.items > this.bounds.itemsMax) throw new LatchkeyError('cbor_too_large', `more than ${this.bounds.itemsMax} items`);
    const initial = this.byte();
    const major = initial >> 5;
    const info = initial & 31;
    switch (major) {
      case 0:
        return this.argument(info);
      case 1:
        return -1 - this.argument(info);
      case 2:
        return this.take(this.argument(info)).slice();
      case 3: {
        const raw = this.take(this.argument(info));
        try {
          return fatalUtf8.decode(raw);
        } catch {
          throw new LatchkeyError('cbor_malformed', 'invalid UTF-8 in text string');
        }
      }
      case 4: {
        const count = this.argument(info);
        const array: CborValue[] = [];
        for (let i = 0; i < count; i++) array.push(this.item(depth + 1));
        return array;
      }
      case 5: {
        const count = this.argument(info);
        const map = new Map<number | string, CborValue>();
        let previousKey: Uint8Array | undefined;
        for (let i = 0; i < count; i++) {
          const start = this.offset;
          const keyValue = this.item(depth + 1);
          const key = this.bytes.subarray(start, this.offset);
          if (previousKey !== undefined) {
            const order = compareBytes(previousKey, key);
            if (order === 0) throw new LatchkeyError('cbor_non_canonical', 'duplicate map key');
            if (order > 0) throw new LatchkeyError('cbor_non_canonical', 'map keys not in bytewise order');
          }
          previousKey = key;
          if (typeof keyValue !== 'number' && typeof keyValue !== 'string') throw new LatchkeyError('cbor_unsupported_type', 'map keys are integers or text in the latchkey profile');
          // Distinct encodings must stay distinct keys: a decoded-value collision is refused, never merged.
          if (map.has(keyValue)) throw new LatchkeyError('cbor_non_canonical', 'two map keys decode to the same value');
          map.set(keyValue, this.item(depth + 1));
        }
        return map;
      }
      case 6:
        throw new LatchkeyError('cbor_unsupported_type', 'tags are outside the latchkey profile');
      default:
        if (info === 31) throw new LatchkeyError('cbor_malformed', 'break outside an indefinite item');
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info >= 25 && info <= 27) throw new LatchkeyError('cbor_unsupported_type', 'floats are outside the latchkey profile');
        throw new LatchkeyError('cbor_unsupported_type', `simple value ${info}`);
    }
  }
}

/** Throws unless `bytes` is exactly one item in the latchkey deterministic profile; returns that item. */
export function validateDeterministic(bytes: Uint8Array, bounds: CborBounds = defaultBounds): CborValue {
  // Outside input may be anything (JSON, a fake typed array): refuse it with a code, not a TypeError.
  if (!isBytes(bytes)) throw new LatchkeyError('cbor_malformed', 'expected a Uint8Array');
  if (bytes.length > bounds.bytesMax) throw new LatchkeyError('cbor_too_large', `${bytes.length} bytes over ${bounds.bytesMax}`);
  if (bytes.length === 0) throw new LatchkeyError('cbor_malformed', 'empty input');
  const walker = new Walker(bytes, bounds);
  const value = walker.item(0);
  if (walker.offset !== bytes.length) throw new LatchkeyError('cbor_trailing_bytes', `${bytes.length - walker.offset} bytes after the item`);
  return value;
}

/** Validates and decodes in one pass. Byte strings come back as fresh Uint8Arrays; maps as Map. */
export function decodeStrict(bytes: Uint8Array, bounds: CborBounds = defaultBounds): CborValue {
  return validateDeterministic(bytes, bounds);
}

/** Builds a map whose insertion order is the deterministic key order. */
export function cborMap(entries: Iterable<readonly [number | string, CborValue | undefined]>): Map<number | string, CborValue> {
  const keyed: { key: number | string; encodedKey: Uint8Array; value: CborValue }[] = [];
  for (const [key, value] of entries) {
    if (value === undefined) continue; // optional fields are omitted, never encoded as undefined
    keyed.push({ key, encodedKey: encoder.encode(key), value });
  }
  keyed.sort((a, b) => compareBytes(a.encodedKey, b.encodedKey));
  return new Map(keyed.map((entry) => [entry.key, entry.value]));
}

/** Encodes a value built from cborMap/arrays/ints/strings/bytes; output is deterministic. */
export function encodeDeterministic(value: CborValue): Uint8Array {
  const out = copyBytes(encoder.encode(value));
  // Our own encoder producing a non-deterministic item is a bug, not bad input.
  try {
    validateDeterministic(out, { bytesMax: Number.MAX_SAFE_INTEGER, depthMax: 64, itemsMax: Number.MAX_SAFE_INTEGER });
  } catch (error) {
    assert(false, `encodeDeterministic produced non-deterministic CBOR: ${(error as Error).message}`);
  }
  return out;
}

// -- typed field readers for decoded structures (each names the field in its error) --

export type FieldCode = 'claim_invalid' | 'claim_missing' | 'message_malformed' | 'cose_bad_structure' | 'cose_bad_key';

export function asMap(value: CborValue | undefined, title: string, code: FieldCode): Map<number | string, CborValue> {
  if (!(value instanceof Map)) throw new LatchkeyError(code, `${title}: expected a map`);
  return value;
}

export function asArray(value: CborValue | undefined, title: string, code: FieldCode, lengthMin: number, lengthMax: number): CborValue[] {
  if (!Array.isArray(value)) throw new LatchkeyError(code, `${title}: expected an array`);
  if (value.length < lengthMin || value.length > lengthMax) throw new LatchkeyError(code, `${title}: ${value.length} elements outside ${lengthMin}..${lengthMax}`);
  return value;
}

export function asUint(value: CborValue | undefined, title: string, code: FieldCode, max = 0xffffffff): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) throw new LatchkeyError(code, `${title}: expected an unsigned integer ≤ ${max}`);
  return value;
}

export function asInt(value: CborValue | undefined, title: string, code: FieldCode): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new LatchkeyError(code, `${title}: expected an integer`);
  return value;
}

export function asText(value: CborValue | undefined, title: string, code: FieldCode, lengthMax: number): string {
  if (typeof value !== 'string') throw new LatchkeyError(code, `${title}: expected text`);
  if (value.length === 0 || new TextEncoder().encode(value).length > lengthMax) throw new LatchkeyError(code, `${title}: length outside 1..${lengthMax}`);
  return value;
}

export function asBytes(value: CborValue | undefined, title: string, code: FieldCode, lengthMin: number, lengthMax: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new LatchkeyError(code, `${title}: expected bytes`);
  if (value.length < lengthMin || value.length > lengthMax) throw new LatchkeyError(code, `${title}: length ${value.length} outside ${lengthMin}..${lengthMax}`);
  return value;
}

/** A map that holds only the known keys (unknown fields are refused, not silently carried). */
export function asClosedMap(value: CborValue | undefined, title: string, code: FieldCode, allowed: readonly (number | string)[]): Map<number | string, CborValue> {
  const map = asMap(value, title, code);
  onlyKeys(map, allowed, title, code);
  return map;
}

/** Rejects map keys other than the known ones (unknown fields are not silently carried). */
export function onlyKeys(map: Map<number | string, CborValue>, allowed: readonly (number | string)[], title: string, code: FieldCode): void {
  for (const key of map.keys()) if (!allowed.includes(key)) throw new LatchkeyError(code, `${title}: unknown key ${String(key)}`);
}
