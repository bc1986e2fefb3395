/**
 * What the virtual controller does for each HCI command it implements.
 *
 * Why a table of small functions: each handler is the behaviour of one spec section, typed by
 * that command's declared parameters and return parameters (codec/commands.ts), so a handler
 * cannot forget a return parameter or misspell a field. State lives in ControllerState; anything
 * that involves another controller (advertising, connections, ACL) goes through the LinkPort.
 * Sections: Core v5.3, Vol 4, Part E.
 */
import type { CommandName, CommandParameters, CommandReturnParameters, commands } from '../codec/commands.ts';
import type { EventName, EventParameters } from '../codec/events.ts';
import { HciStatus, HciVersion, LeScanType } from '../codec/constants.ts';
import { filterAcceptListSize, leFeatures, leStates, lmpFeatures, supportedCommandsOf } from './capabilities.ts';
import type { ControllerBuffers, ControllerState, CreateConnectionParameters } from './state.ts';

/** What the controller offers the handlers. */
export interface CommandTarget {
  readonly state: ControllerState;
  publicAddress: string;
  /** What HCI_LE_Read_Buffer_Size reports and the controller enforces on host ACL. */
  readonly buffers: ControllerBuffers;
  /** Answers Zephyr's vendor Write BD_ADDR (0xFC06) like a Zephyr controller. */
  readonly zephyrVendorCommands: boolean;
  readonly link: LinkPort;
  /** `count` octets from the controller's seeded generator (HCI_LE_Rand). */
  randomOctets(count: number): Uint8Array;
  resetState(): void;
  emit<N extends EventName>(name: N, parameters: EventParameters<N>): void;
}

/** What the simulated air offers a controller (implemented by LocalLink). */
export interface LinkPort {
  advertisingChanged(controller: CommandTarget): void;
  initiatingChanged(controller: CommandTarget): void;
  sendAcl(controller: CommandTarget, handle: number, packetBoundaryFlag: number, data: Uint8Array): boolean;
  disconnect(controller: CommandTarget, handle: number, reason: number): boolean;
  updateConnection(controller: CommandTarget, handle: number, parameters: CommandParameters<'HCI_LE_Connection_Update'>): boolean;
  rssiOf(controller: CommandTarget, handle: number): number | null;
  resetController(controller: CommandTarget): void;
}

export interface StatusOutcome {
  readonly status: number;
  /** Runs after the HCI_Command_Status event was sent. */
  readonly after?: () => void;
}

export interface CompleteOutcome<N extends CommandName> {
  readonly returnParameters: CommandReturnParameters<N>;
  /** Runs after the HCI_Command_Complete event was sent. */
  readonly after?: () => void;
}

export type HandlerResult<N extends CommandName> = (typeof commands)[N]['completion'] extends 'status'
  ? StatusOutcome
  : CompleteOutcome<N>;

type Handlers = { readonly [N in CommandName]: (target: CommandTarget, parameters: CommandParameters<N>) => HandlerResult<N> };

const ok = { Status: HciStatus.Success } as const;
const status = (Status: number) => ({ returnParameters: { Status } });

/** Values reported by HCI_Read_Local_Version_Information. HCI_Version must be ≥ 0x06 (4.0). */
export const localVersion = {
  HCI_Version: HciVersion.Core5_0,
  HCI_Subversion: 0x0001,
  LMP_Version: HciVersion.Core5_0,
  /** 0xFFFF: reserved for testing (no company). */
  Company_Identifier: 0xffff,
  LMP_Subversion: 0x0001,
} as const;

/** Fake RSSI for HCI_Read_RSSI when the link has no value for the handle. */
const rssiUnavailable = 127;

function addressTypeOk(value: number): boolean {
  return value <= 0x03;
}

function connectionParametersValid(p: CreateConnectionParameters | CommandParameters<'HCI_LE_Connection_Update'>): boolean {
  // §7.8.12: intervals 0x0006..0x0C80, latency ≤ 0x01F3, timeout 0x000A..0x0C80, and the timeout
  // (10 ms units) larger than (1 + Max_Latency) × Connection_Interval_Max (1.25 ms units) × 2 in ms
  // (second attack on issue 16: a 100 ms timeout with a 4 s interval was accepted).
  return (
    p.Supervision_Timeout * 10 > (1 + p.Max_Latency) * p.Connection_Interval_Max * 1.25 * 2 &&
    p.Connection_Interval_Min >= 0x0006 &&
    p.Connection_Interval_Max <= 0x0c80 &&
    p.Connection_Interval_Min <= p.Connection_Interval_Max &&
    p.Max_Latency <= 0x01f3 &&
    p.Supervision_Timeout >= 0x000a &&
    p.Supervision_Timeout <= 0x0c80
  );
}

