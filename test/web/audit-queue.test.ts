/**
 * The audit queue in real Chromium: with the network off (playwright's context.setOffline) the page
 * reloads from the service worker and unlocks Room 101 over CDP Bluetooth emulation; the attempt's
 * record waits in IndexedDB (`body[data-audit-pending]`) and is not on the server. With the network
 * back the page uploads it by itself, and the operator's `/events/list` shows a `lock.unlocked`
 * for Room 101 with `verified_by_lock: true` (the server checked the lock's signature). Then the
 * same without a reload: a page that stays open retries by itself once the network is back, with a
 * queue at its bound of 500 (the oldest record is dropped and counted, the server keeps the count).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CdpBluetoothBridge } from './cdp-bridge.ts';
import { outcomeOf } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
let server: WebRig['server'];
let front: WebRig['front'];
let browser: WebRig['browser'];
let bridge: CdpBluetoothBridge;

beforeAll(async () => {
  rig = await startWebRig({ bridged: { 'Room 101': '02:00:00:00:02:01' }, standAt: '02:00:00:00:02:01' });
  ({ server, front, browser } = rig);
  bridge = rig.bridge!;
}, 60_000);

afterAll(async () => {
  if (bridge !== rig?.bridge) await bridge?.detach(); // the second test's own bridge
  await rig?.close();
});

/** Reads (or with `value`, writes) one key of the page's IndexedDB store (src/web/store.ts). */
function storeAt(page: Page, key: string, value?: unknown): Promise<unknown> {
  return page.evaluate(
    ({ key, value, write }) =>
      new Promise<unknown>((resolve, reject) => {
        const request = indexedDB.open('latchkey');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const transaction = request.result.transaction('kv', write ? 'readwrite' : 'readonly');
          const action = write ? transaction.objectStore('kv').put(value, key) : transaction.objectStore('kv').get(key);
          action.onerror = () => reject(action.error);
          transaction.oncomplete = () => {
            request.result.close();
            resolve(write ? undefined : action.result);
          };
        };
      }),
    { key, value, write: value !== undefined },
  );
}

