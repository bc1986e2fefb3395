/**
 * Simulator mode: Chromium WITHOUT Web Bluetooth opens the demo guest's "Try in simulator" link from
 * the door dashboard; the page's own Web Bluetooth transport runs on `SimulatedBluetooth`, a Web
 * Bluetooth implementation bridged over a WebSocket to the server's virtual radio
 * (src/server/routes/simulator.ts). A granted door unlocks (the dashboard's count changes), a door not
 * on the key is refused, and the simulator routes refuse without their tokens.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { connect } from 'node:net';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../src/server/index.ts';
import { launchChromium, outcomeOf, screenshotDir, openDashboard } from './browser.ts';

/** The page's own bound on one unlock (src/web/app.ts). */
const unlockTimeoutMs = 8_000;

let server: RunningServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let dashboard: Page;

beforeAll(async () => {
  server = await startServer({ port: 0, dbPath: ':memory:', logLevel: 'silent' });
  browser = await launchChromium({ webBluetooth: false });
  dashboard = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function deviceOf(name: string): string {
  return [...server.property.doors.values()].find((door) => door.name === name)!.deviceId;
}

async function standAt(guest: Page, name: string): Promise<void> {
  const deviceId = deviceOf(name);
  await guest.selectOption('#sim-door', deviceId);
  await guest.waitForSelector(`body[data-sim-standing="${deviceId}"]`, { timeout: 5_000 });
}

/** Opens the simulator socket; resolves with the socket, or the HTTP status the upgrade was refused with. */
function openSocket(query: string): Promise<WebSocket | number> {
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/sim/ws${query}`);
  return new Promise((resolve) => {
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
  });
}

function ask(socket: WebSocket, message: string | Buffer): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    socket.once('message', (data) => resolve(JSON.parse(String(data)) as Record<string, unknown>));
    socket.send(message);
  });
}

async function simulatorToken(): Promise<string> {
  const links = (await (await fetch(`${server.url}/sim/links`, { headers: { authorization: `Bearer ${server.apiKey!}` } })).json()) as { links: { simulator_url: string }[] };
  return new URL(links.links[0]!.simulator_url).searchParams.get('sim')!;
}

it('an upgrade to a path that is no URL is refused, and the server lives on', async () => {
  const { port } = new URL(server.url);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET // HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => (text += String(chunk)));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  expect(reply).toMatch(/^HTTP\/1\.1 400/);
  expect((await fetch(server.url + '/sim/links')).status).toBe(401); // still serving
});

it('a page that closes while connecting leaves no link on the lock', async () => {
  const token = await simulatorToken();
  const connectAndLeave = async () => {
    const socket = await openSocket(`?token=${token}`);
    if (typeof socket === 'number') throw new Error(`refused: ${socket}`);
    const session = await ask(socket, JSON.stringify({ id: 1, op: 'session' }));
    const elevator = (session['doors'] as { device_id: string; name: string }[]).find((door) => door.name === 'Elevator')!;
    await ask(socket, JSON.stringify({ id: 2, op: 'stand', device_id: elevator.device_id }));
    socket.send(JSON.stringify({ id: 3, op: 'connect', device_id: elevator.device_id, mtu: 247, timeout_ms: 2_000 }));
    socket.close(); // before the answer
    await new Promise((resolve) => socket.once('close', resolve));
    return elevator.device_id;
  };
  // The lock takes 2 connections at once: three pages that leave mid-connect must not use them up.
  for (let i = 0; i < 3; i++) await connectAndLeave();
  const socket = await openSocket(`?token=${token}`);
  if (typeof socket === 'number') throw new Error(`refused: ${socket}`);
  try {
    const session = await ask(socket, JSON.stringify({ id: 1, op: 'session' }));
    const elevator = (session['doors'] as { device_id: string; name: string }[]).find((door) => door.name === 'Elevator')!;
    for (let i = 0; i < 2; i++) {
      const answer = await ask(socket, JSON.stringify({ id: 10 + i, op: 'connect', device_id: elevator.device_id, mtu: 247, timeout_ms: 2_000 }));
      expect(answer, JSON.stringify(answer)).toMatchObject({ ok: true, connection_id: expect.any(Number) });
      const challenge = await ask(socket, JSON.stringify({ id: 20 + i, op: 'read', connection_id: answer['connection_id'], characteristic: 'challenge' }));
      expect(challenge, JSON.stringify(challenge)).toMatchObject({ ok: true, value: expect.any(String) }); // the lock serves this link
    }
  } finally {
    socket.close();
  }
});

it('refuses the simulator without an API key or a simulator token', async () => {
  expect((await fetch(server.url + '/sim/links')).status).toBe(401);
  expect((await fetch(server.url + '/sim/links?key=seam_cst_nope')).status).toBe(401);
  expect(await openSocket('')).toBe(401);
  expect(await openSocket('?token=not-a-token')).toBe(401);
});

it('answers malformed simulator messages with an error and keeps the socket', async () => {
  const token = await simulatorToken();
  const socket = await openSocket(`?token=${token}`);
  if (typeof socket === 'number') throw new Error(`refused: ${socket}`);
  try {
    const bad: [string | Buffer, string][] = [
      ['not json', 'invalid_input'],
      ['[1, 2]', 'invalid_input'],
      [JSON.stringify({ id: 1, op: 'format_disk' }), 'invalid_input'],
      [JSON.stringify({ id: 2, op: 'scan', duration_ms: 60_000 }), 'invalid_input'],
      [JSON.stringify({ id: 3, op: 'connect', device_id: 'lock-999', mtu: 247, timeout_ms: 100 }), 'not_found'],
      [JSON.stringify({ id: 4, op: 'write', connection_id: 1, characteristic: 'exchange', value: '!!', with_response: true }), 'invalid_input'],
      [JSON.stringify({ id: 5, op: 'read', connection_id: 1, characteristic: 'secrets' }), 'invalid_input'],
      [Buffer.from([1, 2, 3]), 'invalid_input'],
    ];
    for (const [message, type] of bad) {
      const answer = await ask(socket, message);
      expect(answer['ok'], String(message)).toBe(false);
      expect((answer['error'] as { type: string }).type, String(message)).toBe(type);
    }
    const session = await ask(socket, JSON.stringify({ id: 6, op: 'session' }));
    expect(session).toMatchObject({ id: 6, ok: true });
    expect((session['doors'] as unknown[]).length).toBeGreaterThan(0);
    // A read on a connection that does not exist is a radio answer (disconnected), not an error.
    expect(await ask(socket, JSON.stringify({ id: 7, op: 'read', connection_id: 99, characteristic: 'challenge' }))).toMatchObject({ id: 7, ok: true, failure: { transport: 'transport_disconnected' } });
  } finally {
    socket.close();
  }
});

it('the dashboard link opens the guest page in simulator mode: a granted door unlocks, a door not on the key is refused', async () => {
  await openDashboard(dashboard, server.url, server.apiKey!);
  await dashboard.waitForFunction(() => document.getElementById('connection')?.textContent === 'Live', undefined, { timeout: 10_000 });
  const link = dashboard.getByRole('link', { name: 'Try in simulator: Jane Doe' });
  const href = await link.getAttribute('href');
  expect(href).toMatch(new RegExp(`^${server.url}/ik/[^?]+\\?sim=`));
  expect(await dashboard.textContent('tr[data-door="Room 101"] .count')).toBe('0');

  const [guest] = await Promise.all([browser.context.waitForEvent('page'), link.click()]);
  await guest.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  expect(await guest.evaluate(() => 'bluetooth' in navigator)).toBe(false);
  expect(await guest.textContent('#simulator')).toContain('Simulator mode');
  expect(await guest.getAttribute('#feedback', 'data-state')).toBeNull(); // not the "unsupported" panel
  expect(await guest.getByRole('button', { name: 'Unlock Room 101' }).isEnabled()).toBe(true);

  // Away from every door: nothing in range.
  await guest.getByRole('button', { name: 'Unlock Room 101' }).click();
  expect((await outcomeOf(guest)).state).toBe('range');

  await standAt(guest, 'Room 101');
  await guest.getByRole('button', { name: 'Unlock Room 101' }).click();
  const success = await outcomeOf(guest);
  expect(success.state).toBe('success');
  // Tap→unlock in virtual radio time: the chooser's 300 ms scan window, then connection set-up and
  // the exchange's link events (docs/WEBAPP.md records the figures).
  const firstVirtualMs = Number(await guest.getAttribute('#feedback', 'data-virtual-ms'));
  expect(firstVirtualMs).toBeGreaterThanOrEqual(300);
  expect(firstVirtualMs).toBeLessThan(unlockTimeoutMs);
  expect(success.text).toContain(`Virtual radio: ${firstVirtualMs} ms from tap to answer`);
  expect(server.property.doors.get([...server.property.doors.values()].find((d) => d.name === 'Room 101')!.acsEntranceId)!.lock.actuations).toBe(1);
  await dashboard.waitForFunction(() => document.querySelector('tr[data-door="Room 101"] .count')?.textContent === '1', undefined, { timeout: 5_000 });
  expect(await dashboard.textContent('tr[data-door="Room 101"] .events')).toContain('unlocked');
  await guest.screenshot({ path: `${screenshotDir}/simulator-unlocked.png` });

  // Room 102 is not on Jane's key: the scan looks for her doors only, so it is never chosen. From
  // there the virtual radio may still hear her Room 101 next door, too far to keep a link: either
  // way an amber "not here" answer, and Room 102's lock never actuates.
  await standAt(guest, 'Room 102');
  await guest.getByRole('button', { name: 'Unlock the door in front of me' }).click();
  const refused = await outcomeOf(guest);
  expect(refused.state, refused.text).toBe('range');
  expect(['None of your doors is nearby', 'Connection lost', 'The lock didn’t answer']).toContain(refused.title);
  if (refused.title === 'None of your doors is nearby') expect(refused.text).toContain('Standing at');
  const room102 = [...server.property.doors.values()].find((d) => d.name === 'Room 102')!;
  expect(room102.lock.actuations).toBe(0);
  expect(await dashboard.textContent('tr[data-door="Room 102"] .count')).toBe('0');
  await guest.screenshot({ path: `${screenshotDir}/simulator-refused.png` });

  // Back at Room 101: the "door in front of me" unlocks again (the resumption ticket or a full exchange).
  await standAt(guest, 'Room 101');
  await guest.getByRole('button', { name: 'Unlock the door in front of me' }).click();
  expect((await outcomeOf(guest)).state).toBe('success');
  const againVirtualMs = Number(await guest.getAttribute('#feedback', 'data-virtual-ms'));
  expect(againVirtualMs).toBeGreaterThanOrEqual(300);
  console.log(`simulator tap→unlock in virtual radio time: first ${firstVirtualMs} ms, again ${againVirtualMs} ms`);
  await dashboard.waitForFunction(() => document.querySelector('tr[data-door="Room 101"] .count')?.textContent === '2', undefined, { timeout: 5_000 });
  expect(await dashboard.getAttribute('tr[data-door="Room 101"]', 'data-state')).toBe('unlocked');
  // The server lets virtual time run after the last operation, so the door relocks (5 s) with no further tap.
  await dashboard.waitForSelector('tr[data-door="Room 101"][data-state="locked"]', { timeout: 8_000 });
}, 30_000);

it('a simulator link with an unknown token says so instead of falling back to Bluetooth', async () => {
  const page = await browser.context.newPage();
  await page.goto(server.instantKeyUrl! + '?sim=not-a-token');
  await page.waitForSelector('body[data-ready="error"]', { timeout: 20_000 });
  expect(await page.textContent('#feedback h2')).toBe('This simulator link no longer works');
  await page.close();
});
