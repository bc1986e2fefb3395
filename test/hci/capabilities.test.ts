/**
 * Hosts other than bleno/noble against `latchkey hci serve` (attack on issue 16, F3): the startup
 * sequences of Zephyr's host (subsys/bluetooth/host/hci_core.c: common_init, le_init) and Bumble's
 * (bumble/host.py Host.reset, then Device.power_on's Read_BD_ADDR), opcodes in order, each answered
 * with success and the return-parameter length the Core specification gives; Bumble's optional
 * steps are chosen from the controller's own Supported_Commands bitmap, as Bumble does. And the
 * bitmap claims a command exactly when the controller implements it. The octet/bit of each opcode
 * below is written out from Core v5.4, Vol 4, Part E, §6.27 (not taken from latchkey's table).
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHciServer } from '../../src/hci/serve/serve.ts';
import { H4StreamParser } from '../../src/hci/transport/h4-stream.ts';
import { parseHciTransportSpec } from '../../src/hci/transport/spec.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Opcode → [octet, bit] in Supported_Commands, §6.27; includes commands latchkey does not implement. */
const specBits = new Map<number, readonly [number, number]>([
  [0x0406, [0, 5]], // Disconnect
  [0x0c01, [5, 6]], // Set_Event_Mask
  [0x0c03, [5, 7]], // Reset
  [0x0c6c, [24, 5]], // Read_LE_Host_Support
  [0x0c6d, [24, 6]], // Write_LE_Host_Support
  [0x1001, [14, 3]], // Read_Local_Version_Information
  [0x1003, [14, 5]], // Read_Local_Supported_Features
  [0x1004, [14, 6]], // Read_Local_Extended_Features
  [0x1005, [14, 7]], // Read_Buffer_Size
  [0x1009, [15, 1]], // Read_BD_ADDR
  [0x1405, [15, 5]], // Read_RSSI
  [0x2001, [25, 0]], // LE_Set_Event_Mask
  [0x2002, [25, 1]], // LE_Read_Buffer_Size [v1]
  [0x2003, [25, 2]], // LE_Read_Local_Supported_Features
  [0x2005, [25, 4]], // LE_Set_Random_Address
  [0x2006, [25, 5]], // LE_Set_Advertising_Parameters
  [0x2007, [25, 6]], // LE_Read_Advertising_Physical_Channel_Tx_Power
  [0x2008, [25, 7]], // LE_Set_Advertising_Data
  [0x2009, [26, 0]], // LE_Set_Scan_Response_Data
  [0x200a, [26, 1]], // LE_Set_Advertising_Enable
  [0x200b, [26, 2]], // LE_Set_Scan_Parameters
  [0x200c, [26, 3]], // LE_Set_Scan_Enable
  [0x200d, [26, 4]], // LE_Create_Connection
  [0x200e, [26, 5]], // LE_Create_Connection_Cancel
  [0x200f, [26, 6]], // LE_Read_Filter_Accept_List_Size
  [0x2010, [26, 7]], // LE_Clear_Filter_Accept_List
  [0x2011, [27, 0]], // LE_Add_Device_To_Filter_Accept_List
  [0x2013, [27, 2]], // LE_Connection_Update
  [0x2016, [27, 5]], // LE_Read_Remote_Features
  [0x2017, [27, 6]], // LE_Encrypt
  [0x2018, [27, 7]], // LE_Rand
  [0x2019, [28, 0]], // LE_Enable_Encryption
  [0x201a, [28, 1]], // LE_Long_Term_Key_Request_Reply
  [0x201b, [28, 2]], // LE_Long_Term_Key_Request_Negative_Reply
  [0x201c, [28, 3]], // LE_Read_Supported_States
  [0x2022, [33, 6]], // LE_Set_Data_Length
  [0x2024, [33, 7]], // LE_Read_Suggested_Default_Data_Length
  [0x2025, [34, 0]], // LE_Write_Suggested_Default_Data_Length
  [0x202f, [35, 3]], // LE_Read_Maximum_Data_Length
  [0x2036, [36, 2]], // LE_Set_Extended_Advertising_Parameters
  [0x203a, [36, 6]], // LE_Read_Maximum_Advertising_Data_Length
  [0x203b, [36, 7]], // LE_Read_Number_Of_Supported_Advertising_Sets
  [0x2043, [37, 7]], // LE_Extended_Create_Connection
  [0x2060, [41, 5]], // LE_Read_Buffer_Size [v2]
]);

/** Return-parameter octets each startup command answers with (Vol 4, Part E, §7), Status included. */
const returnLength = new Map<number, number>([
  [0x0c01, 1], [0x0c03, 1], [0x1001, 9], [0x1002, 65], [0x1003, 9], [0x1005, 8], [0x1009, 7],
  [0x2001, 1], [0x2002, 4], [0x2003, 9], [0x200f, 2], [0x2018, 9], [0x201c, 9],
]);
const eightOctetParameters = new Set([0x0c01, 0x2001]); // the event masks

/** A minimal host: sends one command at a time and returns its Command_Complete's return parameters
 * (for a Command_Status: its Status alone). Commands are sent without parameters except the masks. */
