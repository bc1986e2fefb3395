/**
 * The HCI commands the virtual controller understands, declared as in the Core spec tables.
 *
 * Why declarative: each entry is the spec's own description (name, OGF/OCF, section, parameter
 * and return-parameter lists), so the controller's dispatcher, the codec round-trip test and the
 * "every command has an opcode and a name" test all read the same table. This is the command
 * set that bleno 0.6.2 and noble 1.9.2-26 send in their non-extended mode, plus the few
 * commands they send on request (RSSI, connection update, random address, LTK negative reply),
 * plus what other hosts (Zephyr, Bumble) read at startup: supported commands and features, LE
 * features and states, LE_Rand, the filter accept list size (controller/capabilities.ts).
 *
 * `commandWithStatus` marks a command answered by HCI_Command_Status (its result comes later
 * as its own event); every other command is answered by HCI_Command_Complete.
 * Sections: Core v5.3, Vol 4, Part E.
 */
import { defineStruct } from './fields.ts';
import type { FieldSpec, Struct, StructValue } from './fields.ts';
import { opcodeOf } from './constants.ts';

export type Completion = 'complete' | 'status';

export interface CommandDefinition<P extends readonly FieldSpec[], R extends readonly FieldSpec[], C extends Completion = Completion> {
  readonly name: string;
  /** 'complete': answered by HCI_Command_Complete; 'status': by HCI_Command_Status. */
  readonly completion: C;
  readonly ogf: number;
  readonly ocf: number;
  readonly opcode: number;
  readonly section: string;
  readonly parameters: Struct<P>;
  /** Empty for 'status' commands. */
  readonly returnParameters: Struct<R>;
}

// `any` is confined to this alias: it is the erased type of the heterogeneous table.
export type AnyCommandDefinition = CommandDefinition<any, any, Completion>;

const statusOnly = [['Status', 'u8']] as const;

function command<const P extends readonly FieldSpec[], const R extends readonly FieldSpec[]>(
  name: string,
  ogf: number,
  ocf: number,
  section: string,
  parameters: P,
  returnParameters: R,
): CommandDefinition<P, R, 'complete'> {
  const opcode = opcodeOf(ogf, ocf);
  return Object.freeze({ name, completion: 'complete', ogf, ocf, opcode, section, parameters: defineStruct(parameters), returnParameters: defineStruct(returnParameters) });
}

function commandWithStatus<const P extends readonly FieldSpec[]>(
  name: string,
  ogf: number,
  ocf: number,
  section: string,
  parameters: P,
): CommandDefinition<P, readonly [], 'status'> {
  const opcode = opcodeOf(ogf, ocf);
  return Object.freeze({ name, completion: 'status', ogf, ocf, opcode, section, parameters: defineStruct(parameters), returnParameters: defineStruct([] as const) });
}

const Ogf = { LinkControl: 0x01, ControllerAndBaseband: 0x03, InformationalParameters: 0x04, StatusParameters: 0x05, Le: 0x08, VendorSpecific: 0x3f } as const;

const connectionParameters = [
  ['Connection_Interval_Min', 'u16'],
  ['Connection_Interval_Max', 'u16'],
  ['Max_Latency', 'u16'],
  ['Supervision_Timeout', 'u16'],
  ['Min_CE_Length', 'u16'],
  ['Max_CE_Length', 'u16'],
] as const;

