/**
 * Host-side pieces without bleno/noble: the socket shim's binding and kernel-style filter, and
 * the require hook in real-adapter mode (this file's process installs 'hci0'; vitest runs each
 * test file in its own process, so it cannot affect the virtual-mode files).
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bindNextHciSocket, VirtualBluetoothHciSocket } from '../../src/hci/host/hci-socket-shim.ts';
import type { HciSocketBackend } from '../../src/hci/host/hci-socket-shim.ts';
import { hciSocketModuleName, installHciSocketHook, parseControllerSetting } from '../../src/hci/host/require-hook.ts';

function loopbackBackend(): HciSocketBackend & { sent: Uint8Array[]; deliver(h4: Uint8Array): void } {
  let onPacket: ((h4: Uint8Array) => void) | null = null;
  const sent: Uint8Array[] = [];
  return {
    sent,
    deliver: (h4) => onPacket?.(h4),
    open: (listener) => void (onPacket = listener),
    send: (h4) => void sent.push(h4),
    pause: () => void (onPacket = null),
    close: () => void (onPacket = null),
  };
}

describe('VirtualBluetoothHciSocket', () => {
  it('claims the bound backend on bindRaw; bindControl sockets stay silent', () => {
    const backend = loopbackBackend();
    bindNextHciSocket(backend);
    const management = new VirtualBluetoothHciSocket(); // bleno's Mgmt socket comes first
    management.bindControl();
    management.start();
    management.write(Buffer.from([1, 2, 3]));
    const socket = new VirtualBluetoothHciSocket();
    expect(socket.bindRaw(undefined)).toBe(0);
    socket.start();
    socket.write(Buffer.from([1, 3, 12, 0]));
    expect(backend.sent).toEqual([Uint8Array.of(1, 3, 12, 0)]);
    expect(() => new VirtualBluetoothHciSocket().bindRaw(0)).toThrow(/no virtual HCI backend/);
  });

  it("applies the raw-socket filter as the kernel does (noble's filter: no ACL loss, events by mask)", () => {
    const backend = loopbackBackend();
    bindNextHciSocket(backend);
    const socket = new VirtualBluetoothHciSocket();
    socket.bindRaw(0);
    const received: Buffer[] = [];
    socket.on('data', (data: Buffer) => received.push(data));
    socket.start();
    const filter = Buffer.alloc(16);
    filter.writeUInt32LE((1 << 4) | (1 << 2), 0); // events and ACL
    filter.writeUInt32LE((1 << 0x05) | (1 << 0x0e), 4); // Disconnection Complete, Command Complete
    filter.writeUInt32LE(1 << (0x3e - 32), 8); // LE Meta
    socket.setFilter(filter);
    const passed = [Uint8Array.of(4, 0x0e, 4, 1, 3, 12, 0), Uint8Array.of(2, 0x40, 0x20, 0, 0), Uint8Array.of(4, 0x3e, 1, 2)];
    const blocked = [Uint8Array.of(4, 0x13, 5, 1, 0x40, 0, 1, 0), Uint8Array.of(1, 3, 12, 0)];
    for (const packet of [...passed, ...blocked]) backend.deliver(packet);
    expect(received.map((data) => Uint8Array.from(data))).toEqual(passed);
  });
});

describe('require hook, real adapter setting', () => {
  it('parses settings', () => {
    expect(parseControllerSetting('virtual')).toBe('virtual');
    expect(parseControllerSetting('hci1')).toBe('hci1');
    expect(() => parseControllerSetting('usb')).toThrow(RangeError);
  });

  it("hands bleno/noble the real native class pinned to 'hci0'", () => {
    installHciSocketHook('hci0');
    const require = createRequire(import.meta.url);
    const Hooked = require(hciSocketModuleName) as { name: string } & (new () => unknown);
    expect(Hooked.name).toBe('PinnedBluetoothHciSocket');
    expect((Object.getPrototypeOf(Hooked) as { name: string }).name).toBe('BluetoothHciSocketWrapped'); // the native module's class
    expect(() => installHciSocketHook('virtual')).toThrow(/already installed/);
    let outcome: string;
    try {
      new Hooked();
      outcome = 'constructed'; // a machine with kernel Bluetooth
    } catch (error) {
      outcome = String((error as { code?: string }).code); // this machine: no AF_BLUETOOTH
    }
    expect(['constructed', 'EAFNOSUPPORT', 'EPERM', 'EACCES']).toContain(outcome);
  });
});