async function eventsOf(entranceId: string): Promise<Record<string, unknown>[]> {
  const response = await fetch(`${server.url}/events/list`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.apiKey!}`, 'content-type': 'application/json' },
    body: JSON.stringify({ acs_entrance_id: entranceId }),
  });
  const body = (await response.json()) as { events: Record<string, unknown>[] };
  return body.events;
}

it('an unlock made offline is queued on the device and reaches the server, verified, once online', async () => {
  const { page, context } = browser;
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  const link = front.url + new URL(server.instantKeyUrl!).pathname;
  await page.goto(link);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await page.waitForSelector('body[data-offline="ready"]', { timeout: 10_000 });
  await page.waitForSelector('body[data-audit-pending="0"]', { timeout: 10_000 });
  expect(await eventsOf(room.acsEntranceId)).toEqual([]);

  await context.setOffline(true);
  try {
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Offline: using the keys saved on this device.', undefined, { timeout: 10_000 });
    const actuations = room.lock.actuations;
    await page.getByRole('button', { name: 'Unlock Room 101' }).click();
    const outcome = await outcomeOf(page);
    expect(outcome.state, outcome.text).toBe('success');
    expect(room.lock.actuations).toBe(actuations + 1);
    await page.waitForSelector('body[data-audit-pending="1"]', { timeout: 10_000 });
    const path = new URL(link).pathname;
    const queued = await storeAt(page, `audit:${path}`);
    const { records } = queued as { records: { path: string; outcome: string; acs_entrance_id: string; evidence: { lock_signature: string } | null }[] };
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ path: 'full', outcome: 'unlocked', acs_entrance_id: room.acsEntranceId });
    expect(records[0]!.evidence?.lock_signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(front.requests.filter((request) => request.includes('/instant_key_app/audit'))).toEqual([]);
    expect(await eventsOf(room.acsEntranceId)).toEqual([]); // still only on the device
  } finally {
    await context.setOffline(false);
  }

  // Back online: the page syncs by itself (its retry or the 'online' event), takes the fresh bundle
  // in place (no reload) and uploads the queue.
  await page.waitForFunction(() => document.body.dataset.auditPending === '0', undefined, { timeout: 15_000 });
  await page.waitForFunction(() => document.getElementById('status')?.textContent === '', undefined, { timeout: 15_000 });
  expect(front.requests).toContain('POST /instant_key_app/audit');
  const events = await eventsOf(room.acsEntranceId);
  expect(events).toHaveLength(1);
  expect(events[0]).toMatchObject({ event_type: 'lock.unlocked', acs_entrance_id: room.acsEntranceId, device_id: room.acsEntranceId, verified_by_lock: true, unlock_path: 'full' });
  expect(bridge.errors).toEqual([]);
});

it('a page that stays open uploads on its own when the network comes back (no reload); the queue keeps its bound', async () => {
  const { context } = browser;
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  // A fresh tab of the same browser profile (same IndexedDB: same phone) and a fresh Bluetooth
  // emulation: once the first tab navigated after its unlock, the emulated adapter was gone in this
  // Chromium (getAvailability() false in any tab), which is the harness, not the page.
  await browser.page.close();
  const page = await context.newPage();
  await bridge.detach();
  bridge = await CdpBluetoothBridge.attach(browser.browser, page);
  await bridge.addLock('02:00:00:00:02:01', room.lock);
  bridge.standAt('02:00:00:00:02:01');
  await page.goto(front.url + new URL(server.instantKeyUrl!).pathname);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await page.waitForSelector('body[data-audit-pending="0"]', { timeout: 10_000 });
  expect(await page.textContent('#status')).toBe('');
  const before = await eventsOf(room.acsEntranceId);

  const path = new URL(server.instantKeyUrl!).pathname;
  const { deviceId } = (await storeAt(page, `link:${path}`)) as { deviceId: string };
  await context.setOffline(true);
  try {
    // A queue already at its bound (500 records of a door this phone never had: the server will refuse them).
    const stale = Array.from({ length: 500 }, (_, index) => ({
      id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`, acs_entrance_id: '11111111-1111-4111-8111-111111111111', lock_id: 'AAAAAAAAAAA',
      occurred_at: new Date().toISOString(), path: 'resume', outcome: 'unlocked', code: null, evidence: null,
    }));
    await storeAt(page, `audit:${path}`, { records: stale, dropped_total: 0 });
    await page.getByRole('button', { name: 'Unlock Room 101' }).click();
    const outcome = await outcomeOf(page);
    expect(outcome.state, outcome.text).toBe('success');
    await page.waitForSelector('body[data-audit-pending="500"]', { timeout: 10_000 });
    const queue = (await storeAt(page, `audit:${path}`)) as { records: { id: string; path: string }[]; dropped_total: number };
    expect(queue.dropped_total).toBe(1); // the oldest went
    expect(queue.records[0]!.id).toBe(stale[1]!.id);
    expect(queue.records[499]!.path).toBe('full'); // the new one is kept
    expect(await eventsOf(room.acsEntranceId)).toHaveLength(before.length);
  } finally {
    await context.setOffline(false);
  }
  // Ten batches of 50; the refused ones are acknowledged too (they would never be accepted).
  await page.waitForFunction(() => document.body.dataset.auditPending === '0', undefined, { timeout: 30_000 });
  const events = await eventsOf(room.acsEntranceId);
  expect(events).toHaveLength(before.length + 1);
  expect(events[0]).toMatchObject({ event_type: 'lock.unlocked', verified_by_lock: true });
  expect(await server.context.repo.audit.droppedOf(deviceId)).toBe(1);
  expect(front.requests.filter((request) => request === 'POST /instant_key_app/audit').length).toBeGreaterThanOrEqual(10);
  expect(bridge.errors).toEqual([]);
});
