/**
 * The lock id in Manufacturer Specific Data: company id 0xFFFF (reserved for testing,
 * src/protocol/gatt.ts) little-endian, then the lock id bytes.
 *
 * Why its own file: the bleno lock writes it and the noble transport reads it; both must agree
 * byte for byte, and a scanner must refuse anything else (another vendor's data, a short field)
 * as "not a latchkey lock" rather than crash.
 */
import { manufacturerCompanyId } from '../protocol/gatt.ts';

/** Lock ids are 8 bytes today; accept up to what fits a scan response next to a short name. */
export const lockIdBytesMax = 16;

export function encodeLockManufacturerData(lockId: Uint8Array): Uint8Array {
  if (lockId.length < 1 || lockId.length > lockIdBytesMax) throw new RangeError(`lockId: expected 1..${lockIdBytesMax} bytes, got ${lockId.length}`);
  const out = new Uint8Array(2 + lockId.length);
  out[0] = manufacturerCompanyId & 0xff;
  out[1] = manufacturerCompanyId >> 8;
  out.set(lockId, 2);
  return out;
}

/** The lock id, or null when the data is absent, too short/long or from another company. */
export function decodeLockManufacturerData(data: Uint8Array | null | undefined): Uint8Array | null {
  if (data === null || data === undefined || data.length < 3 || data.length > 2 + lockIdBytesMax) return null;
  if ((data[0]! | (data[1]! << 8)) !== manufacturerCompanyId) return null;
  return Uint8Array.from(data.subarray(2));
}
