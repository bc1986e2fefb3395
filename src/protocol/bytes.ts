/** Small byte helpers with labelled input checks (noble style). Never mutate caller bytes. */
import { LatchkeyError } from './errors.ts';

/** A real Uint8Array (or Buffer): `ArrayBuffer.isView` rejects fakes built on Uint8Array.prototype. */
export function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array && ArrayBuffer.isView(value);
}

/** Checks a field is a byte string within a length range; throws claim_invalid-style codes via the caller's code. */
export function checkBytes(value: unknown, title: string, lengthMin: number, lengthMax: number, code: 'claim_invalid' | 'message_malformed' | 'cose_bad_key' | 'cose_bad_structure'): Uint8Array {
  if (!isBytes(value)) throw new LatchkeyError(code, `${title}: expected bytes`);
  if (value.length < lengthMin || value.length > lengthMax) {
    throw new LatchkeyError(code, `${title}: length ${value.length} outside ${lengthMin}..${lengthMax}`);
  }
  return value;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic byte comparison (RFC 8949 §4.2.1 key order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const hexDigits = '0123456789abcdef';
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += hexDigits[b >> 4]! + hexDigits[b & 15]!;
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw new TypeError('fromHex: not a hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A plain Uint8Array copy (Buffer from cbor-x becomes a plain view we own). */
export function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export function u32be(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0, false);
  return out;
}

/** Zero a secret buffer we own once it is no longer needed. */
export function wipe(bytes: Uint8Array): void {
  bytes.fill(0);
}
