/**
 * What the virtual controller says it can do: the Supported_Commands bitmap, LMP and LE features,
 * LE states. Hosts other than bleno/noble (Zephyr, Bumble) read these at startup and decide from
 * them which commands to send, so each value must match what the controller really does.
 *
 * Why derived: the Supported_Commands bitmap is computed from the handler table
 * (command-handlers.ts), through the spec's octet/bit of each command (Vol 4, Part E, §6.27), so
 * adding or removing a handler changes the bitmap with it; the bit table is typed by CommandName,
 * so a command without an entry does not compile. Sections: Core v5.3.
 */
import type { CommandName } from '../codec/commands.ts';

/** [octet, bit] of each command in Supported_Commands (Vol 4, Part E, §6.27); null: the table has
 * no bit for it (HCI_Read_Local_Supported_Commands itself, vendor commands). */
export const supportedCommandsBit: { readonly [N in CommandName]: readonly [octet: number, bit: number] | null } = {
  HCI_Disconnect: [0, 5],
  HCI_Set_Event_Mask: [5, 6],
  HCI_Reset: [5, 7],
  HCI_Read_LE_Host_Support: [24, 5],
  HCI_Write_LE_Host_Support: [24, 6],
  HCI_Read_Local_Version_Information: [14, 3],
  HCI_Read_Local_Supported_Commands: null,
  HCI_Read_Local_Supported_Features: [14, 5],
  HCI_Read_Buffer_Size: [14, 7],
  HCI_Read_BD_ADDR: [15, 1],
  HCI_Read_RSSI: [15, 5],
  HCI_LE_Set_Event_Mask: [25, 0],
  HCI_LE_Read_Buffer_Size: [25, 1],
  HCI_LE_Read_Local_Supported_Features: [25, 2],
  HCI_LE_Set_Random_Address: [25, 4],
  HCI_LE_Set_Advertising_Parameters: [25, 5],
  HCI_LE_Set_Advertising_Data: [25, 7],
  HCI_LE_Set_Scan_Response_Data: [26, 0],
  HCI_LE_Set_Advertising_Enable: [26, 1],
  HCI_LE_Set_Scan_Parameters: [26, 2],
  HCI_LE_Set_Scan_Enable: [26, 3],
  HCI_LE_Create_Connection: [26, 4],
  HCI_LE_Create_Connection_Cancel: [26, 5],
  HCI_LE_Read_Filter_Accept_List_Size: [26, 6],
  HCI_LE_Connection_Update: [27, 2],
  HCI_LE_Rand: [27, 7],
  HCI_LE_Long_Term_Key_Request_Negative_Reply: [28, 2],
  HCI_LE_Read_Supported_States: [28, 3],
  HCI_Zephyr_Write_BD_ADDR: null,
};

/** Octets of Supported_Commands (§7.4.2). */
export const supportedCommandsOctets = 64;

/** The Supported_Commands bitmap claiming exactly `names` (those the §6.27 table has a bit for). */
export function supportedCommandsOf(names: Iterable<CommandName>): Uint8Array {
  const bitmap = new Uint8Array(supportedCommandsOctets);
  for (const name of names) {
    const bit = supportedCommandsBit[name];
    if (bit !== null) bitmap[bit[0]] = bitmap[bit[0]]! | (1 << bit[1]);
  }
  return bitmap;
}

/** Little-endian 64-bit feature mask with the given bit numbers set. */
function mask(bits: readonly number[]): Uint8Array {
  const octets = new Uint8Array(8);
  for (const bit of bits) octets[bit >> 3] = octets[bit >> 3]! | (1 << (bit & 7));
  return octets;
}

/** LMP features page 0 (Vol 2, Part C, §3.3): an LE-only controller — bit 37 "BR/EDR Not
 * Supported", bit 38 "LE Supported (Controller)". Nothing else: no BR/EDR at all. */
export const lmpFeatures: Uint8Array = mask([37, 38]);

/** LE features (Vol 6, Part B, §4.6): none. Not modelled: encryption, connection parameters
 * request, data length extension (no LE_Set_Data_Length), privacy, 2M/Coded PHY, extended
 * advertising. A host that reads these therefore sends none of those commands. */
export const leFeatures: Uint8Array = mask([]);

/** LE_States (Vol 4, Part E, §7.8.27): bits 0..41, every single state and every combination of
 * advertising (all legacy types), scanning (passive, active), initiating and connections in
 * either role. LocalLink allows each of them on one controller at once (it refuses none). */
export const leStates: Uint8Array = mask(Array.from({ length: 42 }, (_, bit) => bit));

/** HCI_LE_Read_Filter_Accept_List_Size: 0 — no filter accept list is modelled (and none of its
 * commands: an Initiator_Filter_Policy other than 0 is refused). */
export const filterAcceptListSize = 0;
