/**
 * A forwarded Instant Key link, in Chromium: a second browser context is a second device. It
 * registers as another phone of the same identity (phones/list), counts against the link's
 * max_use_count (a third device gets a clear page), unlocks, and is deactivated alone: once the
 * revocation reaches the lock the second device is refused and the first still unlocks.
 * Also: a revoked and an expired link show a clear page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { CdpBluetoothBridge } from './cdp-bridge.ts';
import { launchChromium, outcomeOf, phoneViewport, screenshotDir } from './browser.ts';
import { startFrontServer } from './front-server.ts';

const dayMs = 24 * 3600_000;

describe('Instant Key shared to a second device', () => {
  let server: RunningServer;
  let front: Awaited<ReturnType<typeof startFrontServer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let bridge: CdpBluetoothBridge;
  let clockOffsetMs = 0;
  let guestId = '';
  let linkPath = '';
  const roomAddress = '02:00:00:00:01:01';
  const contexts: BrowserContext[] = [];
  let first: Page;
  let second: Page;

  async function api<T>(path: string, body: unknown): Promise<T> {
    const response = await fetch(server.url + path, { method: 'POST', headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await response.json()) as T & { ok: boolean };
    if (!json.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
    return json;
  }
  function room101() {
    const found = [...server.property.doors.values()].find((d) => d.name === 'Room 101');
    if (found === undefined) throw new Error('no Room 101');
    return found;
  }
  /** A new device: its own browser context (own IndexedDB, own holder key), same browser and locks. */
  async function device(): Promise<Page> {
    const context = await browser.browser.newContext({ viewport: phoneViewport, deviceScaleFactor: 1, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(context);
    const page = await context.newPage();
    await bridge.attachPage(page);
    return page;
  }
  async function open(page: Page, path: string, ready: 'true' | 'error'): Promise<void> {
    await page.goto(front.url + path);
    await page.waitForSelector(`body[data-ready="${ready}"]`, { timeout: 20_000 });
  }
  async function tap(page: Page, shot: string) {
    bridge.standAt(roomAddress);
    await page.getByRole('button', { name: 'Unlock Room 101' }).click();
    const outcome = await outcomeOf(page);
    await page.screenshot({ path: `${screenshotDir}/${shot}.png` });
    return outcome;
  }
  async function deviceIdOf(page: Page): Promise<string> {
    return page.evaluate(async (key) => {
      const database = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('latchkey');
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
      return new Promise<string>((resolve) => {
        const request = database.transaction('kv').objectStore('kv').get(key);
        request.onsuccess = () => resolve((request.result as { deviceId: string }).deviceId);
      });
    }, `link:${linkPath}`);
  }
  async function phoneIds(): Promise<string[]> {
    const { phones } = await api<{ phones: { device_id: string }[] }>('/phones/list', { owner_user_identity_id: guestId });
    return phones.map((phone) => phone.device_id);
  }

  beforeAll(async () => {
    server = await startServer({ port: 0, dbPath: ':memory:', logLevel: 'silent', clock: () => Date.now() + clockOffsetMs });
    front = await startFrontServer(server.url);
    browser = await launchChromium({ webBluetooth: true });
    first = browser.page;
    bridge = await CdpBluetoothBridge.attach(browser.browser, first);
    await bridge.addLock(roomAddress, room101().lock);
    guestId = (await server.context.repo.identities.getUserIdentityByKey(server.workspaceId!, 'demo-guest'))!.user_identity_id;
    const { instant_key } = await api<{ instant_key: { instant_key_url: string } }>('/user_identities/generate_instant_key', { user_identity_id: guestId, max_use_count: 2 });
    linkPath = new URL(instant_key.instant_key_url).pathname;
  }, 60_000);

  afterAll(async () => {
    await bridge?.detach();
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await front?.close();
    await server?.close();
  });

  it('the link opened on a second device registers another phone of the same identity, and both unlock', async () => {
    const before = await phoneIds();
    await open(first, linkPath, 'true');
    expect((await tap(first, 'share-first-device')).state).toBe('success');
    second = await device();
    await open(second, linkPath, 'true');
    expect(await second.$$eval('.door-name', (elements) => elements.map((e) => e.textContent))).toContain('Room 101');
    const firstId = await deviceIdOf(first);
    const secondId = await deviceIdOf(second);
    expect(secondId).not.toBe(firstId);
    expect(await phoneIds()).toEqual([...before, firstId, secondId]);
    const actuations = room101().lock.actuations;
    const outcome = await tap(second, 'share-second-device');
    expect(outcome.state, outcome.text).toBe('success');
    expect(room101().lock.actuations).toBe(actuations + 1);
    expect(bridge.errors).toEqual([]);
  });

  it('a third device beyond max_use_count gets a clear page and registers no phone', async () => {
    const before = await phoneIds();
    const third = await device();
    await open(third, linkPath, 'error');
    expect(await third.textContent('#feedback h2')).toBe('This Instant Key is on too many devices');
    expect(await third.textContent('#identity')).toBe('This link is already in use');
    expect(await third.$$('.door-unlock')).toHaveLength(0);
    await third.screenshot({ path: `${screenshotDir}/link-too-many-devices.png` });
    expect(await phoneIds()).toEqual(before);
  });

  it('phones/deactivate of the second device: once the lock has the update it refuses that device only', async () => {
    const secondId = await deviceIdOf(second);
    await api('/phones/deactivate', { device_id: secondId });
    expect(await phoneIds()).not.toContain(secondId);
    expect(await phoneIds()).toContain(await deviceIdOf(first));
    const entrance = (await server.context.repo.directory.entranceById(room101().acsEntranceId))!;
    const applied = bridge.maintenanceUpdate(roomAddress, new Uint8Array(entrance.update_bytes!));
    expect(applied.some((output) => output.type === 'audit' && output.record.event === 'update_applied')).toBe(true);
    const actuations = room101().lock.actuations;
    const refused = await tap(second, 'share-second-device-revoked');
    expect(refused.state).toBe('refused');
    expect(refused.title).toBe('This key was revoked');
    expect(room101().lock.actuations).toBe(actuations);
    const still = await tap(first, 'share-first-device-still-unlocks');
    expect(still.state, still.text).toBe('success');
    expect(room101().lock.actuations).toBe(actuations + 1);
    // Reopening the link on the removed device says so (and gets no new keys).
    await open(second, linkPath, 'error');
    expect(await second.textContent('#feedback h2')).toBe('This device was removed from the key');
    await second.screenshot({ path: `${screenshotDir}/device-removed.png` });
  });

  it('a revoked link shows a clear page on a new device and on one that had it', async () => {
    const { instant_key } = await api<{ instant_key: { instant_key_id: string; instant_key_url: string } }>('/user_identities/generate_instant_key', { user_identity_id: guestId });
    const path = new URL(instant_key.instant_key_url).pathname;
    const had = await device();
    await open(had, path, 'true');
    await api('/instant_keys/delete', { instant_key_id: instant_key.instant_key_id });
    await open(had, path, 'error');
    expect(await had.textContent('#feedback h2')).toBe('This Instant Key has expired or was revoked');
    const fresh = await device();
    await open(fresh, path, 'error');
    expect(await fresh.textContent('#feedback h2')).toBe('This Instant Key has expired or was revoked');
    expect(await fresh.innerText('body')).not.toMatch(/not_found|HTTP \d|Error:/);
    await fresh.screenshot({ path: `${screenshotDir}/link-revoked.png` });
  });

  it('an expired link (its stay over) shows a clear page', async () => {
    clockOffsetMs = 400 * dayMs; // every grant has ended and the link's default lifetime is past
    const fresh = await device();
    await open(fresh, linkPath, 'error');
    expect(await fresh.textContent('#feedback h2')).toBe('This Instant Key has expired or was revoked');
    await fresh.screenshot({ path: `${screenshotDir}/link-expired.png` });
  });
});
