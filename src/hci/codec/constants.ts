/**
 * Numbers the Bluetooth Core spec assigns to HCI, gathered in one place.
 *
 * Why one file: the controller, the codecs, the btsnoop recorder and the tests all need the same
 * values, and each value here carries the spec section it comes from (Core v5.3 unless noted), so
 * a reader can check it. `as const` objects instead of TypeScript enums (house style).
 */

/** H4 packet indicators — Vol 4, Part A, §2 (UART transport layer). */
export const H4PacketType = {
  Command: 0x01,
  AclData: 0x02,
  SynchronousData: 0x03,
  Event: 0x04,
  IsoData: 0x05,
} as const;
export type H4PacketType = (typeof H4PacketType)[keyof typeof H4PacketType];

/** Controller error codes — Vol 1, Part F, §1.3 (list of error codes). */
export const HciStatus = {
  Success: 0x00,
  UnknownHciCommand: 0x01,
  UnknownConnectionIdentifier: 0x02,
  MemoryCapacityExceeded: 0x07,
  ConnectionTimeout: 0x08,
  CommandDisallowed: 0x0c,
  InvalidHciCommandParameters: 0x12,
  RemoteUserTerminatedConnection: 0x13,
  ConnectionTerminatedByLocalHost: 0x16,
  UnsupportedFeatureOrParameterValue: 0x11,
  UnspecifiedError: 0x1f,
  ConnectionFailedToBeEstablished: 0x3e,
} as const;
export type HciStatus = (typeof HciStatus)[keyof typeof HciStatus];

/** Event codes — Vol 4, Part E, §7.7. */
export const EventCode = {
  DisconnectionComplete: 0x05,
  CommandComplete: 0x0e,
  CommandStatus: 0x0f,
  NumberOfCompletedPackets: 0x13,
  LeMeta: 0x3e,
} as const;

/** LE Meta subevent codes — Vol 4, Part E, §7.7.65. */
export const LeSubeventCode = {
  LeConnectionComplete: 0x01,
  LeAdvertisingReport: 0x02,
  LeConnectionUpdateComplete: 0x03,
} as const;

/** Bit of each event in HCI_Set_Event_Mask — Vol 4, Part E, §7.3.1. */
export const EventMaskBit = {
  DisconnectionComplete: 4,
  LeMeta: 61,
} as const;

/** Default Event_Mask after HCI_Reset — Vol 4, Part E, §7.3.1 (0x00001FFFFFFFFFFF). */
export const defaultEventMask = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00, 0x00);

/** Default LE_Event_Mask after HCI_Reset — Vol 4, Part E, §7.8.1 (0x000000000000001F). */
export const defaultLeEventMask = Uint8Array.of(0x1f, 0, 0, 0, 0, 0, 0, 0);

/** Packet_Boundary_Flag of an ACL data packet — Vol 4, Part E, §5.4.2. */
export const PacketBoundaryFlag = {
  /** Host → Controller only: first fragment of a non-automatically-flushable L2CAP PDU. */
  FirstNonAutomaticallyFlushable: 0b00,
  Continuing: 0b01,
  /** First fragment of an automatically flushable PDU; LE Controller → Host always uses this. */
  FirstAutomaticallyFlushable: 0b10,
} as const;

/** Advertising_Type of HCI_LE_Set_Advertising_Parameters — Vol 4, Part E, §7.8.5. */
export const AdvertisingType = {
  AdvInd: 0x00,
  AdvDirectIndHighDuty: 0x01,
  AdvScanInd: 0x02,
  AdvNonconnInd: 0x03,
  AdvDirectIndLowDuty: 0x04,
} as const;

/** Event_Type of HCI_LE_Advertising_Report — Vol 4, Part E, §7.7.65.2. */
export const AdvertisingReportEventType = {
  AdvInd: 0x00,
  AdvDirectInd: 0x01,
  AdvScanInd: 0x02,
  AdvNonconnInd: 0x03,
  ScanRsp: 0x04,
} as const;

/** Role in HCI_LE_Connection_Complete — Vol 4, Part E, §7.7.65.1. */
export const ConnectionRole = { Central: 0x00, Peripheral: 0x01 } as const;

/** LE_Scan_Type of HCI_LE_Set_Scan_Parameters — Vol 4, Part E, §7.8.10. */
export const LeScanType = { Passive: 0x00, Active: 0x01 } as const;

/** HCI_Version values — Assigned Numbers §2.1; 0x06 is Core 4.0 (the minimum bleno/noble accept). */
export const HciVersion = { Core4_0: 0x06, Core5_0: 0x09, Core5_3: 0x0c } as const;

/** Connection_Handle range — Vol 4, Part E, §5.4.2 (12 bits, 0x0EFF and below are valid). */
export const connectionHandleMax = 0x0eff;

/** Builds an opcode from OGF and OCF — Vol 4, Part E, §5.4.1. */
export function opcodeOf(ogf: number, ocf: number): number {
  return ((ogf & 0x3f) << 10) | (ocf & 0x03ff);
}

/** Time units of the LE HCI commands: 0.625 ms for advertising/scanning, 1.25 ms for connection
 * intervals, 10 ms for supervision timeouts — Vol 4, Part E, §7.8.5, §7.8.12. */
export const TimeUnitMicroseconds = { advertising: 625, connectionInterval: 1250, supervision: 10_000 } as const;
