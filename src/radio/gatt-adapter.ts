/**
 * The one mapping from the firmware-model lock's outputs to ATT answers, shared by every place
 * that puts the lock behind a GATT server: the virtual radio (src/radio/virtual-radio.ts), the
 * bleno peripheral (src/ble/lock-peripheral.ts) and the Web Bluetooth emulation bridge
 * (test/web/cdp-bridge.ts).
 *
 * Why one: the three copies had drifted only in wording so far, but a change to what the lock
 * emits (a new output type, a read answered twice) must change every transport the same way.
 * What a transport does when the lock gave no answer at all (null here: it knows no such
 * connection) differs legitimately — the virtual radio stays silent once the link is gone, the
 * others answer Unlikely Error — so that stays with the caller, with `attUnlikelyError` to hand.
 */
import type { LockOutput } from '../../firmware-model/lock.ts';

/** ATT "Unlikely Error" (Core v5.4 Vol 3 Part F §3.4.1.1): the answer when the lock gave none. */
export const attUnlikelyError = 0x0e;

export type AttReadAnswer = { readonly ok: true; readonly value: Uint8Array } | { readonly ok: false; readonly attError: number };
export type AttWriteAnswer = { readonly ok: true } | { readonly ok: false; readonly attError: number };

/** The lock's answer to a Read (the first read_response or read_error it emitted), or null. */
export function readAnswerOf(outputs: readonly LockOutput[]): AttReadAnswer | null {
  for (const output of outputs) {
    if (output.type === 'read_response') return { ok: true, value: output.value };
    if (output.type === 'read_error') return { ok: false, attError: output.attError };
  }
  return null;
}

/** The lock's answer to a Write Request (its first write_response; attError 0 is success), or null. */
export function writeAnswerOf(outputs: readonly LockOutput[]): AttWriteAnswer | null {
  for (const output of outputs) {
    if (output.type === 'write_response') return output.attError === 0 ? { ok: true } : { ok: false, attError: output.attError };
  }
  return null;
}
