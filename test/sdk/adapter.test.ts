/**
 * The BLE adapter interface (src/sdk/ble-adapter.ts) through the react-native-ble-plx example
 * (src/sdk/examples/react-native-ble-plx-adapter.ts) on a mocked BleManager: scan keeps the
 * strongest RSSI per lock and reads the lock id from the manufacturer data, other devices are
 * dropped; a refused write (BleError attErrorCode 0x80) is an AttError the unlock client handles;
 * a dropped link is transport_disconnected.
 */
import { describe, expect, it } from 'vitest';
import { adapterTransport } from '../../src/sdk/ble-adapter.ts';
import { plxAdapter, type BlePlxDeviceLike, type BlePlxManagerLike } from '../../src/sdk/examples/react-native-ble-plx-adapter.ts';
import { AttError, TransportError } from '../../src/radio/transport.ts';
import { characteristicUuids } from '../../src/protocol/gatt.ts';

const b64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
const lockA = [1, 2, 3, 4, 5, 6, 7, 8];

function device(id: string, rssi: number, manufacturer: number[] | null, localName: string | null = null): BlePlxDeviceLike {
  return { id, rssi, manufacturerData: manufacturer === null ? null : b64(manufacturer), localName, mtu: 185, discoverAllServicesAndCharacteristics: async () => device(id, rssi, manufacturer) };
}

function mockManager(script: { adverts: BlePlxDeviceLike[]; failWrite?: unknown; failRead?: unknown }) {
  const calls: string[] = [];
  const manager: BlePlxManagerLike = {
    startDeviceScan(_uuids, options, listener) {
      calls.push(`scan allowDuplicates=${options?.allowDuplicates}`);
      for (const advert of script.adverts) listener(null, advert);
    },
    stopDeviceScan: () => void calls.push('stop'),
    connectToDevice: async (id, options) => (calls.push(`connect ${id} mtu=${options?.requestMTU}`), device(id, -40, lockA)),
    readCharacteristicForDevice: async (_id, _s, c) => {
      if (script.failRead) throw script.failRead;
      calls.push(`read ${c}`);
      return { value: b64([9, 9]) };
    },
    writeCharacteristicWithResponseForDevice: async (_id, _s, c, v) => {
      calls.push(`write+ ${c} ${v}`);
      if (script.failWrite) throw script.failWrite;
    },
    writeCharacteristicWithoutResponseForDevice: async (_id, _s, c, v) => void calls.push(`write- ${c} ${v}`),
    cancelDeviceConnection: async (id) => calls.push(`cancel ${id}`),
  };
  return { manager, calls };
}

describe('BleAdapter (react-native-ble-plx example)', () => {
  it('scan: strongest RSSI per lock, lock id from manufacturer data (company 0xFFFF), others dropped', async () => {
    const { manager, calls } = mockManager({
      adverts: [device('A', -60, [0xff, 0xff, ...lockA]), device('A', -45, [0xff, 0xff, ...lockA]), device('B', -30, [0x4c, 0x00, 1, 2]), device('C', -50, null, 'headphones')],
    });
    const transport = adapterTransport({ ...plxAdapter(manager), sleep: async () => {} });
    const heard = await transport.scan(100);
    expect(heard).toEqual([{ deviceId: 'A', lockId: Uint8Array.from(lockA), rssiDbm: -45 }]);
    expect(calls).toEqual(['scan allowDuplicates=true', 'stop']);
  });

  it('connect, read, write; a refused Write Request is AttError 0x80; a lost link is transport_disconnected', async () => {
    const refusal = Object.assign(new Error('GATT error'), { attErrorCode: 0x80 });
    const { manager, calls } = mockManager({ adverts: [], failWrite: refusal });
    const transport = adapterTransport({ ...plxAdapter(manager), sleep: () => new Promise(() => {}) });
    const link = await transport.connect('A', { mtu: 247, timeoutMs: 1000 });
    expect(link.mtu).toBe(185);
    expect(await link.read('exchange')).toEqual(Uint8Array.from([9, 9]));
    await link.write('exchange', Uint8Array.from([1]), false);
    const refused = await link.write('exchange', Uint8Array.from([2]), true).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AttError);
    expect((refused as AttError).attError).toBe(0x80);
    expect(calls).toContain(`read ${characteristicUuids.exchange}`);
    expect(calls).toContain(`write- ${characteristicUuids.exchange} AQ==`);
    const lost = mockManager({ adverts: [], failRead: new Error('Device was disconnected') });
    const other = await adapterTransport({ ...plxAdapter(lost.manager), sleep: () => new Promise(() => {}) }).connect('A', { mtu: 247, timeoutMs: 1000 });
    const error = await other.read('challenge').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect((error as TransportError).code).toBe('transport_disconnected');
  });
});
