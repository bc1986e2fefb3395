/**
 * The state one virtual controller keeps between HCI commands, and its power-on defaults.
 *
 * Why separate: the command handlers are plain functions over this record, the link reads the
 * advertising/scanning/initiating parts of it, and HCI_Reset is simply "back to the defaults
 * below" (Vol 4, Part E, §7.3.2), so the defaults live next to the shape they fill.
 */
import type { CommandParameters } from '../codec/commands.ts';
import { AdvertisingType, defaultEventMask, defaultLeEventMask, LeScanType } from '../codec/constants.ts';

export type AdvertisingParameters = CommandParameters<'HCI_LE_Set_Advertising_Parameters'>;
export type CreateConnectionParameters = CommandParameters<'HCI_LE_Create_Connection'>;

/** Buffer sizes a controller reports (Vol 4, Part E, §7.8.2) and enforces. */
export interface ControllerBuffers {
  /** LE_ACL_Data_Packet_Length: 27..251 (27 is the minimum, Vol 6, Part B, §4.5.10). */
  readonly aclDataPacketLength: number;
  /** Total_Num_LE_ACL_Data_Packets: 1..255. */
  readonly totalNumAclDataPackets: number;
}

export interface ControllerState {
  eventMask: Uint8Array;
  leEventMask: Uint8Array;
  leSupportedHost: number;
  randomAddress: string | null;
  advertising: {
    parameters: AdvertisingParameters;
    /** Significant octets only (Advertising_Data_Length of them). */
    data: Uint8Array;
    scanResponseData: Uint8Array;
    enabled: boolean;
  };
  scanning: {
    scanType: number;
    ownAddressType: number;
    enabled: boolean;
    filterDuplicates: boolean;
    /** Keys of reports already delivered while Filter_Duplicates is on (bounded). */
    reported: Set<string>;
  };
  /** Pending HCI_LE_Create_Connection, or null. */
  initiating: CreateConnectionParameters | null;
  /** Host→controller ACL packets not yet acknowledged by Number_Of_Completed_Packets, per handle. */
  aclInFlight: Map<number, number>;
}

/** Default advertising parameters — Vol 4, Part E, §7.8.5 (interval 0x0800 = 1.28 s, ADV_IND). */
export function defaultAdvertisingParameters(): AdvertisingParameters {
  return {
    Advertising_Interval_Min: 0x0800,
    Advertising_Interval_Max: 0x0800,
    Advertising_Type: AdvertisingType.AdvInd,
    Own_Address_Type: 0x00,
    Peer_Address_Type: 0x00,
    Peer_Address: '00:00:00:00:00:00',
    Advertising_Channel_Map: 0x07,
    Advertising_Filter_Policy: 0x00,
  };
}

export function initialControllerState(): ControllerState {
  return {
    eventMask: defaultEventMask.slice(),
    leEventMask: defaultLeEventMask.slice(),
    leSupportedHost: 0,
    randomAddress: null,
    advertising: {
      parameters: defaultAdvertisingParameters(),
      data: new Uint8Array(0),
      scanResponseData: new Uint8Array(0),
      enabled: false,
    },
    scanning: { scanType: LeScanType.Passive, ownAddressType: 0, enabled: false, filterDuplicates: false, reported: new Set() },
    initiating: null,
    aclInFlight: new Map(),
  };
}

export function totalAclInFlight(state: ControllerState): number {
  let total = 0;
  for (const count of state.aclInFlight.values()) total += count;
  return total;
}

/** Is event mask bit `bit` set? Masks are 8 octets, little-endian (Vol 4, Part E, §7.3.1). */
export function maskHasBit(mask: Uint8Array, bit: number): boolean {
  return ((mask[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
}
