/**
 * The latchkey GATT service: one service, four characteristics (three challenge forms to read, one
 * exchange), Read and Write only.
 *
 * Why only Read/Write: Chromium's Web Bluetooth emulation (and some phone stacks in the
 * background) cannot push notifications, and an ATT Write Response carries no data. So the lock
 * hands out its challenge on a Read, the phone streams its request with Write Without Response
 * chunks closed by one Write Request (whose response is held until the lock has decided), and the
 * phone reads the lock's signed result afterwards. See docs/PROTOCOL.md.
 */

/** 128-bit UUIDs, lower case with dashes, as Web Bluetooth, bleno and noble all accept them. */
export const latchkeyServiceUuid = '6c6b0001-5b1e-4a3c-9d2f-6c61746368b1' as const;
/** Read: the lock's challenge, form 1 (21-byte commitment; fits one ATT_READ_RSP even at MTU 23). */
export const challengeCharacteristicUuid = '6c6b0002-5b1e-4a3c-9d2f-6c61746368b1' as const;
/** Read: the same challenge, form 2 (the lock's ephemeral key, 35 bytes; MTU ≥ 37). */
export const challengeKeyCharacteristicUuid = '6c6b0004-5b1e-4a3c-9d2f-6c61746368b1' as const;
/** Read: the same challenge, form 3 (ephemeral key + the lock's signature, 99 bytes; MTU ≥ 101). */
export const challengeSignedCharacteristicUuid = '6c6b0005-5b1e-4a3c-9d2f-6c61746368b1' as const;
/** Write / Write Without Response: request chunks. Read: the result of the last request. */
export const exchangeCharacteristicUuid = '6c6b0003-5b1e-4a3c-9d2f-6c61746368b1' as const;

/** Short form (no dashes) used by bleno and noble. */
export function shortUuid(uuid: string): string {
  return uuid.replaceAll('-', '');
}

/**
 * A lock's advertised local name: `lk-` + the first 6 bytes of its lock id in hex (15 characters,
 * the longest that fits beside the manufacturer data). Web Bluetooth shows a page only the name of
 * the chosen device, so this is how the page picks the right lock certificate; the exchange itself
 * is bound to the full lock id and the lock's keys (a colliding name can only make it fail).
 */
export const lockNamePrefix = 'lk-';
export const lockNameIdBytes = 6;
export function lockNameOf(lockId: Uint8Array): string {
  let hex = '';
  for (const byte of lockId.subarray(0, lockNameIdBytes)) hex += byte.toString(16).padStart(2, '0');
  return lockNamePrefix + hex;
}

/** Bluetooth SIG company id placed in manufacturer data (0xFFFF: reserved for testing). */
export const manufacturerCompanyId = 0xffff;

/** The characteristics by name (the names the firmware model and the transports use). */
export const characteristicUuids = {
  challenge: challengeCharacteristicUuid,
  challenge_key: challengeKeyCharacteristicUuid,
  challenge_signed: challengeSignedCharacteristicUuid,
  exchange: exchangeCharacteristicUuid,
} as const;
export type CharacteristicName = keyof typeof characteristicUuids;
export const challengeCharacteristics = ['challenge', 'challenge_key', 'challenge_signed'] as const satisfies readonly CharacteristicName[];

/** Which challenge characteristic carries which form (src/protocol/unlock/challenge.ts). */
export const challengeCharacteristicOfForm = { 1: 'challenge', 2: 'challenge_key', 3: 'challenge_signed' } as const satisfies Record<1 | 2 | 3, CharacteristicName>;
