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
import { ApiRefusal, bootRegistration, registerLink, storedLinkSession, syncLink, type Bundle, type LinkSession } from './api.ts';
import { recordUnlockAttempt, uploadAuditWhenOnline } from './audit-queue.ts';
import { fromBase64Url } from './base64url.ts';
import { bluetoothOf } from './bluetooth-types.ts';
import { applyCustomization, logoSource } from './branding.ts';
import { chooserFeedback, formatTime, relockAfterMs, linkFeedback, outcomeFeedback, refusalFeedback, unsupportedFeedback, type Feedback } from './feedback.ts';
import { browserHolder } from './holder-key.ts';
import { keepShellOffline } from './shell.ts';
import { lockIdFromName, lockNameOf } from './lock-name.ts';
import { SimulatedBluetooth, type SimulatedDoor } from './simulated-bluetooth.ts';
import { ChooserError, WebBluetoothTransport, webMtu } from './web-bluetooth-transport.ts';

interface Door {
  name: string;
  /** Used by other guests too (lobby, lift, gym): listed after the guest's own room. */
  shared: boolean;
  lockId: Uint8Array;
  notBeforeS: number | undefined;
  expiresAtS: number | undefined;
}

const unlockTimeoutMs = 8_000;
/** Glyphs every system font has (a missing one renders as an empty box). */
const icons: Record<Feedback['state'] | 'locked', string> = { working: '…', success: '✓', refused: '✕', range: '⚠', bluetooth: '!', unsupported: '!', error: '!', locked: '✓' };
/** `?debug`: the developer timings are shown open (else folded under "Details"). */
const debug = new URLSearchParams(location.search).has('debug');
let relockTimer: ReturnType<typeof setInterval> | undefined;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`page is missing #${id}`);
  return found as T;
}

function show(feedback: Feedback | (Omit<Feedback, 'state'> & { state: 'locked' }), timing?: { tapMs: number; exchangeMs: number; virtualMs?: number | undefined }): void {
  const panel = element<HTMLElement>('feedback');
  clearInterval(relockTimer);
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
  // Only an answer from the lock gets a timing line (a timeout's "answer time" would mislead); for
  // developers, folded under "Details" (open with ?debug): a guest needs the door, not the milliseconds.
  if (timing !== undefined && (feedback.state === 'success' || feedback.state === 'refused')) {
    panel.dataset.tapMs = String(Math.round(timing.tapMs));
    panel.dataset.exchangeMs = String(Math.round(timing.exchangeMs));
    const details = document.createElement('details');
    details.className = 'timing';
    details.open = debug;
    const summary = document.createElement('summary');
    summary.textContent = 'Details';
    const line = document.createElement('p');
    line.textContent = `Lock answered in ${Math.round(timing.exchangeMs)} ms`;
    details.append(summary, line);
    if (timing.virtualMs !== undefined) {
      // Simulator mode: the wall time above is mostly HTTP to the server; this is the radio's own time.
      panel.dataset.virtualMs = String(Math.round(timing.virtualMs));
      const radio = document.createElement('p');
      radio.textContent = `Virtual radio: ${Math.round(timing.virtualMs)} ms from tap to answer`;
      details.append(radio);
    }
    text.append(details);
  }
  panel.append(icon, text);
  panel.scrollIntoView({ block: 'nearest' }); // a door low on the list must not hide the answer
}

/**
 * After an unlock: "Locks again in N s" counting down from the lock's answer, then "Locked again"
 * on time (`#feedback[data-relock-at]`: the wall time it relocks), and a short vibration where the
 * browser has one (Android Chrome; iPhone browsers have none).
 */
function startRelockCountdown(door: Door): void {
  const panel = element<HTMLElement>('feedback');
  const relockAt = Date.now() + relockAfterMs;
  panel.dataset.relockAt = String(relockAt);
  const line = document.createElement('p');
  line.className = 'countdown';
  panel.querySelector('h2')?.after(line);
  const tick = () => {
    const left = relockAt - Date.now();
    if (left <= 0) {
      show({ state: 'locked', title: `${door.name} locked again`, detail: 'Tap Unlock to open it again.' });
      delete panel.dataset.relockAt;
      return;
    }
    line.textContent = `Locks again in ${Math.ceil(left / 1000)} s`;
  };
  tick();
  relockTimer = setInterval(tick, 250);
  (navigator as Navigator & { vibrate?: (pattern: number | number[]) => boolean }).vibrate?.(120);
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
    doors.push({ name: cert.display_name, shared: cert.is_shared === true, lockId, notBeforeS: claims?.notBeforeS, expiresAtS: claims?.expiresAtS });
  }
  for (const entry of bundle.lock_updates) {
    try {
      wallet.carryUpdate(fromBase64Url(entry.update)); // revocations the locks learn from us
    } catch {
      // An update that does not verify is not carried; the lock would reject it anyway.
    }
  }
  // The guest's own room first, then the shared doors, each by name.
  doors.sort((a, b) => Number(a.shared) - Number(b.shared) || a.name.localeCompare(b.name, undefined, { numeric: true }));
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

