/**
 * Controller + LocalLink tests on a manual clock, with scripted hosts speaking raw HCI: the init
 * sequence, advertising and scan responses, connection set-up, ACL forwarding, flow control,
 * disconnection, unknown commands, and seeded loss.
 */
import { describe, expect, it } from 'vitest';
import { commands } from '../../src/hci/codec/commands.ts';
import type { CommandName, CommandParameters } from '../../src/hci/codec/commands.ts';
import { HciStatus } from '../../src/hci/codec/constants.ts';
import { decodeEventParameters } from '../../src/hci/codec/events.ts';
import { decodeH4, encodeH4 } from '../../src/hci/codec/h4.ts';
import type { AclDataPacket } from '../../src/hci/codec/h4.ts';
import { LocalLink } from '../../src/hci/controller/link.ts';
import type { Controller } from '../../src/hci/controller/controller.ts';
import { totalNumLeAclDataPackets } from '../../src/hci/limits.ts';
import { never } from '../../src/hci/rng.ts';
import type { Ratio } from '../../src/hci/rng.ts';
import { createManualScheduler } from '../../src/hci/scheduler.ts';

interface Event {
  readonly name: string;
  readonly parameters: Record<string, unknown>;
  /** When the host received it (ms on the manual clock). */
  readonly atMs: number;
}

/** A scripted host: sends commands by spec name, records decoded events and ACL packets. */
class ScriptedHost {
  readonly events: Event[] = [];
  readonly acl: AclDataPacket[] = [];
  /** When each ACL packet arrived (ms on the manual clock). */
  readonly aclAtMs: number[] = [];
  readonly controller: Controller;
  constructor(controller: Controller, nowMs: () => number) {
    this.controller = controller;
    controller.attachHost((h4) => {
      const packet = decodeH4(h4);
      if (!packet.ok) throw new Error(`controller sent a bad packet: ${packet.detail}`);
      if (packet.value.type === 'acl') {
        this.aclAtMs.push(nowMs());
        return void this.acl.push(packet.value);
      }
      if (packet.value.type !== 'event') throw new Error('controller sent a command');
      const decoded = decodeEventParameters(packet.value.eventCode, packet.value.parameters);
      if (!decoded.ok) throw new Error(`undecodable event: ${decoded.detail}`);
      this.events.push({ name: decoded.value.definition.name, parameters: { ...decoded.value.parameters }, atMs: nowMs() });
    });
  }

  send<N extends CommandName>(name: N, parameters: CommandParameters<N>): Event {
    const definition = commands[name];
    const before = this.events.length;
    this.controller.receiveFromHost(encodeH4({ type: 'command', opcode: definition.opcode, parameters: definition.parameters.encode(parameters as never) }));
    const answer = this.events[before];
    if (answer === undefined) throw new Error(`${name}: no synchronous answer`);
    return answer;
  }

  complete<N extends CommandName>(name: N, parameters: CommandParameters<N>): Record<string, unknown> {
    const answer = this.send(name, parameters);
    expect(answer.name).toBe('HCI_Command_Complete');
    const decoded = commands[name].returnParameters.decode(answer.parameters.Return_Parameters as Uint8Array);
    if (!decoded.ok) throw new Error(decoded.detail);
    return decoded.value as Record<string, unknown>;
  }

  sendAcl(handle: number, packetBoundaryFlag: number, data: Uint8Array): void {
    this.controller.receiveFromHost(encodeH4({ type: 'acl', handle, packetBoundaryFlag, broadcastFlag: 0, data }));
  }

  named(name: string): Event[] {
    return this.events.filter((event) => event.name === name);
  }
}

const fullEventMask = Uint8Array.of(0xff, 0xff, 0xfb, 0xff, 0x07, 0xf8, 0xbf, 0x3d); // bleno/noble's mask

