/**
 * Example: the SDK's `BleAdapter` (../ble-adapter.ts) on react-native-ble-plx. Written against the
 * slice of that library's API the adapter uses, declared below as `BlePlxManagerLike` (its
 * documented `BleManager` methods; values are base64 strings there), so this file type-checks and
 * runs here without the library or any native code: test/sdk/adapter.test.ts drives it with a
 * mocked manager. In an app: `plxAdapter(new BleManager())` from 'react-native-ble-plx'.
 * A Capacitor app does the same with @capacitor-community/bluetooth-le (`BleClient.requestLEScan`,
 * `connect`, `read`, `write`, `writeWithoutResponse`, `disconnect`; values are DataViews there).
 */
import { fromBase64Url } from '../../web/base64url.ts';

/** Standard base64 with padding: what react-native-ble-plx takes and gives (not base64url). */
function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
import type { AdapterAdvertisement, BleAdapter } from '../ble-adapter.ts';

/** The part of react-native-ble-plx's `Device` the adapter reads. */
export interface BlePlxDeviceLike {
  id: string;
  rssi: number | null;
  /** Base64: company id (little-endian) then the data. */
  manufacturerData: string | null;
  localName: string | null;
  mtu: number;
  discoverAllServicesAndCharacteristics(): Promise<BlePlxDeviceLike>;
}

/** The part of react-native-ble-plx's `BleManager` the adapter calls. */
export interface BlePlxManagerLike {
  startDeviceScan(uuids: string[] | null, options: { allowDuplicates?: boolean } | null, listener: (error: Error | null, device: BlePlxDeviceLike | null) => void): Promise<void> | void;
  stopDeviceScan(): Promise<void> | void;
  connectToDevice(deviceId: string, options?: { requestMTU?: number; timeout?: number }): Promise<BlePlxDeviceLike>;
  readCharacteristicForDevice(deviceId: string, serviceUuid: string, characteristicUuid: string): Promise<{ value: string | null }>;
  writeCharacteristicWithResponseForDevice(deviceId: string, serviceUuid: string, characteristicUuid: string, base64Value: string): Promise<unknown>;
  writeCharacteristicWithoutResponseForDevice(deviceId: string, serviceUuid: string, characteristicUuid: string, base64Value: string): Promise<unknown>;
  cancelDeviceConnection(deviceId: string): Promise<unknown>;
}

/** react-native-ble-plx reports a GATT error with `attErrorCode` (BleError); the SDK wants `attError`. */
function withAttError(error: unknown): unknown {
  const code = (error as { attErrorCode?: unknown } | null)?.attErrorCode;
  return typeof code === 'number' ? Object.assign(error as object, { attError: code }) : error;
}

export function plxAdapter(manager: BlePlxManagerLike): BleAdapter {
  return {
    startScan(serviceUuids, onAdvertisement) {
      // allowDuplicates: every advertisement, not one per device (tap ranking needs the stream of RSSI).
      return manager.startDeviceScan([...serviceUuids], { allowDuplicates: true }, (error, device) => {
        if (error !== null || device === null || device.rssi === null) return;
        const advert: AdapterAdvertisement = { deviceId: device.id, rssi: device.rssi, manufacturerData: device.manufacturerData === null ? null : fromBase64Url(device.manufacturerData), localName: device.localName };
        onAdvertisement(advert);
      });
    },
    stopScan: () => manager.stopDeviceScan(),
    async connect(deviceId, { mtu, timeoutMs }) {
      const device = await manager.connectToDevice(deviceId, { requestMTU: mtu, timeout: timeoutMs });
      await device.discoverAllServicesAndCharacteristics();
      return { mtu: device.mtu };
    },
    async read(deviceId, service, characteristic) {
      try {
        const { value } = await manager.readCharacteristicForDevice(deviceId, service, characteristic);
        return value === null ? new Uint8Array(0) : fromBase64Url(value);
      } catch (error) {
        throw withAttError(error);
      }
    },
    async write(deviceId, service, characteristic, value, withResponse) {
      try {
        if (withResponse) await manager.writeCharacteristicWithResponseForDevice(deviceId, service, characteristic, toBase64(value));
        else await manager.writeCharacteristicWithoutResponseForDevice(deviceId, service, characteristic, toBase64(value));
      } catch (error) {
        throw withAttError(error);
      }
    },
    async disconnect(deviceId) {
      await manager.cancelDeviceConnection(deviceId);
    },
  };
}
