/**
 * A host's bridge to an external H4 controller (src/hci/host/external-controller.ts) against
 * controllers served by startHciServer (src/hci/serve/serve.ts), in this process, over TCP:
 * HCI_Reset on open with its answer swallowed, the all-zero-address fixes (Zephyr's vendor
 * Write BD_ADDR, else a random static address with the host's commands rewritten), small
 * buffers reported, clear errors when the controller is absent, silent or not a tty; and the
 * server side: one client per controller, resync after garbage, power cycle when a host leaves.
 */
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import type { MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectExternalController } from '../../src/hci/host/external-controller.ts';
import type { ExternalController } from '../../src/hci/host/external-controller.ts';
import { startHciServer } from '../../src/hci/serve/serve.ts';
import type { HciServer } from '../../src/hci/serve/serve.ts';
import { H4StreamParser } from '../../src/hci/transport/h4-stream.ts';
import { HciTransportError, openControllerStream } from '../../src/hci/transport/open-stream.ts';
import { parseHciTransportSpec } from '../../src/hci/transport/spec.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Partial<Parameters<typeof startHciServer>[0]> = {}): Promise<HciServer> {
  const server = await startHciServer({ controllers: 2, buffers: { aclDataPacketLength: 27, totalNumAclDataPackets: 4 }, ...options });
  cleanups.push(() => server.close());
  return server;
}

function bridge(tcp: string, label = 'host'): ExternalController {
  const spec = parseHciTransportSpec(tcp);
  if (spec.kind !== 'tcp' && spec.kind !== 'serial') throw new Error('stream spec');
  const external = connectExternalController({ spec, label, seed: 7, timeoutMs: 500 });
  cleanups.push(() => {
    external.close();
    external.port.close();
  });
  return external;
}

/** Sends one H4 packet on the host port and returns the next packet the host receives. */
function ask(port: MessagePort, h4: number[]): Promise<Uint8Array> {
  const answer = once(port, 'message').then(([message]) => message as Uint8Array);
  port.postMessage(Uint8Array.from(h4));
  return answer;
}

async function errorOf(promise: Promise<unknown>): Promise<HciTransportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HciTransportError) return error;
    throw error;
  }
  throw new Error('expected an HciTransportError');
}