function world(options: { seed?: number; lossRatio?: Ratio; latencyMs?: number } = {}) {
  const scheduler = createManualScheduler();
  const link = new LocalLink({ seed: options.seed ?? 9, lossRatio: options.lossRatio ?? never, latencyMs: options.latencyMs ?? 0, scheduler });
  const host = (label: string): ScriptedHost => {
    const scripted = new ScriptedHost(link.attach(label), () => scheduler.nowMs());
    scripted.complete('HCI_Set_Event_Mask', { Event_Mask: fullEventMask });
    scripted.complete('HCI_LE_Set_Event_Mask', { LE_Event_Mask: Uint8Array.of(0x1f, 0, 0, 0, 0, 0, 0, 0) });
    return scripted;
  };
  return { scheduler, link, host };
}

const padded = (bytes: number[]): Uint8Array => Uint8Array.from({ length: 31 }, (_, index) => bytes[index] ?? 0);

function advertise(host: ScriptedHost, intervalUnits = 0x20): void {
  host.complete('HCI_LE_Set_Advertising_Parameters', {
    Advertising_Interval_Min: intervalUnits,
    Advertising_Interval_Max: intervalUnits,
    Advertising_Type: 0,
    Own_Address_Type: 0,
    Peer_Address_Type: 0,
    Peer_Address: '00:00:00:00:00:00',
    Advertising_Channel_Map: 7,
    Advertising_Filter_Policy: 0,
  });
  host.complete('HCI_LE_Set_Advertising_Data', { Advertising_Data_Length: 3, Advertising_Data: padded([2, 1, 6]) });
  host.complete('HCI_LE_Set_Scan_Response_Data', { Scan_Response_Data_Length: 4, Scan_Response_Data: padded([3, 9, 0x6c, 0x6b]) });
  host.complete('HCI_LE_Set_Advertising_Enable', { Advertising_Enable: 1 });
}

function scan(host: ScriptedHost, filterDuplicates = 1): void {
  host.complete('HCI_LE_Set_Scan_Parameters', { LE_Scan_Type: 1, LE_Scan_Interval: 0x12, LE_Scan_Window: 0x12, Own_Address_Type: 0, Scanning_Filter_Policy: 0 });
  host.complete('HCI_LE_Set_Scan_Enable', { LE_Scan_Enable: 1, Filter_Duplicates: filterDuplicates });
}

function createConnection(host: ScriptedHost, peer: string): Event {
  return host.send('HCI_LE_Create_Connection', {
    LE_Scan_Interval: 0x60,
    LE_Scan_Window: 0x30,
    Initiator_Filter_Policy: 0,
    Peer_Address_Type: 0,
    Peer_Address: peer,
    Own_Address_Type: 0,
    Connection_Interval_Min: 6,
    Connection_Interval_Max: 0x12,
    Max_Latency: 0,
    Supervision_Timeout: 0x2a,
    Min_CE_Length: 4,
    Max_CE_Length: 6,
  });
}

function connectedPair(options: { lossRatio?: Ratio; latencyMs?: number; seed?: number } = {}) {
  const w = world(options);
  const peripheral = w.host('peripheral');
  const central = w.host('central');
  advertise(peripheral);
  createConnection(central, peripheral.controller.publicAddress);
  w.scheduler.advance(200);
  const complete = central.named('HCI_LE_Connection_Complete')[0]!;
  const centralHandle = complete.parameters.Connection_Handle as number;
  const peripheralHandle = peripheral.named('HCI_LE_Connection_Complete')[0]?.parameters.Connection_Handle as number;
  // The air model's connection events (src/radio/air): the first one a transmit window (1.25 ms)
  // and one interval after CONNECT_IND (Connection Complete comes `latencyMs` after it), then every interval.
  const intervalMs = (complete.parameters.Connection_Interval as number) * 1.25;
  const firstEventMs = complete.atMs - (options.latencyMs ?? 0) + 1.25 + intervalMs;
  const nextEventMs = (): number => firstEventMs + Math.max(0, Math.ceil((w.scheduler.nowMs() - firstEventMs) / intervalMs)) * intervalMs;
  return { ...w, peripheral, central, centralHandle, peripheralHandle, intervalMs, nextEventMs };
}

