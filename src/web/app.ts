/**
 * The Instant Key page (browser bundle entry). On open: make or load this browser's holder key,
 * exchange the link for this identity's credentials (src/web/api.ts), list the doors; on a tap:
 * let the guest choose the lock in the browser's Bluetooth chooser and run the core unlock client
 * (src/phone/unlock-client.ts) over Web Bluetooth with the pure-JS crypto provider.
 *
 * State the tests read: `body[data-ready]` once the doors are listed, and `#feedback[data-state]`
 * plus `data-tap-ms` / `data-exchange-ms` (wall ms from tap, and from the chosen device, to the
 * outcome) after each attempt, and in simulator mode `data-virtual-ms` (virtual radio ms from tap).
 */
import { toHex } from '../protocol/bytes.ts';
import { createNobleProvider } from '../protocol/crypto/noble.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import type { HolderSigner } from '../protocol/unlock/phone-exchange.ts';
import { Wallet } from '../phone/wallet.ts';
import { UnlockClient } from '../phone/unlock-client.ts';
import { ApiRefusal, loadBundle, type Bundle } from './api.ts';
import { recordUnlockAttempt, uploadAuditQueue, uploadAuditWhenOnline } from './audit-queue.ts';
import { fromBase64Url } from './base64url.ts';
import { bluetoothOf } from './bluetooth-types.ts';
import { applyCustomization, logoSource } from './branding.ts';
import { chooserFeedback, formatTime, linkFeedback, outcomeFeedback, refusalFeedback, unsupportedFeedback, type Feedback } from './feedback.ts';
import { browserHolder } from './holder-key.ts';
import { keepShellOffline } from './shell.ts';
import { lockIdFromName, lockNameOf } from './lock-name.ts';
import { SimulatedBluetooth, type SimulatedDoor } from './simulated-bluetooth.ts';
import { ChooserError, WebBluetoothTransport, webMtu } from './web-bluetooth-transport.ts';

interface Door {
  name: string;
  lockId: Uint8Array;
  notBeforeS: number | undefined;
  expiresAtS: number | undefined;
}

const unlockTimeoutMs = 8_000;
/** Glyphs every system font has (a missing one renders as an empty box). */
const icons: Record<Feedback['state'], string> = { working: '…', success: '✓', refused: '✕', range: '⚠', bluetooth: '!', unsupported: '!', error: '!' };

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`page is missing #${id}`);
  return found as T;
}

function show(feedback: Feedback, timing?: { tapMs: number; exchangeMs: number; virtualMs?: number | undefined }): void {
  const panel = element<HTMLElement>('feedback');
  panel.hidden = false;
  panel.dataset.state = feedback.state;
  panel.replaceChildren();
  delete panel.dataset.tapMs;
  delete panel.dataset.exchangeMs;
  delete panel.dataset.virtualMs;
  const icon = document.createElement('span');
  icon.className = 'icon';
  icon.setAttribute('aria-hidden', 'true');
  icon.textContent = icons[feedback.state];
  const text = document.createElement('div');
  const title = document.createElement('h2');
  title.textContent = feedback.title;
  const detail = document.createElement('p');
  detail.textContent = feedback.detail;
  text.append(title, detail);
  // Only an answer from the lock gets a timing line (a timeout's "answer time" would mislead).
  if (timing !== undefined && (feedback.state === 'success' || feedback.state === 'refused')) {
    panel.dataset.tapMs = String(Math.round(timing.tapMs));
    panel.dataset.exchangeMs = String(Math.round(timing.exchangeMs));
    const line = document.createElement('p');
    line.className = 'timing';
    line.textContent = `Lock answered in ${Math.round(timing.exchangeMs)} ms`;
    text.append(line);
    if (timing.virtualMs !== undefined) {
      // Simulator mode: the wall time above is mostly HTTP to the server; this is the radio's own time.
      panel.dataset.virtualMs = String(Math.round(timing.virtualMs));
      const radio = document.createElement('p');
      radio.className = 'timing';
      radio.textContent = `Virtual radio: ${Math.round(timing.virtualMs)} ms from tap to answer`;
      text.append(radio);
    }
  }
  panel.append(icon, text);
  panel.scrollIntoView({ block: 'nearest' }); // a door low on the list must not hide the answer
}

function walletFromBundle(bundle: Bundle, holder: Wallet['holder'], crypto: ReturnType<typeof createNobleProvider>): { wallet: Wallet; doors: Door[] } {
  const keysOf = (keys: Bundle['trusted_issuers']) => keys.map((key) => ({ kid: fromBase64Url(key.kid), algorithm: key.algorithm, publicKey: fromBase64Url(key.public_key) }));
  // A bundle stored by an older page has no update_keys: the issuer keys then play both roles.
  const wallet = new Wallet({ crypto, holder, trustedIssuers: keysOf(bundle.trusted_issuers), ...(bundle.update_keys ? { updateKeys: keysOf(bundle.update_keys) } : {}) });
  for (const entry of bundle.credentials) wallet.addCredential(fromBase64Url(entry.credential));
  const doors: Door[] = [];
  for (const cert of bundle.lock_certificates) {
    const lockId = fromBase64Url(cert.lock_id);
    wallet.addLockCertificate(fromBase64Url(cert.certificate), lockId);
    const claims = wallet.credentialFor(lockId)?.claims;
    doors.push({ name: cert.display_name, lockId, notBeforeS: claims?.notBeforeS, expiresAtS: claims?.expiresAtS });
  }
  for (const entry of bundle.lock_updates) {
    try {
      wallet.carryUpdate(fromBase64Url(entry.update)); // revocations the locks learn from us
    } catch {
      // An update that does not verify is not carried; the lock would reject it anyway.
    }
  }
  doors.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  return { wallet, doors };
}

