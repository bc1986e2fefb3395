/**
 * ATT PDUs as the virtual radio carries them, with their on-air sizes
 * (Core v5.4 Vol 3 Part F §3.4; L2CAP basic header Vol 3 Part A §3.1; LL Vol 6 Part B §2.1).
 */
import type { CharacteristicName } from './transport.ts';

export type AttPdu =
  | { op: 'exchange_mtu_req'; mtu: number } // §3.4.2.1
  | { op: 'exchange_mtu_rsp'; mtu: number } // §3.4.2.2
  | { op: 'read_req'; characteristic: CharacteristicName } // §3.4.4.3
  | { op: 'read_blob_req'; characteristic: CharacteristicName; offset: number } // §3.4.4.5
  | { op: 'read_rsp'; value: Uint8Array } // §3.4.4.4 / §3.4.4.6 (blob response has the same shape)
  | { op: 'write_req'; characteristic: CharacteristicName; value: Uint8Array } // §3.4.5.1
  | { op: 'write_rsp' } // §3.4.5.2
  | { op: 'write_cmd'; characteristic: CharacteristicName; value: Uint8Array } // §3.4.5.3
  | { op: 'error_rsp'; attError: number }; // §3.4.1.1

export function attPduBytes(pdu: AttPdu): number {
  switch (pdu.op) {
    case 'exchange_mtu_req':
    case 'exchange_mtu_rsp':
      return 3;
    case 'read_req':
      return 3;
    case 'read_blob_req':
      return 5;
    case 'read_rsp':
      return 1 + pdu.value.length;
    case 'write_req':
    case 'write_cmd':
      return 3 + pdu.value.length;
    case 'write_rsp':
      return 1;
    case 'error_rsp':
      return 5;
  }
}

export const l2capHeaderBytes = 4;
/** Preamble 1 + access address 4 + LL header 2 + CRC 3 (no MIC: latchkey encrypts above the LL). */
export const llOverheadBytes = 10;

export function isRequest(pdu: AttPdu): boolean {
  return pdu.op === 'exchange_mtu_req' || pdu.op === 'read_req' || pdu.op === 'read_blob_req' || pdu.op === 'write_req';
}
