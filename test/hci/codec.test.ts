/**
 * HCI codec tests: every declared packet type round-trips byte-identically, every command has a
 * name and an opcode, decoders survive hostile input, and real bleno/noble bytes decode as the
 * spec says.
 */
import { describe, expect, it } from 'vitest';
import { commandByOpcode, commands } from '../../src/hci/codec/commands.ts';
import type { AnyCommandDefinition } from '../../src/hci/codec/commands.ts';
import { opcodeOf } from '../../src/hci/codec/constants.ts';
import { decodeEventParameters, encodeEventParameters, events } from '../../src/hci/codec/events.ts';
import type { AnyEventDefinition, EventName } from '../../src/hci/codec/events.ts';
import { defineStruct, formatBdAddr, parseBdAddr } from '../../src/hci/codec/fields.ts';
import type { FieldSpec, Struct } from '../../src/hci/codec/fields.ts';
import { decodeH4, encodeH4 } from '../../src/hci/codec/h4.ts';
import type { HciPacket } from '../../src/hci/codec/h4.ts';
import { createRng, uniformBelow } from '../../src/hci/rng.ts';
import type { Rng } from '../../src/hci/rng.ts';
import { encodeBtsnoopHeader, encodeBtsnoopRecord, readBtsnoop } from '../../src/hci/snoop/btsnoop.ts';

const samplesPerType = 25;

/** A random value for a field list, honouring `len:` references. */
function sample(fields: readonly FieldSpec[], rng: Rng): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  const bytes = (length: number) => Uint8Array.from({ length }, () => uniformBelow(rng, 256));
  for (const [name, kind] of fields) {
    if (kind === 'u8') value[name] = uniformBelow(rng, 0x100);
    else if (kind === 'i8') value[name] = uniformBelow(rng, 0x100) - 0x80;
    else if (kind === 'u16') value[name] = uniformBelow(rng, 0x10000);
    else if (kind === 'u32') value[name] = rng.nextUint32();
    else if (kind === 'bdAddr') value[name] = formatBdAddr(bytes(6));
    else if (kind === 'rest') value[name] = bytes(uniformBelow(rng, 40));
    else if (kind.startsWith('bytes:')) value[name] = bytes(Number(kind.slice(6)));
    else if (kind.startsWith('len:')) {
      const length = uniformBelow(rng, 32);
      value[kind.slice(4)] = length;
      value[name] = bytes(length);
    }
  }
  return value;
}

function roundTrip(struct: Struct<readonly FieldSpec[]>, value: Record<string, unknown>): void {
  const encoded = struct.encode(value as never);
  const decoded = struct.decode(encoded);
  expect(decoded.ok).toBe(true);
  if (!decoded.ok) return;
  expect(decoded.value).toEqual(value);
  expect(struct.encode(decoded.value)).toEqual(encoded);
}

const allCommands = Object.values(commands) as AnyCommandDefinition[];
const allEvents = Object.entries(events) as [EventName, AnyEventDefinition][];

/**
 * Every command's opcode, OGF, OCF and section as Bluetooth Core 5.4, Vol 4, Part E, §7 gives them
 * (OGF from the section's command group: 0x01 §7.1 Link Control, 0x03 §7.3 Controller & Baseband,
 * 0x04 §7.4 Informational, 0x05 §7.5 Status, 0x08 §7.8 LE Controller; OCF from the command's own
 * section), written out as literals, not recomputed with the table's formula.
 */