function renderDoors(doors: Door[], onUnlock: (door: Door) => void, enabled: boolean): void {
  const list = element<HTMLUListElement>('doors');
  list.replaceChildren();
  for (const door of doors) {
    const item = document.createElement('li');
    const text = document.createElement('div');
    const name = document.createElement('div');
    name.className = 'door-name';
    name.textContent = door.name;
    const validity = document.createElement('div');
    validity.className = 'door-validity';
    const startsLater = door.notBeforeS !== undefined && door.notBeforeS * 1000 > Date.now();
    validity.textContent = door.expiresAtS === undefined ? '' : `${startsLater ? `From ${formatTime(door.notBeforeS!)} until` : 'Until'} ${formatTime(door.expiresAtS)}`;
    text.append(name, validity);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'door-unlock';
    button.textContent = 'Unlock';
    button.setAttribute('aria-label', `Unlock ${door.name}`);
    button.disabled = !enabled;
    button.addEventListener('click', () => onUnlock(door));
    item.append(text, button);
    list.append(item);
  }
  if (doors.length === 0) list.append(Object.assign(document.createElement('li'), { textContent: 'No doors yet: your access may not have started.' }));
}

/** `?sim=<token>` (the dashboard's "Try in simulator" link): the server's virtual radio, never in production links. */
function simulatorToken(): string | undefined {
  const token = new URLSearchParams(location.search).get('sim');
  return token === null || token === '' ? undefined : token;
}

/** The visible "Simulator mode" banner, with where the simulated phone stands. */
async function startSimulator(simulator: SimulatedBluetooth): Promise<void> {
  const banner = document.createElement('section');
  banner.id = 'simulator';
  banner.setAttribute('aria-label', 'Simulator mode');
  const title = document.createElement('strong');
  title.textContent = 'Simulator mode';
  const detail = document.createElement('span');
  detail.textContent = ' — virtual doors on the server, not Bluetooth.';
  const label = document.createElement('label');
  label.textContent = 'Standing at ';
  const select = document.createElement('select');
  select.id = 'sim-door';
  const { doors, standing } = await simulator.session();
  const option = (value: string, text: string) => Object.assign(document.createElement('option'), { value, textContent: text });
  select.append(option('', 'no door (away)'), ...doors.map((door: SimulatedDoor) => option(door.deviceId, door.name)));
  select.value = standing ?? '';
  select.addEventListener('change', () => {
    document.body.dataset.simStanding = 'moving';
    void simulator.stand(select.value === '' ? undefined : select.value).then(
      () => (document.body.dataset.simStanding = select.value),
      () => (document.body.dataset.simStanding = 'failed'),
    );
  });
  label.append(select);
  banner.append(title, detail, label);
  document.querySelector('header')?.after(banner);
  document.body.dataset.simStanding = standing ?? '';
}

async function main(): Promise<void> {
  const simToken = simulatorToken();
  let simulated: SimulatedBluetooth | undefined;
  if (simToken !== undefined) {
    try {
      simulated = await SimulatedBluetooth.open(simToken);
      await startSimulator(simulated);
    } catch {
      element('identity').textContent = 'Simulator unavailable';
      show({ state: 'error', title: 'This simulator link no longer works', detail: 'Open “Try in simulator” again from the door dashboard (a server restart forgets simulator links).' });
      element<HTMLElement>('doors-heading').hidden = true;
      element<HTMLButtonElement>('unlock-nearby').hidden = true;
      document.body.dataset.ready = 'error';
      return;
    }
  }
  // Simulator mode swaps only the radio under Web Bluetooth: the page's transport is the same.
  const bluetooth = simulated ?? bluetoothOf(navigator);
  if (bluetooth === undefined) show(unsupportedFeedback);
  const crypto = createNobleProvider();
  const holder = await browserHolder();
  let bundle: Bundle;
  let source: string;
  try {
    ({ bundle, source } = await loadBundle(location.origin + location.pathname, holder, crypto));
  } catch (error) {
    const { headline, feedback } = linkFeedback(error instanceof ApiRefusal ? error : undefined);
    element('identity').textContent = headline;
    show(feedback);
    element<HTMLElement>('doors-heading').hidden = true;
    element<HTMLButtonElement>('unlock-nearby').hidden = true;
    document.body.dataset.ready = 'error';
    return;
  }
  const { wallet, doors } = walletFromBundle(bundle, holder, crypto);
  applyCustomization(bundle.customization);
  element('identity').textContent = `${doors.length} door${doors.length === 1 ? '' : 's'} on this key`;
  element('status').textContent = source === 'stored' ? 'Offline: using the keys saved on this device.' : '';
  if (bluetooth === undefined) {
    renderDoors(doors, () => undefined, false);
    document.body.dataset.ready = 'true';
    return;
  }
  const transport = new WebBluetoothTransport({ bluetooth });
  const client = new UnlockClient({ wallet, crypto, random: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)), transport });
  const unlock = unlocker({ transport, client, doors, radioTimeMs: simulated && (() => simulated.radioTimeMs()) });
  const nearby = element<HTMLButtonElement>('unlock-nearby');
  nearby.disabled = doors.length === 0;
  nearby.addEventListener('click', () => unlock(undefined));
  renderDoors(doors, (door) => unlock(door), true);
  document.body.dataset.ready = 'true';
  offline(logoSource(bundle.customization, location.origin));
  uploadAuditWhenOnline(location.origin + location.pathname); // unlock records queued earlier (offline)
  if (source === 'stored') resyncWhenOnline(holder, crypto);
}