describe('init sequence', () => {
  it('answers what bleno/noble send before poweredOn, with unique addresses', () => {
    const { host } = world();
    const a = host('a');
    const b = host('b');
    expect(a.complete('HCI_Read_Local_Version_Information', {}).HCI_Version).toBeGreaterThanOrEqual(6);
    expect(a.complete('HCI_Write_LE_Host_Support', { LE_Supported_Host: 1, Unused: 0 })).toEqual({ Status: 0 });
    expect(a.complete('HCI_Read_LE_Host_Support', {})).toEqual({ Status: 0, LE_Supported_Host: 1, Unused: 0 });
    expect(a.complete('HCI_LE_Read_Buffer_Size', {})).toEqual({ Status: 0, LE_ACL_Data_Packet_Length: 251, Total_Num_LE_ACL_Data_Packets: totalNumLeAclDataPackets });
    const addressA = a.complete('HCI_Read_BD_ADDR', {}).BD_ADDR;
    const addressB = b.complete('HCI_Read_BD_ADDR', {}).BD_ADDR;
    expect(addressA).not.toBe(addressB);
    expect(addressA).toBe(a.controller.publicAddress);
    expect(a.complete('HCI_Reset', {})).toEqual({ Status: 0 });
  });

  it('answers an unknown opcode with Command Complete, status Unknown HCI Command', () => {
    const { host } = world();
    const a = host('a');
    a.controller.receiveFromHost(Uint8Array.of(0x01, 0x31, 0x20, 0x03, 0x00, 0x05, 0x05)); // LE Set Default PHY
    expect(a.events.at(-1)).toMatchObject({
      name: 'HCI_Command_Complete',
      parameters: { Num_HCI_Command_Packets: 1, Command_Opcode: 0x2031, Return_Parameters: Uint8Array.of(HciStatus.UnknownHciCommand) },
    });
    expect(a.controller.stats.unknownCommands).toBe(1);
  });

  it('answers malformed parameters with Invalid HCI Command Parameters', () => {
    const { host } = world();
    const a = host('a');
    a.controller.receiveFromHost(Uint8Array.of(0x01, 0x0a, 0x20, 0x00)); // Set Advertising Enable without its parameter
    const returned = a.events.at(-1)?.parameters.Return_Parameters as Uint8Array;
    expect(returned[0]).toBe(HciStatus.InvalidHciCommandParameters);
  });

  it('refuses a supervision timeout not larger than (1 + latency) × interval max × 2 (§7.8.12; second attack on issue 16)', () => {
    const { host } = world();
    const a = host('a');
    const base = { LE_Scan_Interval: 0x60, LE_Scan_Window: 0x30, Initiator_Filter_Policy: 0, Peer_Address_Type: 0, Peer_Address: '00:00:00:00:00:01', Own_Address_Type: 0, Connection_Interval_Min: 6, Max_Latency: 0, Min_CE_Length: 4, Max_CE_Length: 6 };
    // 100 ms interval max (0x50 × 1.25 ms): 200 ms is the bound; 200 ms (0x14) is refused, 210 ms taken.
    const refused = a.send('HCI_LE_Create_Connection', { ...base, Connection_Interval_Max: 0x50, Supervision_Timeout: 0x14 });
    expect(refused.parameters.Status).toBe(HciStatus.InvalidHciCommandParameters);
    const latency = a.send('HCI_LE_Create_Connection', { ...base, Connection_Interval_Max: 0x50, Max_Latency: 1, Supervision_Timeout: 0x15 });
    expect(latency.parameters.Status).toBe(HciStatus.InvalidHciCommandParameters);
    const taken = a.send('HCI_LE_Create_Connection', { ...base, Connection_Interval_Max: 0x50, Supervision_Timeout: 0x15 });
    expect(taken.parameters.Status).toBe(HciStatus.Success);
  });
});