const coreSpecOpcodes: Record<string, readonly [opcode: number, ogf: number, ocf: number, section: string]> = {
  HCI_Disconnect: [0x0406, 0x01, 0x0006, '7.1.6'],
  HCI_Set_Event_Mask: [0x0c01, 0x03, 0x0001, '7.3.1'],
  HCI_Reset: [0x0c03, 0x03, 0x0003, '7.3.2'],
  HCI_Read_LE_Host_Support: [0x0c6c, 0x03, 0x006c, '7.3.78'],
  HCI_Write_LE_Host_Support: [0x0c6d, 0x03, 0x006d, '7.3.79'],
  HCI_Read_Local_Version_Information: [0x1001, 0x04, 0x0001, '7.4.1'],
  HCI_Read_Local_Supported_Commands: [0x1002, 0x04, 0x0002, '7.4.2'],
  HCI_Read_Local_Supported_Features: [0x1003, 0x04, 0x0003, '7.4.3'],
  HCI_Read_Buffer_Size: [0x1005, 0x04, 0x0005, '7.4.5'],
  HCI_Read_BD_ADDR: [0x1009, 0x04, 0x0009, '7.4.6'],
  HCI_Read_RSSI: [0x1405, 0x05, 0x0005, '7.5.4'],
  HCI_LE_Set_Event_Mask: [0x2001, 0x08, 0x0001, '7.8.1'],
  HCI_LE_Read_Buffer_Size: [0x2002, 0x08, 0x0002, '7.8.2'],
  HCI_LE_Read_Local_Supported_Features: [0x2003, 0x08, 0x0003, '7.8.3'],
  HCI_LE_Set_Random_Address: [0x2005, 0x08, 0x0005, '7.8.4'],
  HCI_LE_Set_Advertising_Parameters: [0x2006, 0x08, 0x0006, '7.8.5'],
  HCI_LE_Set_Advertising_Data: [0x2008, 0x08, 0x0008, '7.8.7'],
  HCI_LE_Set_Scan_Response_Data: [0x2009, 0x08, 0x0009, '7.8.8'],
  HCI_LE_Set_Advertising_Enable: [0x200a, 0x08, 0x000a, '7.8.9'],
  HCI_LE_Set_Scan_Parameters: [0x200b, 0x08, 0x000b, '7.8.10'],
  HCI_LE_Set_Scan_Enable: [0x200c, 0x08, 0x000c, '7.8.11'],
  HCI_LE_Create_Connection: [0x200d, 0x08, 0x000d, '7.8.12'],
  HCI_LE_Create_Connection_Cancel: [0x200e, 0x08, 0x000e, '7.8.13'],
  HCI_LE_Read_Filter_Accept_List_Size: [0x200f, 0x08, 0x000f, '7.8.14'],
  HCI_LE_Connection_Update: [0x2013, 0x08, 0x0013, '7.8.18'],
  HCI_LE_Rand: [0x2018, 0x08, 0x0018, '7.8.23'],
  HCI_LE_Long_Term_Key_Request_Negative_Reply: [0x201b, 0x08, 0x001b, '7.8.26'],
  HCI_LE_Read_Supported_States: [0x201c, 0x08, 0x001c, '7.8.27'],
  // Not Core: Zephyr's vendor command (OGF 0x3F), BT_HCI_OP_VS_WRITE_BD_ADDR = BT_OP(BT_OGF_VS, 0x0006).
  HCI_Zephyr_Write_BD_ADDR: [0xfc06, 0x3f, 0x0006, 'Zephyr hci_vs'],
};

describe('HCI command table', () => {
  it('has exactly the 28 commands anchored to the Core specification, plus Zephyr\'s Write BD_ADDR', () => {
    expect(allCommands.map((definition) => definition.name).sort()).toEqual(Object.keys(coreSpecOpcodes).sort());
    expect(allCommands).toHaveLength(29);
  });

  it.each(allCommands.map((definition) => [definition.name, definition] as const))('%s has the Core specification opcode, OGF, OCF and section', (name, definition) => {
    expect(name).toMatch(/^HCI_[A-Za-z0-9_]+$/);
    const [opcode, ogf, ocf, section] = coreSpecOpcodes[name]!;
    expect(definition.opcode).toBe(opcode);
    expect(definition.ogf).toBe(ogf);
    expect(definition.ocf).toBe(ocf);
    expect(definition.section).toBe(section);
    expect(commandByOpcode(opcode)).toBe(definition);
    // On the wire (H4 type 0x01, opcode little-endian, parameter length).
    expect([...encodeH4({ type: 'command', opcode: definition.opcode, parameters: new Uint8Array(0) })]).toEqual([0x01, opcode & 0xff, opcode >> 8, 0x00]);
  });

  it('opcodeOf packs OGF into the top 6 bits and OCF into the low 10 (Vol 4, Part E, §5.4.1)', () => {
    expect(opcodeOf(0x08, 0x000d)).toBe(0x200d);
    expect(opcodeOf(0x3f, 0x03ff)).toBe(0xffff);
    expect(opcodeOf(0x01, 0x0006)).toBe(0x0406);
  });

  it('knows the opcodes bleno and noble use (values from their hci.js)', () => {
    expect(commands.HCI_Reset.opcode).toBe(0x0c03);
    expect(commands.HCI_Read_BD_ADDR.opcode).toBe(0x1009);
    expect(commands.HCI_LE_Create_Connection.opcode).toBe(0x200d);
    expect(commands.HCI_Disconnect.opcode).toBe(0x0406);
    expect(commands.HCI_Write_LE_Host_Support.opcode).toBe(0x0c6d);
  });
});