describe('external controller bridge', () => {
  it('resets the controller on open and swallows the answer; reports the small buffers', async () => {
    const server = await serve();
    const external = bridge(server.controllers[0]!.tcp);
    const info = await external.ready;
    expect(info).toMatchObject({ address: server.controllers[0]!.publicAddress, addressType: 'public', addressFix: 'none', leAclDataPacketLength: 27, totalNumLeAclDataPackets: 4 });
    expect(server.link.controllers[0]!.stats.commands).toBe(3); // Reset, Read_BD_ADDR, LE_Read_Buffer_Size
    const unsolicited: unknown[] = [];
    const collect = (message: unknown): void => void unsolicited.push(message);
    external.port.on('message', collect);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(unsolicited).toEqual([]); // none of the bridge's answers reached the host
    external.port.off('message', collect);
    // The host's own commands pass: LE_Read_Buffer_Size → 27 octets, 4 packets.
    const answer = await ask(external.port, [0x01, 0x02, 0x20, 0x00]);
    expect([...answer]).toEqual([0x04, 0x0e, 0x07, 0x01, 0x02, 0x20, 0x00, 27, 0, 4]);
  });

  it("gives a controller with an all-zero address one through Zephyr's vendor Write BD_ADDR", async () => {
    const server = await serve({ zeroAddress: true, zephyrVendorCommands: true });
    const info = await bridge(server.controllers[0]!.tcp, 'lock').ready;
    expect(info.addressFix).toBe('zephyr_write_bd_addr');
    expect(info.addressType).toBe('public');
    expect(info.address).not.toBe('00:00:00:00:00:00');
    expect(server.link.controllers[0]!.publicAddress).toBe(info.address);
    // Stable per seed and label: another host label gets another address.
    const other = await bridge(server.controllers[1]!.tcp, 'phone').ready;
    expect(other.address).not.toBe(info.address);
  });

  it("sets the written address again after the host's own HCI_Reset (the controller forgets it)", async () => {
    const server = await serve({ zeroAddress: true, zephyrVendorCommands: true });
    const external = bridge(server.controllers[0]!.tcp, 'lock');
    const info = await external.ready;
    const reset = await ask(external.port, [0x01, 0x03, 0x0c, 0x00]); // bleno and noble start with HCI_Reset
    expect([...reset]).toEqual([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00]);
    const read = await ask(external.port, [0x01, 0x09, 0x10, 0x00]);
    expect(read.slice(7, 13)).toEqual(Uint8Array.from(info.address.split(':').reverse().map((octet) => Number.parseInt(octet, 16))));
    expect(server.link.controllers[0]!.publicAddress).toBe(info.address);
  });

  it('moves the host to a random static address when the controller refuses the vendor command', async () => {
    const server = await serve({ zeroAddress: true });
    const external = bridge(server.controllers[0]!.tcp, 'lock');
    const info = await external.ready;
    expect(info.addressFix).toBe('random_static');
    expect(info.addressType).toBe('random');
    expect(Number.parseInt(info.address.slice(0, 2), 16) >> 6).toBe(0b11); // random static: top bits 11
    const controller = server.link.controllers[0]!;
    expect(controller.state.randomAddress).toBe(info.address);
    // Read_BD_ADDR's answer carries the address the host is really seen with.
    const read = await ask(external.port, [0x01, 0x09, 0x10, 0x00]);
    expect(read.slice(7, 13)).toEqual(Uint8Array.from(info.address.split(':').reverse().map((octet) => Number.parseInt(octet, 16))));
    // LE_Set_Advertising_Parameters with Own_Address_Type public (0) reaches the controller as random (1).
    const set = await ask(external.port, [0x01, 0x06, 0x20, 0x0f, 0x20, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0x07, 0x00]);
    expect(set[6]).toBe(0x00);
    expect(controller.state.advertising.parameters.Own_Address_Type).toBe(1);
    expect(controller.ownAddress(1).address).toBe(info.address);
  });

  it('over a pseudo-terminal (serial:), the controller is reset when the host closes: no ghost advertiser', async () => {
    const server = await serve({ pty: true, controllers: 1 });
    const external = bridge(server.controllers[0]!.pty!);
    expect((await external.ready).addressFix).toBe('none');
    const controller = server.link.controllers[0]!;
    await ask(external.port, [0x01, 0x0a, 0x20, 0x01, 0x01]); // LE_Set_Advertising_Enable(on)
    expect(controller.state.advertising.enabled).toBe(true);
    external.close();
    await vi.waitFor(() => expect(controller.state.advertising.enabled).toBe(false), { timeout: 2000 });
  });

  it('fails with stable codes: nobody listening, a silent peer, not a tty, no such device', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const freePort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    expect((await errorOf(bridge(`tcp:127.0.0.1:${freePort}`).ready)).code).toBe('hci_controller_unreachable');

    const silent = createServer((socket) => socket.on('data', () => undefined)); // accepts, never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    cleanups.push(() => new Promise((resolve) => silent.close(resolve)));
    const started = Date.now();
    const timeout = await errorOf(bridge(`tcp:127.0.0.1:${(silent.address() as AddressInfo).port}`).ready);
    expect(timeout.code).toBe('hci_controller_timeout');
    expect(timeout.message).toMatch(/no answer to HCI command 0x0c03 within 500 ms/);
    expect(Date.now() - started).toBeLessThan(2000);

    expect((await errorOf(bridge('serial:/dev/null').ready)).code).toBe('hci_serial_not_a_tty');
    expect((await errorOf(bridge('serial:/dev/latchkey-no-such-tty').ready)).code).toBe('hci_serial_open_failed');
  });
});