async function host(): Promise<(opcode: number) => Promise<Uint8Array>> {
  const server = await startHciServer({ controllers: 1 });
  cleanups.push(() => server.close());
  const spec = parseHciTransportSpec(server.controllers[0]!.tcp);
  if (spec.kind !== 'tcp') throw new Error('tcp');
  const socket: Socket = connect(spec.port, spec.host);
  await once(socket, 'connect');
  cleanups.push(() => socket.destroy());
  let waiting: ((parameters: Uint8Array) => void) | null = null;
  const parser = new H4StreamParser('host', (h4) => {
    if (h4[1] === 0x0e) waiting?.(h4.slice(3)); // Num_HCI_Command_Packets, Command_Opcode, Return_Parameters
    if (h4[1] === 0x0f) waiting?.(Uint8Array.of(h4[4]!, h4[5]!, h4[6]!, h4[3]!)); // Command_Status: its Status in the same place
  });
  socket.on('data', (chunk: Buffer) => parser.push(new Uint8Array(chunk)));
  return (opcode) =>
    new Promise((resolve) => {
      waiting = (parameters) => {
        expect(parameters[1]! | (parameters[2]! << 8)).toBe(opcode);
        resolve(parameters.slice(3));
      };
      const parameters = eightOctetParameters.has(opcode) ? [8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f] : [0];
      socket.write(Uint8Array.of(0x01, opcode & 0xff, opcode >> 8, ...parameters));
    });
}

const claims = (bitmap: Uint8Array, opcode: number): boolean => {
  const [octet, bit] = specBits.get(opcode) ?? [-1, 0];
  return octet >= 0 && ((bitmap[octet]! >> bit) & 1) === 1;
};

async function succeeds(send: (opcode: number) => Promise<Uint8Array>, opcode: number): Promise<Uint8Array> {
  const returned = await send(opcode);
  expect({ opcode: opcode.toString(16), status: returned[0], length: returned.length }).toEqual({ opcode: opcode.toString(16), status: 0, length: returnLength.get(opcode) });
  return returned;
}

describe('foreign host startup against latchkey hci serve', () => {
  it("Zephyr's host (hci_core.c common_init, le_init, public address): every command succeeds", async () => {
    const send = await host();
    await succeeds(send, 0x0c03);
    const features = await succeeds(send, 0x1003);
    expect(features[1 + 4]! & 0x40).toBe(0x40); // BT_FEAT_LE: else Zephyr stops with "Non-LE capable controller"
    const version = await succeeds(send, 0x1001);
    expect(version[1]).toBeGreaterThanOrEqual(0x06);
    const commands = (await succeeds(send, 0x1002)).slice(1);
    expect(claims(commands, 0x2018)).toBe(true); // Zephyr's PRNG seeds from LE_Rand (octet 27 bit 7)
    const random = await succeeds(send, 0x2018);
    expect(random.slice(1)).not.toEqual(new Uint8Array(8));
    await succeeds(send, 0x2003);
    const buffer = await succeeds(send, 0x2002);
    expect(buffer[1]! | (buffer[2]! << 8)).toBeGreaterThanOrEqual(27);
    expect(claims(commands, 0x201c)).toBe(true); // BT_CMD_LE_STATES
    await succeeds(send, 0x201c);
    await succeeds(send, 0x200f);
    await succeeds(send, 0x2001);
    await succeeds(send, 0x0c01);
    await succeeds(send, 0x1009);
  });

  it("Bumble's host (Host.reset, then Read_BD_ADDR): the optional steps chosen from the bitmap, every one succeeds", async () => {
    const send = await host();
    const sent: number[] = [];
    const step = async (opcode: number): Promise<Uint8Array> => {
      sent.push(opcode);
      return succeeds(send, opcode);
    };
    await step(0x0c03);
    const commands = (await step(0x1002)).slice(1);
    if (claims(commands, 0x2003)) await step(0x2003);
    if (claims(commands, 0x1001)) await step(0x1001);
    if (claims(commands, 0x1004)) await step(0x1004);
    else if (claims(commands, 0x1003)) await step(0x1003);
    await step(0x0c01);
    await step(0x2001);
    if (claims(commands, 0x1005)) await step(0x1005);
    if (claims(commands, 0x2060)) await step(0x2060);
    else if (claims(commands, 0x2002)) await step(0x2002);
    if (claims(commands, 0x2024) && claims(commands, 0x2025)) await step(0x2024);
    if (claims(commands, 0x203b)) await step(0x203b);
    if (claims(commands, 0x203a)) await step(0x203a);
    await step(0x1009);
    expect(sent).toEqual([0x0c03, 0x1002, 0x2003, 0x1001, 0x1003, 0x0c01, 0x2001, 0x1005, 0x2002, 0x1009]);
  });

  it('claims a command in Supported_Commands exactly when the controller implements it', async () => {
    const send = await host();
    const commands = (await succeeds(send, 0x1002)).slice(1);
    const claimed = [...specBits.keys()].filter((opcode) => claims(commands, opcode));
    const implemented: number[] = [];
    for (const opcode of specBits.keys()) {
      if (opcode === 0x0c01 || opcode === 0x2001) continue; // need their mask parameter: claimed below
      const returned = await send(opcode);
      if (returned[0] !== 0x01) implemented.push(opcode); // 0x01: Unknown HCI Command
    }
    implemented.push(0x0c01, 0x2001);
    expect(claimed.sort()).toEqual(implemented.sort());
    // And no bit outside the §6.27 entries above is set.
    let bitsSet = 0;
    for (const octet of commands) for (let bit = 0; bit < 8; bit += 1) bitsSet += (octet >> bit) & 1;
    expect(bitsSet).toBe(claimed.length);
  });
});