export const commands = {
  HCI_Disconnect: commandWithStatus('HCI_Disconnect', Ogf.LinkControl, 0x0006, '7.1.6', [['Connection_Handle', 'u16'], ['Reason', 'u8']]),
  HCI_Set_Event_Mask: command('HCI_Set_Event_Mask', Ogf.ControllerAndBaseband, 0x0001, '7.3.1', [['Event_Mask', 'bytes:8']], statusOnly),
  HCI_Reset: command('HCI_Reset', Ogf.ControllerAndBaseband, 0x0003, '7.3.2', [], statusOnly),
  HCI_Read_LE_Host_Support: command('HCI_Read_LE_Host_Support', Ogf.ControllerAndBaseband, 0x006c, '7.3.78', [], [
    ['Status', 'u8'],
    ['LE_Supported_Host', 'u8'],
    ['Unused', 'u8'],
  ]),
  HCI_Write_LE_Host_Support: command('HCI_Write_LE_Host_Support', Ogf.ControllerAndBaseband, 0x006d, '7.3.79', [
    ['LE_Supported_Host', 'u8'],
    ['Unused', 'u8'],
  ], statusOnly),
  HCI_Read_Local_Version_Information: command('HCI_Read_Local_Version_Information', Ogf.InformationalParameters, 0x0001, '7.4.1', [], [
    ['Status', 'u8'],
    ['HCI_Version', 'u8'],
    ['HCI_Subversion', 'u16'],
    ['LMP_Version', 'u8'],
    ['Company_Identifier', 'u16'],
    ['LMP_Subversion', 'u16'],
  ]),
  HCI_Read_Local_Supported_Commands: command('HCI_Read_Local_Supported_Commands', Ogf.InformationalParameters, 0x0002, '7.4.2', [], [
    ['Status', 'u8'],
    ['Supported_Commands', 'bytes:64'],
  ]),
  HCI_Read_Local_Supported_Features: command('HCI_Read_Local_Supported_Features', Ogf.InformationalParameters, 0x0003, '7.4.3', [], [
    ['Status', 'u8'],
    ['LMP_Features', 'bytes:8'],
  ]),
  HCI_Read_Buffer_Size: command('HCI_Read_Buffer_Size', Ogf.InformationalParameters, 0x0005, '7.4.5', [], [
    ['Status', 'u8'],
    ['ACL_Data_Packet_Length', 'u16'],
    ['Synchronous_Data_Packet_Length', 'u8'],
    ['Total_Num_ACL_Data_Packets', 'u16'],
    ['Total_Num_Synchronous_Data_Packets', 'u16'],
  ]),
  HCI_Read_BD_ADDR: command('HCI_Read_BD_ADDR', Ogf.InformationalParameters, 0x0009, '7.4.6', [], [['Status', 'u8'], ['BD_ADDR', 'bdAddr']]),
  HCI_Read_RSSI: command('HCI_Read_RSSI', Ogf.StatusParameters, 0x0005, '7.5.4', [['Handle', 'u16']], [
    ['Status', 'u8'],
    ['Handle', 'u16'],
    ['RSSI', 'i8'],
  ]),
  HCI_LE_Set_Event_Mask: command('HCI_LE_Set_Event_Mask', Ogf.Le, 0x0001, '7.8.1', [['LE_Event_Mask', 'bytes:8']], statusOnly),
  HCI_LE_Read_Buffer_Size: command('HCI_LE_Read_Buffer_Size', Ogf.Le, 0x0002, '7.8.2', [], [
    ['Status', 'u8'],
    ['LE_ACL_Data_Packet_Length', 'u16'],
    ['Total_Num_LE_ACL_Data_Packets', 'u8'],
  ]),
  HCI_LE_Read_Local_Supported_Features: command('HCI_LE_Read_Local_Supported_Features', Ogf.Le, 0x0003, '7.8.3', [], [
    ['Status', 'u8'],
    ['LE_Features', 'bytes:8'],
  ]),
  HCI_LE_Set_Random_Address: command('HCI_LE_Set_Random_Address', Ogf.Le, 0x0005, '7.8.4', [['Random_Address', 'bdAddr']], statusOnly),
  HCI_LE_Set_Advertising_Parameters: command('HCI_LE_Set_Advertising_Parameters', Ogf.Le, 0x0006, '7.8.5', [
    ['Advertising_Interval_Min', 'u16'],
    ['Advertising_Interval_Max', 'u16'],
    ['Advertising_Type', 'u8'],
    ['Own_Address_Type', 'u8'],
    ['Peer_Address_Type', 'u8'],
    ['Peer_Address', 'bdAddr'],
    ['Advertising_Channel_Map', 'u8'],
    ['Advertising_Filter_Policy', 'u8'],
  ], statusOnly),
  HCI_LE_Set_Advertising_Data: command('HCI_LE_Set_Advertising_Data', Ogf.Le, 0x0008, '7.8.7', [
    ['Advertising_Data_Length', 'u8'],
    ['Advertising_Data', 'bytes:31'],
  ], statusOnly),
  HCI_LE_Set_Scan_Response_Data: command('HCI_LE_Set_Scan_Response_Data', Ogf.Le, 0x0009, '7.8.8', [
    ['Scan_Response_Data_Length', 'u8'],
    ['Scan_Response_Data', 'bytes:31'],
  ], statusOnly),
  HCI_LE_Set_Advertising_Enable: command('HCI_LE_Set_Advertising_Enable', Ogf.Le, 0x000a, '7.8.9', [['Advertising_Enable', 'u8']], statusOnly),
  HCI_LE_Set_Scan_Parameters: command('HCI_LE_Set_Scan_Parameters', Ogf.Le, 0x000b, '7.8.10', [
    ['LE_Scan_Type', 'u8'],
    ['LE_Scan_Interval', 'u16'],
    ['LE_Scan_Window', 'u16'],
    ['Own_Address_Type', 'u8'],
    ['Scanning_Filter_Policy', 'u8'],
  ], statusOnly),
  HCI_LE_Set_Scan_Enable: command('HCI_LE_Set_Scan_Enable', Ogf.Le, 0x000c, '7.8.11', [
    ['LE_Scan_Enable', 'u8'],
    ['Filter_Duplicates', 'u8'],
  ], statusOnly),
  HCI_LE_Create_Connection: commandWithStatus('HCI_LE_Create_Connection', Ogf.Le, 0x000d, '7.8.12', [
    ['LE_Scan_Interval', 'u16'],
    ['LE_Scan_Window', 'u16'],
    ['Initiator_Filter_Policy', 'u8'],
    ['Peer_Address_Type', 'u8'],
    ['Peer_Address', 'bdAddr'],
    ['Own_Address_Type', 'u8'],
    ...connectionParameters,
  ]),
  HCI_LE_Create_Connection_Cancel: command('HCI_LE_Create_Connection_Cancel', Ogf.Le, 0x000e, '7.8.13', [], statusOnly),
  HCI_LE_Read_Filter_Accept_List_Size: command('HCI_LE_Read_Filter_Accept_List_Size', Ogf.Le, 0x000f, '7.8.14', [], [
    ['Status', 'u8'],
    ['Filter_Accept_List_Size', 'u8'],
  ]),
  HCI_LE_Connection_Update: commandWithStatus('HCI_LE_Connection_Update', Ogf.Le, 0x0013, '7.8.18', [
    ['Connection_Handle', 'u16'],
    ...connectionParameters,
  ]),
  HCI_LE_Long_Term_Key_Request_Negative_Reply: command('HCI_LE_Long_Term_Key_Request_Negative_Reply', Ogf.Le, 0x001b, '7.8.26', [
    ['Connection_Handle', 'u16'],
  ], [['Status', 'u8'], ['Connection_Handle', 'u16']]),
  HCI_LE_Rand: command('HCI_LE_Rand', Ogf.Le, 0x0018, '7.8.23', [], [['Status', 'u8'], ['Random_Number', 'bytes:8']]),
  HCI_LE_Read_Supported_States: command('HCI_LE_Read_Supported_States', Ogf.Le, 0x001c, '7.8.27', [], [['Status', 'u8'], ['LE_States', 'bytes:8']]),
  // Zephyr's vendor-specific Write BD_ADDR (subsys/bluetooth/controller/hci/hci.c, BT_HCI_OP_VS_WRITE_BD_ADDR).
  // Served controllers answer it only when configured as Zephyr-like; otherwise Unknown HCI Command.
  HCI_Zephyr_Write_BD_ADDR: command('HCI_Zephyr_Write_BD_ADDR', Ogf.VendorSpecific, 0x0006, 'Zephyr hci_vs', [['BD_ADDR', 'bdAddr']], statusOnly),
} as const;

export type CommandName = keyof typeof commands;

/** Parameters of a command, by spec name. */
export type CommandParameters<N extends CommandName> =
  (typeof commands)[N] extends CommandDefinition<infer P, readonly FieldSpec[], Completion> ? StructValue<P> : never;

/** Return parameters of a Command_Complete command (Status included), by spec name. */
export type CommandReturnParameters<N extends CommandName> =
  (typeof commands)[N] extends CommandDefinition<readonly FieldSpec[], infer R, Completion> ? StructValue<R> : never;

const byOpcode = new Map<number, AnyCommandDefinition>();
for (const definition of Object.values(commands) as AnyCommandDefinition[]) {
  if (byOpcode.has(definition.opcode)) throw new Error(`duplicate opcode ${definition.opcode.toString(16)}`);
  byOpcode.set(definition.opcode, definition);
}

/** Looks a command up by opcode; undefined for opcodes this controller does not implement. */
export function commandByOpcode(opcode: number): AnyCommandDefinition | undefined {
  return byOpcode.get(opcode);
}
