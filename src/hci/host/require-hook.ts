/**
 * Makes `require('@abandonware/bluetooth-hci-socket')` return our socket class, in this thread.
 *
 * Why a require hook: bleno and noble load that native module from their own files; we must not
 * edit node_modules, and npm overrides would change the lockfile. Overriding `Module._load` for
 * exactly one request string is the smallest interception: every other module loads untouched.
 * It must run before bleno/noble's `hci-socket/hci.js` is first required in the thread (each
 * worker thread has its own module cache, so each installs it). With a real adapter name
 * ('hci0') the hook hands out the real native class pinned to that device instead — the same
 * path for everything above; untested here (no kernel Bluetooth on this machine).
 */
import Module, { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { VirtualBluetoothHciSocket } from './hci-socket-shim.ts';
import { HciTransportError } from '../transport/open-stream.ts';
import { parseHciTransportSpec, usbEnvironment } from '../transport/spec.ts';

export const hciSocketModuleName = '@abandonware/bluetooth-hci-socket';

/** 'virtual' (the shim: in-process controller or a bridged tcp:/serial: one), a kernel adapter
 * such as 'hci0', or a USB dongle through the native module's libusb path ('usb:VID:PID[:BUS:ADDR]'). */
export type ControllerSetting = 'virtual' | `hci${number}` | `usb:${string}`;

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Load };
const require = createRequire(import.meta.url);

let installed: { readonly setting: ControllerSetting; readonly exported: unknown } | null = null;

export function parseControllerSetting(setting: string): ControllerSetting {
  if (setting === 'virtual' || /^hci\d{1,3}$/.test(setting)) return setting as ControllerSetting;
  if (setting.startsWith('usb:')) {
    parseHciTransportSpec(setting); // throws HciSpecError with a stable code
    return setting as ControllerSetting;
  }
  throw new RangeError(`controller: expected 'virtual', 'hciN' or 'usb:VID:PID[:BUS:ADDR]', got ${JSON.stringify(setting)}`);
}

function alreadyLoaded(): string[] {
  return Object.keys(require.cache).filter((path) => /@abandonware[\\/](bleno|noble)[\\/]lib[\\/]hci-socket[\\/]hci\.js$/.test(path));
}

/** The real native module, resolved from where bleno/noble would find it; loaded by absolute
 * path so the hook (which matches the bare name only) lets it through. */
function hostDirectories(): string[] {
  return ['@abandonware/noble/package.json', '@abandonware/bleno/package.json'].map((name) => dirname(require.resolve(name)));
}

function loadNativeModule(): unknown {
  return require(require.resolve(hciSocketModuleName, { paths: hostDirectories() }));
}

/** The list position bluetooth-hci-socket's lib/usb.js needs to pick the device at BUS:ADDR.
 * Its own BUS/ADDRESS filter compares `device.bus`/`device.address`, which usb 2.x does not have
 * (it has busNumber/deviceAddress), so with those set it never finds a device; among the devices
 * matching VID/PID it takes the devId-th (1-based) instead, which is what we pass. */
function usbDeviceIndex(vendorId: number, productId: number, bus: number, address: number, setting: string): number {
  const hciSocketDirectory = dirname(require.resolve(`${hciSocketModuleName}/package.json`, { paths: hostDirectories() }));
  const usb = require(require.resolve('usb', { paths: [hciSocketDirectory] })) as { getDeviceList(): { busNumber: number; deviceAddress: number; deviceDescriptor: { idVendor: number; idProduct: number } }[] };
  const matching = usb.getDeviceList().filter((device) => device.deviceDescriptor.idVendor === vendorId && device.deviceDescriptor.idProduct === productId);
  const index = matching.findIndex((device) => device.busNumber === bus && device.deviceAddress === address);
  if (index < 0) throw new HciTransportError('hci_usb_device_not_found', `${setting}: no USB device ${vendorId.toString(16)}:${productId.toString(16)} at bus ${bus} address ${address} (lsusb)`);
  return index + 1;
}

function usbClassFor(setting: `usb:${string}`): unknown {
  const spec = parseHciTransportSpec(setting);
  if (spec.kind !== 'usb') throw new RangeError(`not a usb: setting: ${setting}`);
  // Decimal, as lib/usb.js parses them; BUS/ADDRESS deliberately not set (see usbDeviceIndex).
  const { BLUETOOTH_HCI_SOCKET_USB_BUS: _bus, BLUETOOTH_HCI_SOCKET_USB_ADDRESS: _address, ...environment } = usbEnvironment(spec);
  Object.assign(process.env, environment);
  const deviceId = spec.bus === null ? 0 : usbDeviceIndex(spec.vendorId, spec.productId, spec.bus, spec.address ?? 0, setting);
  const Native = loadNativeModule() as new () => {
    bindRaw(deviceId?: number, parameters?: unknown): number;
    bindUser(deviceId?: number, parameters?: unknown): number;
  };
  const notFound = (error: unknown): never => {
    if (error instanceof Error && /No compatible USB/.test(error.message)) {
      throw new HciTransportError('hci_usb_device_not_found', `${setting}: no USB device ${spec.vendorId.toString(16).padStart(4, '0')}:${spec.productId.toString(16).padStart(4, '0')} (lsusb; permissions: a udev rule for the dongle)`);
    }
    throw error;
  };
  return class UsbBluetoothHciSocket extends Native {
    override bindRaw(_deviceId?: number, parameters?: unknown): number {
      try {
        return super.bindRaw(deviceId, parameters);
      } catch (error) {
        return notFound(error);
      }
    }
    override bindUser(_deviceId?: number, parameters?: unknown): number {
      try {
        return super.bindUser(deviceId, parameters);
      } catch (error) {
        return notFound(error);
      }
    }
  };
}

function nativeClassFor(setting: `hci${number}`): unknown {
  const deviceId = Number(setting.slice(3));
  const Native = loadNativeModule() as new () => {
    bindRaw(deviceId?: number, parameters?: unknown): number;
    bindUser(deviceId?: number, parameters?: unknown): number;
  };
  return class PinnedBluetoothHciSocket extends Native {
    override bindRaw(_deviceId?: number, parameters?: unknown): number {
      return super.bindRaw(deviceId, parameters);
    }
    override bindUser(_deviceId?: number, parameters?: unknown): number {
      return super.bindUser(deviceId, parameters);
    }
  };
}

/** Installs the hook in this thread (idempotent for the same setting). */
export function installHciSocketHook(setting: ControllerSetting = 'virtual'): void {
  if (installed !== null) {
    if (installed.setting !== setting) throw new Error(`hci hook already installed for ${installed.setting}`);
    return;
  }
  const loaded = alreadyLoaded();
  if (loaded.length > 0) throw new Error(`bleno/noble HCI layer loaded before the hook was installed: ${loaded.join(', ')}`);
  const originalLoad = moduleInternals._load;
  const exported = setting === 'virtual' ? VirtualBluetoothHciSocket : setting.startsWith('usb:') ? usbClassFor(setting as `usb:${string}`) : nativeClassFor(setting as `hci${number}`);
  installed = { setting, exported };
  moduleInternals._load = function load(this: unknown, request, parent, isMain) {
    if (request === hciSocketModuleName) return exported;
    return originalLoad.call(this, request, parent, isMain);
  };
}

/** Loads a CommonJS package (bleno, noble) through the hooked loader. */
export function requireHost<T>(name: '@abandonware/bleno' | '@abandonware/noble/with-custom-binding'): T {
  if (installed === null) throw new Error('installHciSocketHook() first');
  return require(name) as T;
}
