/**
 * The browser tests' common rig: the API server (in memory, the demo hotel), the web app behind a
 * same-origin front server, Debian's Chromium, and — with Web Bluetooth — the CDP Bluetooth bridge
 * on the first page. `close()` takes it all down in reverse order.
 */
import { startServer, type RunningServer, type StartServerOptions } from '../../src/server/index.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { CdpBluetoothBridge } from './cdp-bridge.ts';
import { launchChromium } from './browser.ts';
import { startFrontServer } from './front-server.ts';

export interface WebRig {
  server: RunningServer;
  front: Awaited<ReturnType<typeof startFrontServer>>;
  browser: Awaited<ReturnType<typeof launchChromium>>;
  /** Present when the browser has Web Bluetooth. */
  bridge: CdpBluetoothBridge | undefined;
  /** The demo guest's Instant Key link, on the front server. */
  link: string;
  door(name: string): VirtualDoor;
  close(): Promise<void>;
}

export interface WebRigOptions {
  /** Default true; without it the browser has no navigator.bluetooth and there is no bridge. */
  webBluetooth?: boolean;
  server?: StartServerOptions;
  /** Doors bridged into the emulated Bluetooth as locks: door name → emulated address. */
  bridged?: Record<string, string>;
  /** The address the phone stands at (in range of that lock only). */
  standAt?: string;
}

export async function startWebRig(options: WebRigOptions = {}): Promise<WebRig> {
  const webBluetooth = options.webBluetooth ?? true;
  const server = await startServer({ port: 0, dbPath: ':memory:', logLevel: 'silent', ...options.server });
  const front = await startFrontServer(server.url);
  const browser = await launchChromium({ webBluetooth });
  const bridge = webBluetooth ? await CdpBluetoothBridge.attach(browser.browser, browser.page) : undefined;
  const door = (name: string): VirtualDoor => {
    const found = [...server.property.doors.values()].find((candidate) => candidate.name === name);
    if (found === undefined) throw new Error(`no door ${name}`);
    return found;
  };
  for (const [name, address] of Object.entries(options.bridged ?? {})) await bridge!.addLock(address, door(name).lock);
  if (options.standAt !== undefined) bridge!.standAt(options.standAt);
  return {
    server,
    front,
    browser,
    bridge,
    link: front.url + new URL(server.instantKeyUrl!).pathname,
    door,
    async close() {
      await bridge?.detach();
      await browser.close();
      await front.close();
      await server.close();
    },
  };
}
