/**
 * A guard between a controller and an unmodified host stack (bleno, noble): ATT PDUs shorter than
 * their opcode's fixed part never reach the host. bleno's gatt.js reads a request's fields without
 * checking its length (`readUInt16LE(1)` on a 2-octet Read Request throws), which killed the lock's
 * worker and took it off the air for good (second attack on issue 16).
 *
 * Decided on the L2CAP basic frame's declared length and the ATT opcode in its start fragment
 * (Core v5.4 Vol 3 Part A §3.1, Part F §3.4), so no reassembly is needed: a frame whose PDU is too
 * short for its opcode is dropped, its continuation fragments with it. The peer gets no answer: its
 * ATT transaction times out (30 s, Part F §3.3.3) and the bearer is dead for it, as the spec has it
 * for a peer that breaks the protocol; every other link is served. (An Error Response 0x04 would
 * have to be injected behind the host's ACL flow control: not done.) A start fragment too short to
 * hold the opcode is passed through.
 */

/** Fixed-part length (opcode included) of each ATT PDU (Core v5.4 Vol 3 Part F §3.4). */
const attMinimumLength: ReadonlyMap<number, number> = new Map([
  [0x01, 5], // Error Response
  [0x02, 3], [0x03, 3], // Exchange MTU Request / Response
  [0x04, 5], [0x05, 2], // Find Information
  [0x06, 7], [0x07, 1], // Find By Type Value
  [0x08, 7], [0x09, 2], // Read By Type
  [0x0a, 3], [0x0b, 1], // Read
  [0x0c, 5], [0x0d, 1], // Read Blob
  [0x0e, 5], [0x0f, 1], // Read Multiple
  [0x10, 7], [0x11, 2], // Read By Group Type
  [0x12, 3], [0x13, 1], // Write
  [0x16, 5], [0x17, 5], // Prepare Write
  [0x18, 2], [0x19, 1], // Execute Write
  [0x1b, 3], [0x1d, 3], [0x1e, 1], // Notification, Indication, Confirmation
  [0x52, 3], // Write Command
  [0xd2, 15], // Signed Write Command (3 + 12-octet signature)
]);

const attCid = 0x0004;

/** Whether an ATT PDU of `length` octets starting with `opcode` is too short for its opcode. */
export function attPduTooShort(opcode: number, length: number): boolean {
  const minimum = attMinimumLength.get(opcode);
  return minimum !== undefined && length < minimum;
}

export interface AttGuard {
  /** False when this H4 packet (controller → host) must not reach the host. */
  admit(h4: Uint8Array): boolean;
  readonly dropped: number;
}

export function createAttGuard(): AttGuard {
  /** Handles whose current frame is being dropped (its continuation fragments go too). */
  const dropping = new Set<number>();
  let dropped = 0;
  return {
    get dropped() {
      return dropped;
    },
    admit(h4) {
      if (h4[0] !== 0x02 || h4.length < 5) return true; // not ACL
      const handle = (h4[1]! | (h4[2]! << 8)) & 0x0fff;
      const boundary = (h4[2]! >> 4) & 0x03;
      if (boundary === 0x01) return !dropping.has(handle); // continuation fragment
      dropping.delete(handle);
      const payload = h4.subarray(5);
      if (payload.length < 5) return true; // L2CAP header + opcode not all here
      const l2capLength = payload[0]! | (payload[1]! << 8);
      const cid = payload[2]! | (payload[3]! << 8);
      if (cid !== attCid || !attPduTooShort(payload[4]!, l2capLength)) return true;
      dropping.add(handle);
      dropped += 1;
      return false;
    },
  };
}