/** A returning guest's page shows the stored keys at once; the sync behind it gives up after this. */
const backgroundSyncTimeoutMs = 6_000;
/** Retries of a failed background sync: this, doubled after each failure up to the cap. */
const resyncRetryMs = 3_000;
const resyncRetryMaxMs = 60_000;

/** The link is dead or this device was removed: say so, and leave nothing to tap. */
function showLinkError(error: unknown): void {
  const refusal = error instanceof ApiRefusal ? error : undefined;
  const { headline, feedback } = linkFeedback(refusal);
  element('identity').textContent = headline;
  show(feedback);
  if (refusal === undefined) {
    // The network failed or stalled (not the server refusing): one tap tries again.
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.id = 'retry';
    retry.className = 'primary';
    retry.textContent = 'Try again';
    retry.addEventListener('click', () => location.reload());
    element('feedback').querySelector('div')?.append(retry);
  }
  element<HTMLElement>('doors-heading').hidden = true;
  element<HTMLUListElement>('doors').replaceChildren();
  element<HTMLButtonElement>('unlock-nearby').hidden = true;
  document.body.dataset.ready = 'error';
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
  const link = location.origin + location.pathname;
  const boot = await bootRegistration(); // the boot script may be making the holder key: wait for it first
  const [holder, stored] = await Promise.all([browserHolder(), storedLinkSession(link)]);
  let bundle: Bundle;
  try {
    // A returning guest's keys are on this device: no network before the doors are listed.
    bundle = stored?.bundle ?? (await registerLink(link, holder, crypto, boot));
  } catch (error) {
    return showLinkError(error);
  }
  const keys = new KeyRing(bundle, holder, crypto);
  const nearby = element<HTMLButtonElement>('unlock-nearby');
  let unlock: ((door: Door | undefined) => void) | undefined;
  if (bluetooth !== undefined) {
    const transport = new WebBluetoothTransport({ bluetooth });
    unlock = unlocker({ transport, keys, random: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)), radioTimeMs: simulated && (() => simulated.radioTimeMs()) });
    nearby.addEventListener('click', () => unlock!(undefined));
  }
  const render = () => {
    const { doors } = keys;
    applyCustomization(keys.bundle.customization);
    element('identity').textContent = `${doors.length} door${doors.length === 1 ? '' : 's'} on this key`;
    nearby.disabled = unlock === undefined || doors.length === 0;
    renderDoors(doors, (door) => unlock?.(door), unlock !== undefined);
  };
  render();
  document.body.dataset.ready = 'true';
  if (bluetooth === undefined) return;
  offline(logoSource(bundle.customization, location.origin));
  if (stored !== undefined) syncInBackground(link, stored, keys, render);
  else uploadAuditWhenOnline(link); // unlock records queued earlier (offline)
}

/** The wallet, doors and unlock client of the current bundle; a sync replaces them between taps. */
class KeyRing {
  bundle: Bundle;
  wallet!: Wallet;
  doors!: Door[];
  private readonly holder: Wallet['holder'];
  private readonly crypto: ReturnType<typeof createNobleProvider>;
  constructor(bundle: Bundle, holder: Wallet['holder'], crypto: ReturnType<typeof createNobleProvider>) {
    this.bundle = bundle;
    this.holder = holder;
    this.crypto = crypto;
    this.replace(bundle);
  }

  get cryptoProvider(): ReturnType<typeof createNobleProvider> {
    return this.crypto;
  }

  replace(bundle: Bundle): void {
    this.bundle = bundle;
    ({ wallet: this.wallet, doors: this.doors } = walletFromBundle(bundle, this.holder, this.crypto));
  }
}

/**
 * Behind the stored keys: sync (new grants, revocation updates to carry to the locks) with a short
 * timeout; when it fails, retry on the 'online' event and after 3 s, 6 s, 12 s … (at most a minute
 * apart: a page loaded offline does not always get the event). A changed bundle replaces the keys in place, never during an
 * unlock; a refusal (link revoked, device removed) replaces the page with what happened.
 */
