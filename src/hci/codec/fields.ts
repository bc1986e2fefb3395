/**
 * Declarative little-endian structures for HCI parameters.
 *
 * Why: every HCI command, return-parameter block and event in the Core spec is a flat list of
 * named little-endian fields (Core v5.3, Vol 4, Part E, §5.4 and §7). Writing each one as a list
 * of `[Spec_Name, kind]` pairs gives one generic encoder/decoder, spec-spelled field names, and
 * lets a single test round-trip every packet type. Decoding outside bytes never throws: it
 * returns a typed result; encoding a value that does not fit its field is our bug and throws.
 */

/** Field kinds. `bytes:N` is a fixed-size octet array, `len:Field` an array whose size is the
 * value of an earlier numeric field, `rest` the remaining octets (only as last field). */
export type FieldKind = 'u8' | 'i8' | 'u16' | 'u32' | 'bdAddr' | `bytes:${number}` | `len:${string}` | 'rest';

export type FieldSpec = readonly [name: string, kind: FieldKind];

type FieldValue<K extends FieldKind> = K extends 'bdAddr'
  ? string
  : K extends 'u8' | 'i8' | 'u16' | 'u32'
    ? number
    : Uint8Array;

/** The decoded value of a structure: one property per field, named as in the spec. */
export type StructValue<F extends readonly FieldSpec[]> = {
  readonly [E in F[number] as E[0]]: FieldValue<E[1]>;
};

export type DecodeErrorCode = 'truncated' | 'trailing_bytes' | 'length_mismatch';

export type DecodeResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: DecodeErrorCode; readonly detail: string };

export interface Struct<F extends readonly FieldSpec[]> {
  readonly fields: F;
  encode(value: StructValue<F>): Uint8Array;
  decode(bytes: Uint8Array): DecodeResult<StructValue<F>>;
}

const integerRanges = {
  u8: [0, 0xff],
  i8: [-0x80, 0x7f],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
} as const;

const integerSizes = { u8: 1, i8: 1, u16: 2, u32: 4 } as const;

function isInteger(kind: FieldKind): kind is keyof typeof integerSizes {
  return kind in integerSizes;
}

/** BD_ADDR as written by BlueZ and noble: most significant octet first, lower-case hex, colons. */
export function formatBdAddr(wireOrder: Uint8Array): string {
  return Array.from(wireOrder)
    .reverse()
    .map((octet) => octet.toString(16).padStart(2, '0'))
    .join(':');
}

/** Inverse of formatBdAddr; returns the six octets in wire (little-endian) order. */
export function parseBdAddr(text: string): Uint8Array {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text)) {
    throw new RangeError(`BD_ADDR: expected xx:xx:xx:xx:xx:xx, got ${JSON.stringify(text)}`);
  }
  return Uint8Array.from(text.split(':').reverse(), (part) => Number.parseInt(part, 16));
}

function fixedSize(kind: FieldKind): number | null {
  if (isInteger(kind)) return integerSizes[kind];
  if (kind === 'bdAddr') return 6;
  if (kind.startsWith('bytes:')) return Number(kind.slice('bytes:'.length));
  return null;
}

function assertDefinition(fields: readonly FieldSpec[]): void {
  const seen = new Set<string>();
  fields.forEach(([name, kind], index) => {
    if (seen.has(name)) throw new Error(`duplicate field ${name}`);
    if (kind === 'rest' && index !== fields.length - 1) throw new Error(`rest field ${name} must be last`);
    if (kind.startsWith('bytes:')) {
      const size = Number(kind.slice('bytes:'.length));
      if (!Number.isInteger(size) || size <= 0) throw new Error(`bad size in ${name}: ${kind}`);
    }
    if (kind.startsWith('len:')) {
      const reference = fields.find(([other]) => other === kind.slice('len:'.length));
      if (!reference || !seen.has(reference[0]) || !isInteger(reference[1])) {
        throw new Error(`field ${name} must reference an earlier integer field (${kind})`);
      }
    }
    seen.add(name);
  });
}

function encodeField(view: DataView, bytes: Uint8Array, offset: number, name: string, kind: FieldKind, value: unknown): number {
  if (isInteger(kind)) {
    const [min, max] = integerRanges[kind];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new RangeError(`${name}: ${String(value)} is not a ${kind}`);
    }
    if (kind === 'u8') view.setUint8(offset, value);
    else if (kind === 'i8') view.setInt8(offset, value);
    else if (kind === 'u16') view.setUint16(offset, value, true);
    else view.setUint32(offset, value, true);
    return integerSizes[kind];
  }
  const octets = kind === 'bdAddr' ? parseBdAddr(String(value)) : value;
  if (!(octets instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`);
  const size = fixedSize(kind);
  if (size !== null && octets.length !== size) {
    throw new RangeError(`${name}: expected ${size} octets, got ${octets.length}`);
  }
  bytes.set(octets, offset);
  return octets.length;
}

function encodedLength(fields: readonly FieldSpec[], value: Record<string, unknown>): number {
  let length = 0;
  for (const [name, kind] of fields) {
    const size = fixedSize(kind);
    if (size !== null) {
      length += size;
    } else {
      const octets = value[name];
      if (!(octets instanceof Uint8Array)) throw new TypeError(`${name}: expected Uint8Array`);
      if (kind.startsWith('len:') && value[kind.slice('len:'.length)] !== octets.length) {
        throw new RangeError(`${name}: length field ${kind.slice(4)} does not match ${octets.length} octets`);
      }
      length += octets.length;
    }
  }
  return length;
}

function decodeField(bytes: Uint8Array, view: DataView, offset: number, kind: FieldKind, decoded: Record<string, unknown>): [unknown, number] | null {
  let size = fixedSize(kind);
  if (kind === 'rest') size = bytes.length - offset;
  if (kind.startsWith('len:')) size = decoded[kind.slice('len:'.length)] as number;
  if (size === null || offset + size > bytes.length) return null;
  if (kind === 'u8') return [view.getUint8(offset), 1];
  if (kind === 'i8') return [view.getInt8(offset), 1];
  if (kind === 'u16') return [view.getUint16(offset, true), 2];
  if (kind === 'u32') return [view.getUint32(offset, true), 4];
  const octets = bytes.slice(offset, offset + size);
  return [kind === 'bdAddr' ? formatBdAddr(octets) : octets, size];
}

/** Builds an encoder/decoder from a field list written exactly as the spec tables. */
export function defineStruct<const F extends readonly FieldSpec[]>(fields: F): Struct<F> {
  assertDefinition(fields);
  return Object.freeze({
    fields,
    encode(value: StructValue<F>): Uint8Array {
      const record = value as Record<string, unknown>;
      const bytes = new Uint8Array(encodedLength(fields, record));
      const view = new DataView(bytes.buffer);
      let offset = 0;
      for (const [name, kind] of fields) offset += encodeField(view, bytes, offset, name, kind, record[name]);
      return bytes;
    },
    decode(bytes: Uint8Array): DecodeResult<StructValue<F>> {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const decoded: Record<string, unknown> = {};
      let offset = 0;
      for (const [name, kind] of fields) {
        const field = decodeField(bytes, view, offset, kind, decoded);
        if (field === null) return { ok: false, code: 'truncated', detail: `${name} at offset ${offset}` };
        decoded[name] = field[0];
        offset += field[1];
      }
      if (offset !== bytes.length) {
        return { ok: false, code: 'trailing_bytes', detail: `${bytes.length - offset} octets after last field` };
      }
      return { ok: true, value: decoded as StructValue<F> };
    },
  });
}