describe('advertising and scanning', () => {
  it('reports the advert and the scan response to an active scanner, once with Filter_Duplicates', () => {
    const { host, scheduler } = world();
    const peripheral = host('peripheral');
    const central = host('central');
    advertise(peripheral);
    scan(central);
    scheduler.advance(500);
    const reports = central.named('HCI_LE_Advertising_Report').map((event) => event.parameters);
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatchObject({ Event_Type: 0x00, Address: peripheral.controller.publicAddress, Data: Uint8Array.of(2, 1, 6) });
    expect(reports[1]).toMatchObject({ Event_Type: 0x04, Address: peripheral.controller.publicAddress, Data: Uint8Array.of(3, 9, 0x6c, 0x6b) });
    expect(peripheral.named('HCI_LE_Advertising_Report')).toHaveLength(0);
  });

  it('keeps reporting without Filter_Duplicates, and stops when scanning stops', () => {
    const { host, scheduler } = world();
    const peripheral = host('peripheral');
    const central = host('central');
    advertise(peripheral, 0x40); // 40 ms
    scan(central, 0);
    scheduler.advance(1000);
    const count = central.named('HCI_LE_Advertising_Report').length;
    expect(count).toBeGreaterThan(30);
    central.complete('HCI_LE_Set_Scan_Enable', { LE_Scan_Enable: 0, Filter_Duplicates: 0 });
    scheduler.advance(1000);
    expect(central.named('HCI_LE_Advertising_Report')).toHaveLength(count);
  });

  it('honours the LE event mask', () => {
    const { host, scheduler } = world();
    const peripheral = host('peripheral');
    const central = host('central');
    central.complete('HCI_LE_Set_Event_Mask', { LE_Event_Mask: new Uint8Array(8) });
    advertise(peripheral);
    scan(central);
    scheduler.advance(500);
    expect(central.named('HCI_LE_Advertising_Report')).toHaveLength(0);
    expect(central.controller.stats.eventsMasked).toBeGreaterThan(0);
  });
});