function syncInBackground(link: string, stored: LinkSession, keys: KeyRing, render: () => void): void {
  let running = false;
  let done = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const whenIdle = (action: () => void) => (element('feedback').dataset.state === 'working' ? setTimeout(() => whenIdle(action), 500) : action());
  const attempt = async () => {
    if (running || done) return;
    running = true;
    clearTimeout(timer);
    timer = undefined;
    try {
      const bundle = await syncLink(link, stored, backgroundSyncTimeoutMs);
      done = true;
      element('status').textContent = '';
      if (JSON.stringify(bundle) !== JSON.stringify(keys.bundle)) whenIdle(() => { keys.replace(bundle); render(); });
      uploadAuditWhenOnline(link);
    } catch (error) {
      // Only our server's own refusal (syncLink trusts nothing else: not a proxy's 5xx, not a captive
      // portal's page or redirect) ends the keys; everything else is "offline", the keys stay.
      if (error instanceof ApiRefusal) {
        done = true;
        whenIdle(() => showLinkError(error));
        return;
      }
      element('status').textContent = 'Offline: using the keys saved on this device.';
      timer = setTimeout(() => void attempt(), Math.min(resyncRetryMs * 2 ** failures, resyncRetryMaxMs));
      failures++;
    } finally {
      running = false;
    }
  };
  window.addEventListener('online', () => void attempt());
  void attempt();
}

/** The app shell (and the workspace's logo) into the service worker's cache; `body[data-offline]` says whether it worked. */
function offline(logo: string | undefined): void {
  const sameOriginLogo = logo?.startsWith(`${location.origin}/ik/logo/`) ? [logo] : [];
  keepShellOffline(sameOriginLogo).then(
    (ok) => (document.body.dataset.offline = ok ? 'ready' : 'unsupported'),
    () => (document.body.dataset.offline = 'failed'),
  );
}

/** The tap handler: chooser first (it needs the click's user activation), then the exchange. */
function unlocker(context: { transport: WebBluetoothTransport; keys: KeyRing; random: (n: number) => Uint8Array; radioTimeMs: (() => number) | undefined }): (door: Door | undefined) => void {
  let busy = false;
  // One client per wallet: its resumption tickets live as long as the keys they came with.
  let client: { wallet: Wallet; client: UnlockClient } | undefined;
  return (door) => {
    if (busy) return;
    busy = true;
    const { wallet, doors } = context.keys;
    if (client?.wallet !== wallet) client = { wallet, client: new UnlockClient({ wallet, crypto: context.keys.cryptoProvider, random: context.random, transport: context.transport }) };
    const unlockClient = client.client;
    const byLock = new Map(doors.map((entry) => [toHex(entry.lockId), entry]));
    const known = doors.map((entry) => entry.lockId);
    const tapped = performance.now();
    const radioAtTap = context.radioTimeMs?.(); // simulator mode: virtual radio time
    // The chooser lists only this guest's doors (by their advertised names): never a neighbour's.
    const chooser = context.transport.chooseLock((door === undefined ? doors : [door]).map((entry) => lockNameOf(entry.lockId)));
    show({
      state: 'working',
      title: door ? `Unlocking ${door.name}…` : 'Looking for your door…',
      detail: door ? `If your browser asks, choose ${lockNameOf(door.lockId)}: that is ${door.name}.` : 'If your browser asks, choose the door in front of you: it lists only your doors.',
    });
    void (async () => {
      try {
        const device = await chooser;
        const chosen = performance.now();
        const lockId = lockIdFromName(device.name, known);
        if (lockId === undefined) return show(refusalFeedback('credential_wrong_door', { name: device.name ? `this door (${device.name})` : 'this door' }));
        const target = byLock.get(toHex(lockId))!;
        context.transport.useDevice(device, lockId);
        const outcome = await unlockClient.unlock({ lockId, mtu: webMtu, useAdvertisedChallenge: false, timeoutMs: unlockTimeoutMs });
        const done = performance.now();
        void recordUnlockAttempt(location.origin + location.pathname, lockId, outcome); // the audit queue (offline too)
        const virtualMs = radioAtTap === undefined ? undefined : context.radioTimeMs!() - radioAtTap;
        show(outcomeFeedback(outcome, target), { tapMs: done - tapped, exchangeMs: done - chosen, virtualMs });
        if (outcome.outcome === 'unlocked') startRelockCountdown(target);
      } catch (error) {
        if (error instanceof ChooserError) return show(chooserFeedback(error.reason, { simulator: context.radioTimeMs !== undefined }));
        show({ state: 'error', title: 'Something went wrong', detail: `${error instanceof Error ? error.message : String(error)}. Tap Unlock to try again.` });
      } finally {
        busy = false;
      }
    })();
  };
}

void main();