/**
 * A scripted H4 controller on TCP: each command opcode listed gets a Command_Complete whose
 * return parameters are exactly the octets given (truncated ones included); any other opcode
 * gets Unknown HCI Command. Written from the Core spec packet formats, not from latchkey's controller.
 */
async function scriptedController(answers: ReadonlyMap<number, readonly number[]>): Promise<string> {
  const server = createServer((socket) => {
    const parser = new H4StreamParser('controller', (h4) => {
      if (h4[0] !== 0x01) return;
      const opcode = h4[1]! | (h4[2]! << 8);
      const parameters = answers.get(opcode) ?? [0x01];
      socket.write(Uint8Array.of(0x04, 0x0e, 3 + parameters.length, 0x01, h4[1]!, h4[2]!, ...parameters));
    });
    socket.on('data', (chunk: Buffer) => parser.push(new Uint8Array(chunk)));
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `tcp:127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const publicAddress = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06]; // Status, BD_ADDR 06:05:04:03:02:01
const answersWith = (entries: [number, number[]][]): Map<number, number[]> =>
  new Map<number, number[]>([[0x0c03, [0x00]], [0x1009, publicAddress], ...entries]);

describe('external controller bridge: controllers whose answers a host cannot use (attack on issue 16, F1)', () => {
  it.each([
    ['LE buffers of 0 octets × 0 packets and BR/EDR buffers of 0', [[0x2002, [0, 0, 0, 0]], [0x1005, [0, 0, 0, 0, 0, 0, 0, 0]]], /HCI_Read_Buffer_Size reports ACL buffers of 0 octets × 0 packets/],
    ['LE buffers of 0 octets × 0 packets and no BR/EDR answer', [[0x2002, [0, 0, 0, 0]]], /HCI_Read_Buffer_Size status 0x01/],
    ['LE buffers of 20 octets', [[0x2002, [0, 20, 0, 4]]], /reports ACL buffers of 20 octets × 4 packets/],
    ['LE buffers of 27 octets × 0 packets', [[0x2002, [0, 27, 0, 0]]], /reports ACL buffers of 27 octets × 0 packets/],
    ['a truncated LE_Read_Buffer_Size answer', [[0x2002, [0, 27]]], /HCI_LE_Read_Buffer_Size answered with 2 octets of return parameters, 4 expected/],
    ['a truncated HCI_Reset answer', [[0x0c03, []]], /HCI_Reset answered with 0 octets of return parameters, 1 expected/],
    ['a refused HCI_Reset', [[0x0c03, [0x0c]]], /HCI_Reset status 0x0c/],
    ['a truncated Read_BD_ADDR answer', [[0x1009, [0x00, 0x01, 0x02]]], /HCI_Read_BD_ADDR answered with 3 octets of return parameters, 7 expected/],
  ] as [string, [number, number[]][], RegExp][])('refuses %s with hci_controller_refused', async (_what, entries, message) => {
    const error = await errorOf(bridge(await scriptedController(answersWith(entries))).ready);
    expect(error.code).toBe('hci_controller_refused');
    expect(error.message).toMatch(message);
  });

  it('uses the BR/EDR buffers when the LE ones are 0 × 0 (Vol 4, Part E, §7.8.2)', async () => {
    const tcp = await scriptedController(answersWith([[0x2002, [0, 0, 0, 0]], [0x1005, [0, 27, 0, 0, 8, 0, 0, 0]]]));
    expect(await bridge(tcp).ready).toMatchObject({ leAclDataPacketLength: 27, totalNumLeAclDataPackets: 8, aclBuffersFrom: 'Read_Buffer_Size', address: '06:05:04:03:02:01' });
  });
});

describe('latchkey hci serve endpoints', () => {
  async function raw(tcp: string): Promise<Socket> {
    const spec = parseHciTransportSpec(tcp);
    if (spec.kind !== 'tcp') throw new Error('tcp');
    const socket = connect(spec.port, spec.host);
    await once(socket, 'connect');
    cleanups.push(() => socket.destroy());
    return socket;
  }

  it('resyncs after garbage, serves one client per controller, power-cycles when it leaves', async () => {
    const server = await serve();
    const first = await raw(server.controllers[0]!.tcp);
    const answer = once(first, 'data');
    first.write(Uint8Array.of(0x00, 0x04, 0x0e, 0x99, 0x01, 0x03, 0x0c, 0x00)); // garbage, then HCI_Reset
    expect([...((await answer)[0] as Buffer)]).toEqual([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00]);
    expect(server.stats[0]!.resyncOctets).toBe(4);
    const second = await raw(server.controllers[0]!.tcp);
    await once(second, 'close'); // refused: one host per controller
    expect(server.stats[0]).toMatchObject({ clientsServed: 1, clientsRefused: 1 });
    // Advertising on, then the host goes away: the controller is back to its power-on state.
    first.write(Uint8Array.of(0x01, 0x0a, 0x20, 0x01, 0x01));
    await once(first, 'data');
    expect(server.link.controllers[0]!.state.advertising.enabled).toBe(true);
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.link.controllers[0]!.state.advertising.enabled).toBe(false);
    const third = await raw(server.controllers[0]!.tcp);
    const again = once(third, 'data');
    third.write(Uint8Array.of(0x01, 0x03, 0x0c, 0x00));
    await again; // the next host is served
    expect(server.stats[0]).toMatchObject({ clientsServed: 2, clientsRefused: 1 });
  });

  it('serves a host that closes and reconnects at once, before its old close is seen (second attack on issue 16)', async () => {
    const server = await serve({ controllers: 1 });
    let served = 0;
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const socket = await raw(server.controllers[0]!.tcp);
      const outcome = Promise.race([once(socket, 'data').then(() => 'served'), once(socket, 'close').then(() => 'refused')]);
      socket.write(Uint8Array.of(0x01, 0x03, 0x0c, 0x00)); // HCI_Reset
      if ((await outcome) === 'served') served += 1;
      socket.end(); // and reconnect immediately
    }
    expect(served).toBe(40);
    expect(server.stats[0]!.clientsRefused).toBe(0);
  });

  it("forgets a vendor-written BD_ADDR on HCI_Reset and on a power cycle, as a controller does (attack on issue 16, F4)", async () => {
    const server = await serve({ zeroAddress: true, zephyrVendorCommands: true, controllers: 1 });
    const readAddress = async (socket: Socket): Promise<number[]> => {
      const answer = once(socket, 'data');
      socket.write(Uint8Array.of(0x01, 0x09, 0x10, 0x00));
      return [...((await answer)[0] as Buffer).subarray(7, 13)];
    };
    const command = async (socket: Socket, h4: number[]): Promise<void> => {
      const answer = once(socket, 'data');
      socket.write(Uint8Array.from(h4));
      await answer;
    };
    const first = await raw(server.controllers[0]!.tcp);
    await command(first, [0x01, 0x06, 0xfc, 0x06, 1, 2, 3, 4, 5, 6]); // Zephyr Write BD_ADDR
    expect(await readAddress(first)).toEqual([1, 2, 3, 4, 5, 6]);
    await command(first, [0x01, 0x03, 0x0c, 0x00]); // HCI_Reset
    expect(await readAddress(first)).toEqual([0, 0, 0, 0, 0, 0]);
    await command(first, [0x01, 0x06, 0xfc, 0x06, 1, 2, 3, 4, 5, 6]);
    first.destroy(); // power cycle
    await vi.waitFor(() => expect(server.link.controllers[0]!.publicAddress).toBe('00:00:00:00:00:00'), { timeout: 2000 });
    const second = await raw(server.controllers[0]!.tcp);
    expect(await readAddress(second)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('drops a client that does not read once more than 1 MiB waits for it, and serves the next (attack on issue 16, F2)', async () => {
    const warnings: string[] = [];
    const server = await serve({ controllers: 1, log: { info: () => undefined, warn: (_fields, message) => void warnings.push(message) } });
    const greedy = await raw(server.controllers[0]!.tcp);
    greedy.pause(); // never reads: the kernel buffers fill, then the server's queue grows
    const batch = new Uint8Array(4 * 1000);
    for (let offset = 0; offset < batch.length; offset += 4) batch.set([0x01, 0x02, 0x10, 0x00], offset); // Read_Local_Supported_Commands: 68 octets out per 4 in
    // Up to 400 × 68 kB of answers (27 MB), far past what the kernel's socket buffers absorb.
    for (let round = 0; round < 400 && warnings.length === 0; round += 1) {
      if (!greedy.destroyed) greedy.write(batch);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(warnings).toEqual(['client dropped: it does not read (more than 1048576 octets queued)']);
    expect(server.stats[0]!.clientsDropped).toBe(1);
    // The controller is free again: the next host is served, not refused as a second client.
    const next = await raw(server.controllers[0]!.tcp);
    const outcome = Promise.race([once(next, 'data').then(([chunk]) => [...(chunk as Buffer)]), once(next, 'close').then(() => 'refused')]);
    next.write(Uint8Array.of(0x01, 0x03, 0x0c, 0x00));
    expect(await outcome).toEqual([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00]);
    expect(server.stats[0]).toMatchObject({ clientsServed: 2, clientsRefused: 0 });
  });

  it('one endpoint owns a controller: the pty cannot take it from a TCP client, a TCP client not from an active pty (attack on issue 16, F5)', async () => {
    let clock = 0;
    const server = await serve({ controllers: 1, pty: true, nowMs: () => clock });
    const controller = server.link.controllers[0]!;
    const spec = parseHciTransportSpec(server.controllers[0]!.pty!);
    if (spec.kind !== 'serial') throw new Error('pty');
    const pty = await openControllerStream(spec);
    cleanups.push(() => pty.close());
    const fromPty: number[] = [];
    pty.onData((chunk) => void fromPty.push(...chunk));

    const tcp = await raw(server.controllers[0]!.tcp);
    const enabled = once(tcp, 'data');
    tcp.write(Uint8Array.of(0x01, 0x0a, 0x20, 0x01, 0x01)); // LE_Set_Advertising_Enable(on)
    await enabled;
    pty.write(Uint8Array.of(0x01, 0x03, 0x0c, 0x00)); // HCI_Reset from the pty: refused
    // Either the pty's packet was refused, or (the bug) it was served: wait for one of the two.
    await vi.waitFor(() => expect((server.stats[0]!.ptyPacketsRefused ?? 0) + fromPty.length).toBeGreaterThan(0), { timeout: 2000 });
    expect(controller.state.advertising.enabled).toBe(true); // the TCP host's controller was not reset
    expect(fromPty).toEqual([]);
    expect(server.stats[0]!.ptyPacketsRefused).toBe(1);

    tcp.destroy(); // the TCP host leaves; the pty host may now drive the controller
    await vi.waitFor(() => expect(controller.state.advertising.enabled).toBe(false), { timeout: 2000 });
    pty.write(Uint8Array.of(0x01, 0x03, 0x0c, 0x00));
    await vi.waitFor(() => expect(fromPty).toEqual([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00]), { timeout: 2000 });

    const early = await raw(server.controllers[0]!.tcp); // the pty was active 0 ms ago: refused
    await once(early, 'close');
    expect(server.stats[0]).toMatchObject({ clientsRefused: 1, clientsServed: 1 });

    clock += 10_000; // pty idle for 10 s: a TCP client may take the controller
    const late = await raw(server.controllers[0]!.tcp);
    const answer = once(late, 'data');
    late.write(Uint8Array.of(0x01, 0x03, 0x0c, 0x00));
    expect([...((await answer)[0] as Buffer)]).toEqual([0x04, 0x0e, 0x04, 0x01, 0x03, 0x0c, 0x00]);
    expect(server.stats[0]).toMatchObject({ clientsRefused: 1, clientsServed: 2 });
  });
});
