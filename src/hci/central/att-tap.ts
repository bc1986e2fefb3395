/**
 * Observes the ATT PDUs a noble instance sends and receives, per HCI connection handle.
 *
 * Why: noble hides two things a phone-side transport needs. A request answered by an ATT Error
 * Response (Core v5.3, Vol 3, Part F, §3.4.1.1) either never calls back (write) or calls back
 * with an empty buffer (read); and noble issues Read Blob requests on its own, so the caller
 * cannot count round trips. The tap sits on noble's own HCI layer (`_bindings._hci`: its
 * 'aclDataPkt' event and its `writeAclDataPkt` method), so it works the same over the virtual
 * controller and a real adapter. The receive listener is *prepended*: it sees an Error Response
 * before noble's read callback does.
 */
import type { Noble } from './central.ts';

/** The ATT fixed channel, Core v5.3, Vol 3, Part A, §2.1. */
export const attChannelId = 0x0004;

/** ATT opcodes used by the latchkey transport (Vol 3, Part F, §3.4.8). */
export const AttOpcode = {
  ErrorResponse: 0x01,
  ExchangeMtuRequest: 0x02,
  ExchangeMtuResponse: 0x03,
  ReadRequest: 0x0a,
  ReadResponse: 0x0b,
  ReadBlobRequest: 0x0c,
  ReadBlobResponse: 0x0d,
  WriteRequest: 0x12,
  WriteResponse: 0x13,
  WriteCommand: 0x52,
} as const;

/** Opcodes of the ATT requests (each waits for one response), Vol 3, Part F, §3.4.8. */
const attRequestOpcodes: ReadonlySet<number> = new Set([0x02, 0x04, 0x06, 0x08, 0x0a, 0x0c, 0x0e, 0x10, 0x12, 0x16, 0x18, 0x20]);

export function isAttRequest(opcode: number): boolean {
  return attRequestOpcodes.has(opcode);
}

export interface AttErrorResponse {
  readonly requestOpcode: number;
  readonly attributeHandle: number;
  readonly errorCode: number;
}

/** Parses an ATT_ERROR_RSP (5 octets), or null for any other PDU. */
export function parseAttErrorResponse(pdu: Uint8Array): AttErrorResponse | null {
  if (pdu.length !== 5 || pdu[0] !== AttOpcode.ErrorResponse) return null;
  return { requestOpcode: pdu[1]!, attributeHandle: pdu[2]! | (pdu[3]! << 8), errorCode: pdu[4]! };
}

export interface AttTapListener {
  /** An ATT PDU arrived from the peer on `connectionHandle` (before noble handles it). */
  onReceive?(connectionHandle: number, pdu: Uint8Array): void;
  /** noble is sending an ATT PDU on `connectionHandle`. */
  onSend?(connectionHandle: number, pdu: Uint8Array): void;
}

interface NobleHci {
  prependListener(event: 'aclDataPkt', listener: (handle: number, cid: number, data: Buffer) => void): void;
  removeListener(event: 'aclDataPkt', listener: (handle: number, cid: number, data: Buffer) => void): void;
  writeAclDataPkt(handle: number, cid: number, data: Buffer): unknown;
}

interface NobleBindings {
  _hci: NobleHci;
  _handles: Record<string, number | string>;
}

function bindingsOf(noble: Noble): NobleBindings {
  return (noble as unknown as { _bindings: NobleBindings })._bindings;
}

/** Installs `listener`; returns the function that removes it again. */
export function tapAtt(noble: Noble, listener: AttTapListener): () => void {
  const hci = bindingsOf(noble)._hci;
  const onAcl = (handle: number, cid: number, data: Buffer): void => {
    if (cid === attChannelId) listener.onReceive?.(handle, Uint8Array.from(data));
  };
  hci.prependListener('aclDataPkt', onAcl);
  const ownWrite = Object.prototype.hasOwnProperty.call(hci, 'writeAclDataPkt');
  const previous = hci.writeAclDataPkt;
  hci.writeAclDataPkt = function writeAclDataPkt(this: NobleHci, handle: number, cid: number, data: Buffer): unknown {
    if (cid === attChannelId) listener.onSend?.(handle, Uint8Array.from(data));
    return previous.call(this, handle, cid, data);
  };
  return () => {
    hci.removeListener('aclDataPkt', onAcl);
    if (ownWrite) hci.writeAclDataPkt = previous;
    else delete (hci as Partial<NobleHci>).writeAclDataPkt;
  };
}

/** The HCI connection handle noble holds for a connected peripheral (by its id), or null. */
export function connectionHandleOf(noble: Noble, peripheralId: string): number | null {
  const handle = bindingsOf(noble)._handles[peripheralId];
  return typeof handle === 'number' ? handle : null;
}
