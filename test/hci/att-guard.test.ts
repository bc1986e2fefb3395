/**
 * The ATT guard in front of bleno/noble (src/hci/host/att-guard.ts): a PDU shorter than its
 * opcode's fixed part never reaches the host (second attack on issue 16: a 2-octet Read Request
 * crashed bleno's worker and took the lock off the air; scripts/attack-repro-16/second/03-att-edge.ts
 * shows it end to end against `latchkey hci serve`).
 */
import { describe, expect, it } from 'vitest';
import { attPduTooShort, createAttGuard } from '../../src/hci/host/att-guard.ts';

/** H4 ACL packet, controller → host: handle, packet boundary flag, data. */
function acl(handle: number, boundary: number, data: number[]): Uint8Array {
  return Uint8Array.from([0x02, handle & 0xff, ((handle >> 8) & 0x0f) | (boundary << 4), data.length & 0xff, data.length >> 8, ...data]);
}
/** An L2CAP basic frame on `cid` with `pdu`, its declared length `declared` (default: the PDU's). */
const frame = (cid: number, pdu: number[], declared = pdu.length) => [declared & 0xff, declared >> 8, cid & 0xff, cid >> 8, ...pdu];

describe('ATT guard', () => {
  it('drops a truncated Read Request and its continuation fragments, passes the next frame', () => {
    const guard = createAttGuard();
    expect(guard.admit(acl(0x40, 0b10, frame(4, [0x0a, 0x01])))).toBe(false);
    expect(guard.admit(acl(0x40, 0b01, [0x99]))).toBe(false); // continuation of the dropped frame
    expect(guard.admit(acl(0x40, 0b10, frame(4, [0x0a, 0x03, 0x00])))).toBe(true);
    expect(guard.admit(acl(0x40, 0b01, [0x99]))).toBe(true); // continuation of a passed frame
    expect(guard.dropped).toBe(1);
  });

  it('judges the declared L2CAP length, so a frame split over fragments is judged at its start', () => {
    const guard = createAttGuard();
    // A Write Request declared 5 octets long, split after its opcode: passes, and so does the rest.
    expect(guard.admit(acl(0x41, 0b10, frame(4, [0x12], 5)))).toBe(true);
    expect(guard.admit(acl(0x41, 0b01, [0x03, 0x00, 0xaa, 0xbb]))).toBe(true);
    // A Read Blob Request declared 3 octets (needs 5): dropped at its start.
    expect(guard.admit(acl(0x41, 0b10, frame(4, [0x0c], 3)))).toBe(false);
  });

  it('leaves other channels, other handles, events and well-formed PDUs alone', () => {
    const guard = createAttGuard();
    expect(guard.admit(acl(0x40, 0b10, frame(5, [0x7f, 1, 0, 0])))).toBe(true); // LE signalling
    expect(guard.admit(acl(0x40, 0b10, frame(4, [0x3f])))).toBe(true); // unknown opcode: the host answers 0x06
    expect(guard.admit(Uint8Array.of(0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00))).toBe(true); // an event
    expect(guard.admit(acl(0x40, 0b10, frame(4, [0x0a, 0x01])))).toBe(false);
    expect(guard.admit(acl(0x42, 0b01, [0x00]))).toBe(true); // another handle's continuation
    for (const [opcode, length] of [[0x02, 3], [0x04, 5], [0x08, 7], [0x0a, 3], [0x12, 3], [0x16, 5], [0x18, 2], [0x52, 3], [0xd2, 15]] as const) {
      expect(attPduTooShort(opcode, length)).toBe(false);
      expect(attPduTooShort(opcode, length - 1)).toBe(true);
    }
  });
});