export const commandHandlers: Handlers = {
  // §7.1.6: Command_Status now; HCI_Disconnection_Complete on both sides later.
  HCI_Disconnect: (target, p) => ({
    status: target.link.disconnect(target, p.Connection_Handle, p.Reason) ? HciStatus.Success : HciStatus.UnknownConnectionIdentifier,
  }),
  HCI_Set_Event_Mask: (target, p) => {
    target.state.eventMask = p.Event_Mask.slice();
    return { returnParameters: ok };
  },
  // §7.3.2: back to power-on state; connections are dropped (peers see a supervision timeout).
  HCI_Reset: (target) => {
    target.link.resetController(target);
    target.resetState();
    return { returnParameters: ok };
  },
  HCI_Read_LE_Host_Support: (target) => ({
    returnParameters: { Status: HciStatus.Success, LE_Supported_Host: target.state.leSupportedHost, Unused: 0 },
  }),
  HCI_Write_LE_Host_Support: (target, p) => {
    target.state.leSupportedHost = p.LE_Supported_Host;
    return { returnParameters: ok };
  },
  HCI_Read_Local_Version_Information: () => ({ returnParameters: { Status: HciStatus.Success, ...localVersion } }),
  // §7.4.2: exactly the commands of this table (capabilities.ts maps each to its §6.27 bit).
  HCI_Read_Local_Supported_Commands: () => ({
    returnParameters: { Status: HciStatus.Success, Supported_Commands: supportedCommandsOf(Object.keys(commandHandlers) as CommandName[]) },
  }),
  // §7.4.3: LE only (BR/EDR Not Supported, LE Supported (Controller)).
  HCI_Read_Local_Supported_Features: () => ({ returnParameters: { Status: HciStatus.Success, LMP_Features: lmpFeatures.slice() } }),
  // §7.4.5: an LE-only controller may report BR/EDR buffers; we mirror the LE values.
  HCI_Read_Buffer_Size: (target) => ({
    returnParameters: {
      Status: HciStatus.Success,
      ACL_Data_Packet_Length: target.buffers.aclDataPacketLength,
      Synchronous_Data_Packet_Length: 0,
      Total_Num_ACL_Data_Packets: target.buffers.totalNumAclDataPackets,
      Total_Num_Synchronous_Data_Packets: 0,
    },
  }),
  HCI_Read_BD_ADDR: (target) => ({ returnParameters: { Status: HciStatus.Success, BD_ADDR: target.publicAddress } }),
  HCI_Read_RSSI: (target, p) => {
    const rssi = target.link.rssiOf(target, p.Handle);
    const Status = rssi === null ? HciStatus.UnknownConnectionIdentifier : HciStatus.Success;
    return { returnParameters: { Status, Handle: p.Handle, RSSI: rssi ?? rssiUnavailable } };
  },
  HCI_LE_Set_Event_Mask: (target, p) => {
    target.state.leEventMask = p.LE_Event_Mask.slice();
    return { returnParameters: ok };
  },
  HCI_LE_Read_Buffer_Size: (target) => ({
    returnParameters: {
      Status: HciStatus.Success,
      LE_ACL_Data_Packet_Length: target.buffers.aclDataPacketLength,
      Total_Num_LE_ACL_Data_Packets: target.buffers.totalNumAclDataPackets,
    },
  }),
  // §7.8.3: no optional LE feature is modelled.
  HCI_LE_Read_Local_Supported_Features: () => ({ returnParameters: { Status: HciStatus.Success, LE_Features: leFeatures.slice() } }),
  HCI_LE_Set_Random_Address: (target, p) => {
    if (target.state.advertising.enabled || target.state.scanning.enabled) return status(HciStatus.CommandDisallowed);
    target.state.randomAddress = p.Random_Address;
    return { returnParameters: ok };
  },
  // §7.8.5: disallowed while advertising is enabled.
  HCI_LE_Set_Advertising_Parameters: (target, p) => {
    if (target.state.advertising.enabled) return status(HciStatus.CommandDisallowed);
    if (p.Advertising_Type > 0x04 || !addressTypeOk(p.Own_Address_Type) || p.Advertising_Interval_Min > p.Advertising_Interval_Max) {
      return status(HciStatus.InvalidHciCommandParameters);
    }
    target.state.advertising.parameters = p;
    return { returnParameters: ok };
  },
  HCI_LE_Set_Advertising_Data: (target, p) => {
    if (p.Advertising_Data_Length > 31) return status(HciStatus.InvalidHciCommandParameters);
    target.state.advertising.data = p.Advertising_Data.slice(0, p.Advertising_Data_Length);
    return { returnParameters: ok };
  },
  HCI_LE_Set_Scan_Response_Data: (target, p) => {
    if (p.Scan_Response_Data_Length > 31) return status(HciStatus.InvalidHciCommandParameters);
    target.state.advertising.scanResponseData = p.Scan_Response_Data.slice(0, p.Scan_Response_Data_Length);
    return { returnParameters: ok };
  },
  HCI_LE_Set_Advertising_Enable: (target, p) => {
    if (p.Advertising_Enable > 1) return status(HciStatus.InvalidHciCommandParameters);
    target.state.advertising.enabled = p.Advertising_Enable === 1;
    return { returnParameters: ok, after: () => target.link.advertisingChanged(target) };
  },
  // §7.8.10: disallowed while scanning is enabled.
  HCI_LE_Set_Scan_Parameters: (target, p) => {
    if (target.state.scanning.enabled) return status(HciStatus.CommandDisallowed);
    if (p.LE_Scan_Type > LeScanType.Active || !addressTypeOk(p.Own_Address_Type)) return status(HciStatus.InvalidHciCommandParameters);
    target.state.scanning.scanType = p.LE_Scan_Type;
    target.state.scanning.ownAddressType = p.Own_Address_Type;
    return { returnParameters: ok };
  },
  // §7.8.11: enabling while enabled only updates Filter_Duplicates; a fresh enable clears the filter.
  HCI_LE_Set_Scan_Enable: (target, p) => {
    if (p.LE_Scan_Enable > 1 || p.Filter_Duplicates > 1) return status(HciStatus.InvalidHciCommandParameters);
    const scanning = target.state.scanning;
    if (p.LE_Scan_Enable === 1 && !scanning.enabled) scanning.reported.clear();
    scanning.enabled = p.LE_Scan_Enable === 1;
    scanning.filterDuplicates = p.Filter_Duplicates === 1;
    return { returnParameters: ok };
  },
  // §7.8.12: Command_Status now; HCI_LE_Connection_Complete when the peer next advertises.
  HCI_LE_Create_Connection: (target, p) => {
    if (target.state.initiating !== null) return { status: HciStatus.CommandDisallowed };
    if (p.Initiator_Filter_Policy !== 0 || !addressTypeOk(p.Peer_Address_Type) || !connectionParametersValid(p)) {
      return { status: HciStatus.InvalidHciCommandParameters };
    }
    target.state.initiating = p;
    return { status: HciStatus.Success, after: () => target.link.initiatingChanged(target) };
  },
  // §7.8.13: Command_Complete, then LE_Connection_Complete with Unknown Connection Identifier.
  HCI_LE_Create_Connection_Cancel: (target) => {
    const pending = target.state.initiating;
    if (pending === null) return status(HciStatus.CommandDisallowed);
    target.state.initiating = null;
    target.link.initiatingChanged(target);
    return {
      returnParameters: ok,
      after: () =>
        target.emit('HCI_LE_Connection_Complete', {
          Status: HciStatus.UnknownConnectionIdentifier,
          Connection_Handle: 0,
          Role: 0,
          Peer_Address_Type: pending.Peer_Address_Type,
          Peer_Address: pending.Peer_Address,
          Connection_Interval: 0,
          Peripheral_Latency: 0,
          Supervision_Timeout: 0,
          Central_Clock_Accuracy: 0,
        }),
    };
  },
  // §7.8.14: no filter accept list is modelled.
  HCI_LE_Read_Filter_Accept_List_Size: () => ({ returnParameters: { Status: HciStatus.Success, Filter_Accept_List_Size: filterAcceptListSize } }),
  HCI_LE_Connection_Update: (target, p) => {
    if (!connectionParametersValid(p)) return { status: HciStatus.InvalidHciCommandParameters };
    return { status: target.link.updateConnection(target, p.Connection_Handle, p) ? HciStatus.Success : HciStatus.UnknownConnectionIdentifier };
  },
  // Zephyr hci_vs: sets the public address (used by Zephyr's hci_uart/hci_usb when none is stored).
  HCI_Zephyr_Write_BD_ADDR: (target, p) => {
    if (!target.zephyrVendorCommands) return status(HciStatus.UnknownHciCommand);
    target.publicAddress = p.BD_ADDR;
    return { returnParameters: ok };
  },
  // §7.8.23: eight octets from the controller's seeded generator (replayable from the seed).
  HCI_LE_Rand: (target) => ({ returnParameters: { Status: HciStatus.Success, Random_Number: target.randomOctets(8) } }),
  // §7.8.27: every state and combination (capabilities.ts).
  HCI_LE_Read_Supported_States: () => ({ returnParameters: { Status: HciStatus.Success, LE_States: leStates.slice() } }),
  // No encryption is modelled: there is never a pending LTK request to refuse.
  HCI_LE_Long_Term_Key_Request_Negative_Reply: (_target, p) => ({
    returnParameters: { Status: HciStatus.CommandDisallowed, Connection_Handle: p.Connection_Handle },
  }),
};