const resyncRetryMs = 3_000;

/**
 * Loaded offline: once the network is back (the 'online' event, or a retry every few seconds: a
 * page loaded offline does not always get the event), sync — new grants, revocation updates to carry
 * to the locks — then reload the page with the fresh bundle, never in the middle of an unlock.
 */
function resyncWhenOnline(holder: HolderSigner, crypto: CryptoProvider): void {
  let running = false;
  let done = false;
  const attempt = async () => {
    if (running || done) return;
    running = true;
    try {
      const { source } = await loadBundle(location.origin + location.pathname, holder, crypto);
      if (source === 'stored') return; // still offline
      await uploadAuditQueue(location.origin + location.pathname); // before the reload cuts it short
    } catch {
      // Refused (link revoked, device removed): the reload shows the page that says so.
    } finally {
      running = false;
    }
    done = true;
    clearInterval(timer);
    const reloadWhenIdle = () => (element('feedback').dataset.state === 'working' ? setTimeout(reloadWhenIdle, 500) : location.reload());
    reloadWhenIdle();
  };
  const timer = setInterval(() => void attempt(), resyncRetryMs);
  window.addEventListener('online', () => void attempt());
}

/** The app shell (and the workspace's logo) into the service worker's cache; `body[data-offline]` says whether it worked. */
function offline(logo: string | undefined): void {
  const script = document.querySelector<HTMLScriptElement>('script[src]')?.getAttribute('src') ?? '/ik-app/app.js';
  const sameOriginLogo = logo?.startsWith(`${location.origin}/ik/logo/`) ? [logo] : [];
  keepShellOffline(script, sameOriginLogo).then(
    (ok) => (document.body.dataset.offline = ok ? 'ready' : 'unsupported'),
    () => (document.body.dataset.offline = 'failed'),
  );
}

/** The tap handler: chooser first (it needs the click's user activation), then the exchange. */
function unlocker(context: { transport: WebBluetoothTransport; client: UnlockClient; doors: Door[]; radioTimeMs: (() => number) | undefined }): (door: Door | undefined) => void {
  let busy = false;
  const byLock = new Map(context.doors.map((door) => [toHex(door.lockId), door]));
  const known = context.doors.map((door) => door.lockId);
  return (door) => {
    if (busy) return;
    busy = true;
    const tapped = performance.now();
    const radioAtTap = context.radioTimeMs?.(); // simulator mode: virtual radio time
    const chooser = context.transport.chooseLock(door === undefined ? undefined : lockNameOf(door.lockId));
    show({ state: 'working', title: door ? `Unlocking ${door.name}…` : 'Looking for your door…', detail: 'Choose the door if your browser asks.' });
    void (async () => {
      try {
        const device = await chooser;
        const chosen = performance.now();
        const lockId = lockIdFromName(device.name, known);
        if (lockId === undefined) return show(refusalFeedback('credential_wrong_door', { name: device.name ? `this door (${device.name})` : 'this door' }));
        const target = byLock.get(toHex(lockId))!;
        context.transport.useDevice(device, lockId);
        const outcome = await context.client.unlock({ lockId, mtu: webMtu, useAdvertisedChallenge: false, timeoutMs: unlockTimeoutMs });
        const done = performance.now();
        void recordUnlockAttempt(location.origin + location.pathname, lockId, outcome); // the audit queue (offline too)
        const virtualMs = radioAtTap === undefined ? undefined : context.radioTimeMs!() - radioAtTap;
        show(outcomeFeedback(outcome, target), { tapMs: done - tapped, exchangeMs: done - chosen, virtualMs });
      } catch (error) {
        if (error instanceof ChooserError) return show(chooserFeedback(error.reason));
        show({ state: 'error', title: 'Something went wrong', detail: `${error instanceof Error ? error.message : String(error)}. Tap Unlock to try again.` });
      } finally {
        busy = false;
      }
    })();
  };
}

void main();