describe('connections', () => {
  it('Command Status, then LE Connection Complete with roles 0/1 and non-zero handles; advertising stops', () => {
    const { host, scheduler, link } = world();
    const peripheral = host('peripheral');
    const central = host('central');
    advertise(peripheral);
    expect(createConnection(central, peripheral.controller.publicAddress)).toMatchObject({ name: 'HCI_Command_Status', parameters: { Status: 0, Command_Opcode: 0x200d } });
    expect(central.named('HCI_LE_Connection_Complete')).toHaveLength(0);
    scheduler.advance(200);
    const [centralSide] = central.named('HCI_LE_Connection_Complete');
    const [peripheralSide] = peripheral.named('HCI_LE_Connection_Complete');
    expect(centralSide?.parameters).toMatchObject({ Status: 0, Role: 0, Peer_Address: peripheral.controller.publicAddress });
    expect(peripheralSide?.parameters).toMatchObject({ Status: 0, Role: 1, Peer_Address: central.controller.publicAddress });
    expect(centralSide?.parameters.Connection_Handle).not.toBe(0);
    expect(peripheralSide?.parameters.Connection_Handle).not.toBe(centralSide?.parameters.Connection_Handle);
    const eventsBefore = link.stats.advertisingEvents;
    scheduler.advance(1000);
    expect(link.stats.advertisingEvents).toBe(eventsBefore);
  });

  it('LE Create Connection Cancel ends a pending connection with Unknown Connection Identifier', () => {
    const { host } = world();
    const central = host('central');
    createConnection(central, '00:00:00:00:00:42');
    expect(central.complete('HCI_LE_Create_Connection_Cancel', {})).toEqual({ Status: 0 });
    expect(central.named('HCI_LE_Connection_Complete')[0]?.parameters.Status).toBe(HciStatus.UnknownConnectionIdentifier);
  });

  it('forwards ACL with the peer handle and 00→10, continuations unchanged, and completes packets, in the next connection event', () => {
    const { scheduler, peripheral, central, centralHandle, peripheralHandle, nextEventMs } = connectedPair();
    scheduler.advance(0.5); // off the event grid
    const eventMs = nextEventMs();
    const mtuRequest = Uint8Array.of(3, 0, 4, 0, 0x02, 0x00, 0x01); // L2CAP len 3, ATT CID, Exchange MTU 256
    central.sendAcl(centralHandle, 0b00, mtuRequest);
    central.sendAcl(centralHandle, 0b01, Uint8Array.of(0xaa));
    scheduler.advance(eventMs - scheduler.nowMs() - 0.01);
    expect(peripheral.acl).toHaveLength(0); // not before the event
    scheduler.advance(0.01);
    expect(peripheral.aclAtMs).toEqual([eventMs, eventMs]); // both in one event (up to 6 per side)
    expect(peripheral.acl).toEqual([
      { type: 'acl', handle: peripheralHandle, packetBoundaryFlag: 0b10, broadcastFlag: 0, data: mtuRequest },
      { type: 'acl', handle: peripheralHandle, packetBoundaryFlag: 0b01, broadcastFlag: 0, data: Uint8Array.of(0xaa) },
    ]);
    const completed = central.named('HCI_Number_Of_Completed_Packets').map((event) => event.parameters);
    expect(completed).toEqual([
      { Num_Handles: 1, Connection_Handle: centralHandle, Num_Completed_Packets: 1 },
      { Num_Handles: 1, Connection_Handle: centralHandle, Num_Completed_Packets: 1 },
    ]);
  });

  it('drops ACL beyond Total_Num_LE_ACL_Data_Packets and on unknown handles', () => {
    const { peripheral, central, centralHandle, scheduler } = connectedPair();
    for (let index = 0; index <= totalNumLeAclDataPackets; index += 1) central.sendAcl(centralHandle, 0, Uint8Array.of(1, 0, 4, 0, index));
    central.sendAcl(0x0eee, 0, Uint8Array.of(1, 0, 4, 0, 0));
    scheduler.advance(100);
    expect(peripheral.acl).toHaveLength(totalNumLeAclDataPackets);
    expect(central.controller.stats.aclDroppedFlowControl).toBe(1);
    expect(central.controller.stats.aclDroppedUnknownHandle).toBe(1);
  });

  it('Disconnect: Command Status, then Disconnection Complete on both sides after queued data', () => {
    const { peripheral, central, centralHandle, peripheralHandle, scheduler, nextEventMs } = connectedPair({ latencyMs: 5 });
    const eventMs = nextEventMs();
    central.sendAcl(centralHandle, 0, Uint8Array.of(1, 0, 4, 0, 0x0a));
    expect(central.send('HCI_Disconnect', { Connection_Handle: centralHandle, Reason: HciStatus.RemoteUserTerminatedConnection })).toMatchObject({
      name: 'HCI_Command_Status',
      parameters: { Status: 0 },
    });
    scheduler.advance(eventMs + 5 - scheduler.nowMs() - 0.01); // the event, plus the 5 ms latency
    expect(peripheral.acl).toHaveLength(0);
    expect(central.named('HCI_Disconnection_Complete')).toHaveLength(0);
    scheduler.advance(0.01);
    expect(peripheral.acl).toHaveLength(1);
    expect(peripheral.aclAtMs).toEqual([eventMs + 5]);
    expect(central.named('HCI_Disconnection_Complete')[0]?.parameters).toEqual({ Status: 0, Connection_Handle: centralHandle, Reason: HciStatus.ConnectionTerminatedByLocalHost });
    expect(peripheral.named('HCI_Disconnection_Complete')[0]?.parameters).toEqual({ Status: 0, Connection_Handle: peripheralHandle, Reason: HciStatus.RemoteUserTerminatedConnection });
    expect(central.send('HCI_Disconnect', { Connection_Handle: centralHandle, Reason: 0x13 }).parameters.Status).toBe(HciStatus.UnknownConnectionIdentifier);
  });

  it('a controller reset drops its connections; the peer sees Connection Timeout', () => {
    const { peripheral, central, peripheralHandle } = connectedPair();
    central.complete('HCI_Reset', {});
    expect(peripheral.named('HCI_Disconnection_Complete')[0]?.parameters).toEqual({ Status: 0, Connection_Handle: peripheralHandle, Reason: HciStatus.ConnectionTimeout });
  });
});

