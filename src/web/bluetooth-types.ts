/**
 * The slice of the Web Bluetooth API (https://webbluetoothcg.github.io/web-bluetooth/) this app
 * uses. TypeScript's DOM library does not declare it, so the shapes are written out here from the
 * spec; `navigator.bluetooth` is read through `bluetoothOf(navigator)` instead of a global augment.
 */

export interface BluetoothRemoteGATTCharacteristicLike {
  readValue(): Promise<DataView>;
  writeValueWithResponse(value: BufferSource): Promise<void>;
  writeValueWithoutResponse(value: BufferSource): Promise<void>;
}

export interface BluetoothRemoteGATTServiceLike {
  getCharacteristic(uuid: string): Promise<BluetoothRemoteGATTCharacteristicLike>;
}

export interface BluetoothRemoteGATTServerLike {
  readonly connected: boolean;
  connect(): Promise<BluetoothRemoteGATTServerLike>;
  disconnect(): void;
  getPrimaryService(uuid: string): Promise<BluetoothRemoteGATTServiceLike>;
}

export interface BluetoothDeviceLike extends EventTarget {
  readonly id: string;
  readonly name?: string | undefined;
  readonly gatt?: BluetoothRemoteGATTServerLike | undefined;
}

export interface RequestDeviceOptionsLike {
  filters: { services?: string[]; name?: string; namePrefix?: string }[];
  optionalServices?: string[];
}

export interface BluetoothLike {
  getAvailability(): Promise<boolean>;
  requestDevice(options: RequestDeviceOptionsLike): Promise<BluetoothDeviceLike>;
}

/** The browser's Web Bluetooth, or undefined when the browser has none (Firefox, Safari, flag off). */
export function bluetoothOf(navigatorLike: Navigator): BluetoothLike | undefined {
  const candidate = (navigatorLike as Navigator & { bluetooth?: BluetoothLike }).bluetooth;
  return candidate !== undefined && typeof candidate.requestDevice === 'function' ? candidate : undefined;
}
