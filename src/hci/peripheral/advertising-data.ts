/**
 * Advertising and scan response payloads (AD structures, Core Supplement Part A §1) for a
 * peripheral that adds Manufacturer Specific Data to what bleno's startAdvertising would send.
 *
 * Why: bleno's startAdvertising(name, uuids) has no manufacturer data, and its
 * startAdvertisingWithEIRData takes raw bytes. Flags (3) + one 128-bit service UUID (18) already
 * take 21 of the advertising data's 31 octets, so manufacturer data goes into the scan response
 * with the local name — which is where a scanning phone (active scan) reads it anyway.
 */

/** AD types, Bluetooth Assigned Numbers §2.3. */
export const AdType = {
  Flags: 0x01,
  IncompleteList128BitServiceUuids: 0x06,
  CompleteLocalName: 0x09,
  ManufacturerSpecificData: 0xff,
} as const;

/** LE General Discoverable Mode | BR/EDR Not Supported (Core Supplement Part A §1.3). */
const flagsLeGeneralDiscoverableNoBrEdr = 0x06;
export const advertisingDataBytesMax = 31;

function adStructure(type: number, data: Uint8Array): Uint8Array {
  if (data.length > advertisingDataBytesMax - 2) throw new RangeError(`AD 0x${type.toString(16)}: ${data.length} octets do not fit`);
  return Uint8Array.of(data.length + 1, type, ...data);
}

function joinChecked(parts: Uint8Array[], title: string): Buffer {
  const joined = Buffer.concat(parts);
  if (joined.length > advertisingDataBytesMax) throw new RangeError(`${title}: ${joined.length} octets, at most ${advertisingDataBytesMax}`);
  return joined;
}

/** UUID text (with or without dashes) → the 16 octets in the little-endian order used on air. */
export function uuid128LittleEndian(uuid: string): Uint8Array {
  const hex = uuid.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a 128-bit UUID: ${uuid}`);
  return Uint8Array.from(Buffer.from(hex, 'hex')).reverse();
}

/** Flags + the service UUID, as bleno's startAdvertising lays them out. */
export function buildAdvertisingData(serviceUuid: string): Buffer {
  return joinChecked([adStructure(AdType.Flags, Uint8Array.of(flagsLeGeneralDiscoverableNoBrEdr)), adStructure(AdType.IncompleteList128BitServiceUuids, uuid128LittleEndian(serviceUuid))], 'advertising data');
}

/** Complete Local Name + Manufacturer Specific Data. */
export function buildScanResponseData(localName: string, manufacturerData: Uint8Array): Buffer {
  return joinChecked([adStructure(AdType.CompleteLocalName, new TextEncoder().encode(localName)), adStructure(AdType.ManufacturerSpecificData, manufacturerData)], 'scan response data');
}
