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

export const hciSocketModuleName = '@abandonware/bluetooth-hci-socket';

/** 'virtual' or a real adapter name such as 'hci0'. */
export type ControllerSetting = 'virtual' | `hci${number}`;

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const moduleInternals = Module as unknown as { _load: Load };
const require = createRequire(import.meta.url);

let installed: { readonly setting: ControllerSetting; readonly exported: unknown } | null = null;

export function parseControllerSetting(setting: string): ControllerSetting {
  if (setting === 'virtual' || /^hci\d{1,3}$/.test(setting)) return setting as ControllerSetting;
  throw new RangeError(`controller: expected 'virtual' or 'hciN', got ${JSON.stringify(setting)}`);
}

function alreadyLoaded(): string[] {
  return Object.keys(require.cache).filter((path) => /@abandonware[\\/](bleno|noble)[\\/]lib[\\/]hci-socket[\\/]hci\.js$/.test(path));
}

/** The real native module, resolved from where bleno/noble would find it; loaded by absolute
 * path so the hook (which matches the bare name only) lets it through. */
function loadNativeModule(): unknown {
  const hosts = ['@abandonware/noble/package.json', '@abandonware/bleno/package.json'].map((name) => dirname(require.resolve(name)));
  return require(require.resolve(hciSocketModuleName, { paths: hosts }));
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
  const exported = setting === 'virtual' ? VirtualBluetoothHciSocket : nativeClassFor(setting);
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