describe('round trip encode → decode → encode', () => {
  it.each(allCommands.map((definition) => [definition.name, definition] as const))('%s parameters and return parameters', (name, definition) => {
    const rng = createRng(1, name);
    for (let index = 0; index < samplesPerType; index += 1) {
      roundTrip(definition.parameters, sample(definition.parameters.fields, rng));
      roundTrip(definition.returnParameters, sample(definition.returnParameters.fields, rng));
      const parameters = definition.parameters.encode(sample(definition.parameters.fields, rng) as never);
      const packet: HciPacket = { type: 'command', opcode: definition.opcode, parameters };
      const decoded = decodeH4(encodeH4(packet));
      expect(decoded).toEqual({ ok: true, value: packet });
    }
  });

  it.each(allEvents)('%s', (name, definition) => {
    const rng = createRng(2, name);
    for (let index = 0; index < samplesPerType; index += 1) {
      const value = sample(definition.parameters.fields, rng);
      roundTrip(definition.parameters, value);
      const body = encodeEventParameters(name, value as never);
      const decoded = decodeEventParameters(definition.eventCode, body);
      expect(decoded.ok && decoded.value.definition).toBe(definition);
      expect(decoded.ok && decoded.value.parameters).toEqual(value);
      const h4 = encodeH4({ type: 'event', eventCode: definition.eventCode, parameters: body });
      const packet = decodeH4(h4);
      expect(packet.ok && encodeH4(packet.value)).toEqual(h4);
    }
  });

  it('ACL data packets, every flag combination', () => {
    const rng = createRng(3, 'acl');
    for (let flags = 0; flags < 16; flags += 1) {
      const packet: HciPacket = {
        type: 'acl',
        handle: uniformBelow(rng, 0x1000),
        packetBoundaryFlag: flags & 3,
        broadcastFlag: flags >> 2,
        data: Uint8Array.from({ length: uniformBelow(rng, 251) }, () => uniformBelow(rng, 256)),
      };
      const h4 = encodeH4(packet);
      const decoded = decodeH4(h4);
      expect(decoded).toEqual({ ok: true, value: packet });
      expect(decoded.ok && encodeH4(decoded.value)).toEqual(h4);
    }
  });

  it('btsnoop records and files', () => {
    const records = [
      { direction: 'host_to_controller', commandOrEvent: true, cumulativeDrops: 0, timestampUnixMicroseconds: 1_700_000_000_000_000n, packet: Uint8Array.of(1, 3, 12, 0) },
      { direction: 'controller_to_host', commandOrEvent: false, cumulativeDrops: 2, timestampUnixMicroseconds: 1_700_000_000_000_123n, packet: Uint8Array.of(2, 0x40, 0x20, 1, 0, 9) },
    ] as const;
    const file = Buffer.concat([encodeBtsnoopHeader(), ...records.map(encodeBtsnoopRecord)]);
    const read = readBtsnoop(file);
    expect(read).toEqual({ ok: true, records });
    if (read.ok) expect(Buffer.concat([encodeBtsnoopHeader(), ...read.records.map(encodeBtsnoopRecord)])).toEqual(file);
  });
});

