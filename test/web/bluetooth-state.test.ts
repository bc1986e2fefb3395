/**
 * "Bluetooth off" and "permission denied" on the Instant Key page, produced by Debian's Chromium
 * itself (navigator.bluetooth is never mocked):
 *
 * - Bluetooth off: the simulated central is made 'absent' (BluetoothEmulation.setSimulatedCentralState);
 *   the browser's getAvailability() turns false and requestDevice rejects NotFoundError "Bluetooth
 *   adapter not available.". Back 'powered-on', the same tap unlocks. ('powered-off' is not used: in
 *   Chromium 156 the page cannot see it — getAvailability() stays true and the emulated chooser still
 *   lists and connects the preconnected peripheral; a real browser's own chooser says Bluetooth is off.)
 * - Chooser closed: the guest cancels the chooser although the door is listed (DeviceAccess.cancelPrompt)
 *   → NotFoundError "User cancelled the requestDevice() chooser.".
 * - Blocked for the page: the page is served with `Permissions-Policy: bluetooth=()` → SecurityError.
 * - Permission denied: a profile whose site settings block Bluetooth for the page's origin (content
 *   setting `bluetooth_guard`, what "Bluetooth: Block" in Site settings stores) → NotFoundError
 *   "User or their enterprise policy has disabled Web Bluetooth.", no chooser.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Page } from 'playwright-core';
import type { CdpBluetoothBridge } from './cdp-bridge.ts';
import { chromiumPath, outcomeOf, phoneViewport, screenshotDir } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

const roomAddress = '02:00:00:00:00:01';

describe('Instant Key page: Bluetooth off, chooser closed, Bluetooth not allowed (real Chromium)', () => {
  let rig: WebRig;
  let server: WebRig['server'];
  let front: WebRig['front'];
  let browser: WebRig['browser'];
  let bridge: CdpBluetoothBridge;
  let linkPath: string;

  function room101() {
    const found = [...server.property.doors.values()].find((d) => d.name === 'Room 101');
    if (found === undefined) throw new Error('no Room 101');
    return found;
  }
  async function openLink(page: Page): Promise<void> {
    await page.goto(front.url + linkPath);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  }
  async function tap(page: Page, shot: string) {
    await page.getByRole('button', { name: 'Unlock Room 101' }).click();
    const outcome = await outcomeOf(page);
    await page.screenshot({ path: `${screenshotDir}/${shot}.png` });
    return outcome;
  }
  const availability = (page: Page) => page.evaluate(() => (navigator as Navigator & { bluetooth: { getAvailability(): Promise<boolean> } }).bluetooth.getAvailability());

  beforeAll(async () => {
    rig = await startWebRig();
    ({ server, front, browser } = rig);
    linkPath = new URL(server.instantKeyUrl!).pathname;
    bridge = rig.bridge!;
    await bridge.addLock(roomAddress, room101().lock);
    await openLink(browser.page);
  }, 60_000);

  afterAll(() => rig?.close());

  it('Bluetooth off (no adapter) → blue "Bluetooth is off"; back on → the same tap unlocks', async () => {
    const page = browser.page;
    bridge.standAt(roomAddress);
    const actuations = room101().lock.actuations;
    const chooserCount = bridge.prompts.length;
    await bridge.setCentralState('absent');
    try {
      expect(await availability(page)).toBe(false); // the browser's own view, not the page's
      const off = await tap(page, 'bluetooth-off');
      expect(off.state, off.text).toBe('bluetooth');
      expect(off.title).toBe('Bluetooth is off');
      expect(off.text).toContain('Turn Bluetooth on');
      expect(bridge.prompts.length).toBe(chooserCount); // no chooser was shown
      expect(room101().lock.actuations).toBe(actuations);
    } finally {
      await bridge.setCentralState('powered-on');
    }
    expect(await availability(page)).toBe(true);
    const on = await tap(page, 'bluetooth-back-on');
    expect(on.state, on.text).toBe('success');
    expect(on.title).toBe('Room 101 unlocked');
    expect(room101().lock.actuations).toBe(actuations + 1);
    expect(bridge.errors).toEqual([]);
  });

  it('the guest closes the chooser although the door is listed → amber "None of your doors is nearby"', async () => {
    const page = browser.page;
    bridge.standAt(roomAddress);
    const actuations = room101().lock.actuations;
    bridge.cancelNextChooser();
    const outcome = await tap(page, 'chooser-closed');
    expect(outcome.state, outcome.text).toBe('range');
    expect(outcome.title).toBe('None of your doors is nearby');
    expect(outcome.text).toContain('Your browser lists only your own doors');
    const prompt = bridge.prompts.at(-1)!;
    expect(prompt.answer).toBe('cancel');
    expect(prompt.devices).toContain(roomAddress);
    expect(room101().lock.actuations).toBe(actuations);
  });

  it('served with Permissions-Policy: bluetooth=() → "Bluetooth is blocked here", no chooser', async () => {
    const context = await browser.browser.newContext({ viewport: phoneViewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC', serviceWorkers: 'block' });
    try {
      const page = await context.newPage();
      await bridge.attachPage(page);
      let rewritten = 0;
      await page.route(`${front.url}/ik/**`, async (route) => {
        if (route.request().resourceType() !== 'document') return route.continue();
        const response = await route.fetch();
        rewritten++;
        await route.fulfill({ response, headers: { ...response.headers(), 'permissions-policy': 'bluetooth=()' } });
      });
      await openLink(page);
      expect(rewritten).toBe(1);
      expect(await availability(page)).toBe(false);
      const chooserCount = bridge.prompts.length;
      const actuations = room101().lock.actuations;
      bridge.standAt(roomAddress);
      const outcome = await tap(page, 'bluetooth-policy-blocked');
      expect(outcome.state, outcome.text).toBe('bluetooth');
      expect(outcome.title).toBe('Bluetooth is blocked here');
      expect(outcome.text).toContain('Open the link on its own');
      expect(bridge.prompts.length).toBe(chooserCount);
      expect(room101().lock.actuations).toBe(actuations);
    } finally {
      await context.close();
    }
  });

  it('Bluetooth blocked for this site in the browser’s settings → "Bluetooth permission denied", no chooser', async () => {
    // A profile whose site settings say Bluetooth: Block for the page's origin (Preferences, content setting bluetooth_guard = 2).
    const userDataDir = mkdtempSync(join(tmpdir(), 'latchkey-bt-denied-'));
    mkdirSync(join(userDataDir, 'Default'));
    const origin = new URL(front.url).origin;
    const preferences = { profile: { content_settings: { exceptions: { bluetooth_guard: { [`${origin},*`]: { setting: 2 } } } } } };
    writeFileSync(join(userDataDir, 'Default', 'Preferences'), JSON.stringify(preferences));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-blink-features=WebBluetooth'],
      viewport: phoneViewport,
      deviceScaleFactor: 1,
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      // Watch the chooser: it must not open (and a chooser nobody answers would hang the tap).
      const prompts: string[] = [];
      const session = await context.newCDPSession(page);
      session.on('DeviceAccess.deviceRequestPrompted', (event) => {
        if (prompts.includes(event.id)) return; // announced twice; answering twice crashes the browser
        prompts.push(event.id);
        void session.send('DeviceAccess.cancelPrompt', { id: event.id }).catch(() => undefined);
      });
      await session.send('DeviceAccess.enable', {});
      await openLink(page);
      expect(await availability(page)).toBe(false);
      const outcome = await tap(page, 'bluetooth-permission-denied');
      expect(outcome.state, outcome.text).toBe('bluetooth');
      expect(outcome.title).toBe('Bluetooth permission denied');
      expect(outcome.text).toContain('Allow Bluetooth for this site');
      expect(prompts).toEqual([]);
    } finally {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    }
  });
});