describe('seeded loss', () => {
  function lossyRun(seed: number): { arrivalsMs: number[]; outOfOrder: number } {
    const { peripheral, central, centralHandle, scheduler } = connectedPair({ seed, lossRatio: { numerator: 1, denominator: 3 } });
    const arrivalsMs: number[] = [];
    for (let burst = 0; burst < 6; burst += 1) {
      for (let index = 0; index < totalNumLeAclDataPackets; index += 1) {
        central.sendAcl(centralHandle, 0, Uint8Array.of(1, 0, 4, 0, burst * totalNumLeAclDataPackets + index));
      }
      for (let step = 0; step < 10_000 && peripheral.acl.length < (burst + 1) * totalNumLeAclDataPackets; step += 1) {
        const before = peripheral.acl.length;
        scheduler.advance(1);
        for (let arrived = before; arrived < peripheral.acl.length; arrived += 1) arrivalsMs.push(scheduler.nowMs());
      }
    }
    expect(peripheral.acl).toHaveLength(6 * totalNumLeAclDataPackets);
    return { arrivalsMs, outOfOrder: peripheral.acl.filter((packet, index) => packet.data[4] !== index).length };
  }

  it('delays lost PDUs by retransmissions but keeps them in order; same seed, same timing', () => {
    const first = lossyRun(5);
    expect(first.outOfOrder).toBe(0);
    const gaps = first.arrivalsMs.slice(1).map((atMs, index) => atMs - (first.arrivalsMs[index] ?? 0));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(7.5); // at least one retransmission (one 7.5 ms interval)
    expect(lossyRun(5).arrivalsMs).toEqual(first.arrivalsMs);
    expect(lossyRun(6).arrivalsMs).not.toEqual(first.arrivalsMs);
  });

  it('heavy loss (99 %: nothing heard for longer than the supervision timeout) ends the connection with Connection Timeout on both sides (supervision timeout)', () => {
    const { host, scheduler } = world({ seed: 11, lossRatio: { numerator: 99, denominator: 100 } });
    const peripheral = host('peripheral');
    const central = host('central');
    advertise(peripheral);
    createConnection(central, peripheral.controller.publicAddress);
    for (let step = 0; step < 100 && central.named('HCI_LE_Connection_Complete').length === 0; step += 1) scheduler.advance(50);
    const centralHandle = central.named('HCI_LE_Connection_Complete')[0]?.parameters.Connection_Handle as number;
    expect(centralHandle).toBeGreaterThan(0);
    for (let index = 0; index < 200 && central.named('HCI_Disconnection_Complete').length === 0; index += 1) {
      central.sendAcl(centralHandle, 0, Uint8Array.of(1, 0, 4, 0, index));
      scheduler.advance(1000);
    }
    expect(central.named('HCI_Disconnection_Complete')[0]?.parameters.Reason).toBe(HciStatus.ConnectionTimeout);
    expect(peripheral.named('HCI_Disconnection_Complete')[0]?.parameters.Reason).toBe(HciStatus.ConnectionTimeout);
  });
});
