/**
 * How the web app learns which lock it is talking to. Web Bluetooth exposes neither the lock id in
 * the manufacturer data nor the RSSI of a chosen device: only its name. So a latchkey lock
 * advertises the local name `lk-` + the first 6 bytes of its lock id in hex (15 characters, the
 * longest name that fits next to the manufacturer data), and the page matches that prefix against
 * the lock certificates it holds. The prefix only picks the certificate: the exchange itself is
 * bound to the full lock id and the lock's keys, so a colliding or spoofed name can at worst make
 * the unlock fail (lock_proof_invalid), never succeed against the wrong lock.
 */
import { lockNameOf, lockNamePrefix } from '../protocol/gatt.ts';

export { lockNameIdBytes, lockNameOf, lockNamePrefix } from '../protocol/gatt.ts';

/** The full lock id among `known` whose name `name` is, or undefined (not a door this key knows). */
export function lockIdFromName(name: string | undefined, known: readonly Uint8Array[]): Uint8Array | undefined {
  if (name === undefined || !name.startsWith(lockNamePrefix)) return undefined;
  return known.find((lockId) => lockNameOf(lockId) === name.toLowerCase());
}