describe('hostile input', () => {
  const hostile: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0xff),
    Uint8Array.of(1),
    Uint8Array.of(1, 3, 12, 5),
    Uint8Array.of(2, 0x40, 0x20, 0xff, 0xff),
    Uint8Array.of(4, 0x0e),
    Uint8Array.of(4, 0x0e, 3, 1),
    new Uint8Array(3000).fill(2),
  ];

  it('decodeH4 never throws and refuses inconsistent lengths', () => {
    for (const bytes of hostile) {
      const result = decodeH4(bytes);
      expect(result.ok).toBe(false);
    }
  });

  it('every prefix and every extension of every packet type decodes to a typed failure', () => {
    const structs: Struct<readonly FieldSpec[]>[] = [...allCommands.map((c) => c.parameters), ...allEvents.map(([, e]) => e.parameters)];
    const hasRest = (struct: Struct<readonly FieldSpec[]>): boolean => struct.fields.some((field: FieldSpec) => field[1] === 'rest');
    for (const definition of structs) {
      const full = definition.encode(sample(definition.fields, createRng(4, 'hostile')) as never);
      for (let length = 0; length < full.length; length += 1) {
        const result = definition.decode(full.subarray(0, length));
        if (!hasRest(definition)) expect(result.ok).toBe(false);
      }
      const longer = definition.decode(Uint8Array.from([...full, 0]));
      if (!hasRest(definition)) expect(longer).toMatchObject({ ok: false, code: 'trailing_bytes' });
    }
  });

  it('encoding refuses values that do not fit (our own bug, so it throws)', () => {
    const struct = defineStruct([['Handle', 'u16'], ['Address', 'bdAddr']] as const);
    expect(() => struct.encode({ Handle: 0x10000, Address: '00:00:00:00:00:01' })).toThrow(RangeError);
    expect(() => struct.encode({ Handle: 1, Address: 'nope' })).toThrow(RangeError);
    expect(() => defineStruct([['A', 'rest'], ['B', 'u8']] as const)).toThrow();
    expect(() => defineStruct([['Data', 'len:Missing']] as const)).toThrow();
  });

  it('btsnoop reader refuses foreign and truncated files', () => {
    expect(readBtsnoop(Buffer.from('not a capture at all'))).toMatchObject({ ok: false, code: 'bad_header' });
    const truncated = Buffer.concat([encodeBtsnoopHeader(), Buffer.alloc(10)]);
    expect(readBtsnoop(truncated)).toMatchObject({ ok: false, code: 'truncated_record' });
  });
});

describe('real host bytes', () => {
  it("decodes bleno's LE Set Advertising Parameters (100 ms, ADV_IND, all channels)", () => {
    const bytes = Buffer.from('0106200f' + 'a000a000' + '000000' + '000000000000' + '0700', 'hex');
    const packet = decodeH4(bytes);
    if (!packet.ok || packet.value.type !== 'command') throw new Error(`not an HCI command packet: ${JSON.stringify(packet)}`);
    const definition = commandByOpcode(packet.value.opcode);
    expect(definition?.name).toBe('HCI_LE_Set_Advertising_Parameters');
    expect(definition?.parameters.decode(packet.value.parameters)).toEqual({
      ok: true,
      value: {
        Advertising_Interval_Min: 0xa0,
        Advertising_Interval_Max: 0xa0,
        Advertising_Type: 0,
        Own_Address_Type: 0,
        Peer_Address_Type: 0,
        Peer_Address: '00:00:00:00:00:00',
        Advertising_Channel_Map: 7,
        Advertising_Filter_Policy: 0,
      },
    });
  });

  it('formats BD_ADDR most significant octet first, like BlueZ and noble', () => {
    expect(formatBdAddr(Uint8Array.of(1, 2, 3, 4, 5, 0xaa))).toBe('aa:05:04:03:02:01');
    expect(parseBdAddr('aa:05:04:03:02:01')).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 0xaa));
  });
});
