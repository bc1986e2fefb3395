/**
 * What the guest sees after a tap: one of a few visual states, a short title and one sentence on
 * what to do. Pure (no DOM), so the wording is tested without a browser.
 */
import type { ErrorCode } from '../protocol/errors.ts';
import type { UnlockOutcome } from '../phone/unlock-client.ts';

/**
 * How long a latchkey lock stays open after it unlocks (firmware-model/config.ts `unlockMs`, the
 * lock model's default; the protocol does not carry it): the page counts down from the lock's answer.
 */
export const relockAfterMs = 5_000;

export type FeedbackState = 'working' | 'success' | 'refused' | 'range' | 'bluetooth' | 'unsupported' | 'error';

export interface Feedback {
  state: FeedbackState;
  title: string;
  detail: string;
}

const dateFormat: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };

export function formatTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleString(undefined, dateFormat);
}

export const unsupportedFeedback: Feedback = {
  state: 'unsupported',
  title: 'This browser can’t use Bluetooth',
  detail:
    'Open this link in Chrome or Edge on Android, Windows, macOS or ChromeOS (on iPhone: the Bluefy browser), or ask the front desk for a key card.',
};

/**
 * Why the browser's device chooser gave no lock (src/web/web-bluetooth-transport.ts `chooserReasonOf`):
 * `no_device` none in range (the simulator's scan, or a chosen lock that vanished), `cancelled` the
 * chooser was closed without a door (in a real browser also what "nothing in range" looks like: the
 * chooser keeps scanning until the guest closes it), `denied` Bluetooth blocked for this site or the
 * browser's scanning permission refused, `policy_blocked` this page may not use Bluetooth at all
 * (opened inside another page), `bluetooth_off` no usable Bluetooth adapter.
 */
export type ChooserReason = 'no_device' | 'cancelled' | 'denied' | 'policy_blocked' | 'bluetooth_off';

/** What the page says when none of the guest's doors was found (the chooser lists only the guest's own doors). */
export function noDoorNearbyFeedback(options: { simulator?: boolean } = {}): Feedback {
  return options.simulator
    ? { state: 'range', title: 'None of your doors is nearby', detail: 'The simulated phone is not standing at one of your doors: choose one under “Standing at”, then tap Unlock again.' }
    : { state: 'range', title: 'None of your doors is nearby', detail: 'Stand within a few steps of your door and check Bluetooth is on, then tap Unlock again. Your browser lists only your own doors.' };
}

export function chooserFeedback(reason: ChooserReason, options: { simulator?: boolean } = {}): Feedback {
  switch (reason) {
    case 'denied':
      return { state: 'bluetooth', title: 'Bluetooth permission denied', detail: 'Allow Bluetooth for this site: tap the icon left of the address, then Permissions or Site settings. Then tap Unlock again.' };
    case 'policy_blocked':
      return { state: 'bluetooth', title: 'Bluetooth is blocked here', detail: 'This page was opened inside another page or app that does not allow Bluetooth. Open the link on its own in Chrome or Edge, then tap Unlock.' };
    case 'bluetooth_off':
      return { state: 'bluetooth', title: 'Bluetooth is off', detail: 'Turn Bluetooth on in your phone’s settings (and switch off airplane mode), then tap Unlock again.' };
    default:
      // 'cancelled' and 'no_device' alike: the chooser lists only the guest's doors, so a guest closes it when none is listed.
      return noDoorNearbyFeedback(options);
  }
}

export interface DoorContext {
  name: string;
  notBeforeS?: number | undefined;
  expiresAtS?: number | undefined;
}

export function refusalFeedback(code: ErrorCode | undefined, door: DoorContext): Feedback {
  const refused = (title: string, detail: string): Feedback => ({ state: 'refused', title, detail });
  switch (code) {
    case 'credential_expired':
      return refused('Your key has expired', `Access to ${door.name} ended${door.expiresAtS ? ` ${formatTime(door.expiresAtS)}` : ''}. Contact the front desk to extend your stay.`);
    case 'credential_not_yet_valid':
      return refused('Your key is not active yet', `Access to ${door.name} starts${door.notBeforeS ? ` ${formatTime(door.notBeforeS)}` : ' later'}.`);
    case 'credential_revoked':
    case 'credential_superseded':
      return refused('This key was revoked', `Your access to ${door.name} has been withdrawn. Contact the front desk.`);
    case 'credential_wrong_door':
      return refused('Not your door', `Your key does not open ${door.name}.`);
    case 'rate_limited':
      return refused('Too many attempts', 'The lock is pausing after failed attempts. Wait a minute and try again.');
    case 'battery_depleted':
      return refused("The lock's batteries are flat", `Your key is fine, but ${door.name} cannot move its bolt. Contact the front desk.`);
    case 'access_denied':
      return refused('The lock did not accept this key', `${door.name} could not verify your key. Reload this page to fetch your keys again; if it keeps happening, contact the front desk.`);
    case 'lock_proof_invalid':
    case 'version_downgrade':
      // The phone refused the lock (its challenge or result did not prove the certified lock): nothing was sent.
      return refused('This lock could not prove it is genuine', `Your phone sent nothing to it. If you are at ${door.name}, contact the front desk.`);
    default:
      return refused('The lock refused', `Reason: ${code ?? 'unknown'}. Contact the front desk if this keeps happening.`);
  }
}

export function outcomeFeedback(outcome: UnlockOutcome, door: DoorContext): Feedback {
  switch (outcome.outcome) {
    case 'unlocked':
      return { state: 'success', title: `${door.name} unlocked`, detail: 'Push the door open now.' };
    case 'refused':
      return refusalFeedback(outcome.code, door);
    case 'out_of_range':
      return noDoorNearbyFeedback();
    case 'timeout':
      return { state: 'range', title: 'The lock didn’t answer', detail: 'Move closer to the door and tap Unlock again.' };
    case 'disconnected':
      return { state: 'range', title: 'Connection lost', detail: 'The lock went out of range. Move closer and tap Unlock again.' };
    case 'unsupported':
      return unsupportedFeedback;
    default:
      return { state: 'error', title: 'Something went wrong', detail: `${outcome.code ?? 'unknown error'}. Tap Unlock to try again.` };
  }
}

/**
 * The page shown when the link does not give keys (no doors listed). `status` and `type` are the
 * API's refusal; `step` the call refused (docs/API.md, Instant Key app endpoints); no status: network.
 */
export function linkFeedback(refusal: { status: number; type: string; message: string; step: 'open' | 'register' | 'sync' } | undefined): { headline: string; feedback: Feedback } {
  if (refusal === undefined) return { headline: 'Could not load your keys', feedback: { state: 'error', title: 'Could not load your keys', detail: 'The key server did not answer. Check your connection and try again.' } };
  if (/max_use_count/.test(refusal.message))
    return {
      headline: 'This link is already in use',
      feedback: { state: 'error', title: 'This Instant Key is on too many devices', detail: 'It was opened on as many devices as it allows. Use a device that already has it, or ask the front desk for a new link.' },
    };
  if (refusal.step === 'sync' && refusal.status === 404)
    return { headline: 'This device’s key was turned off', feedback: { state: 'error', title: 'This device was removed from the key', detail: 'Your keys were turned off on this device. Ask the front desk for a new link.' } };
  if (refusal.status === 404 || refusal.status === 401)
    return { headline: 'This link is no longer valid', feedback: { state: 'error', title: 'This Instant Key has expired or was revoked', detail: 'Ask the front desk for a new link.' } };
  return { headline: 'Could not load your keys', feedback: { state: 'error', title: 'Could not load your keys', detail: 'The server refused this link. Reload the page, or ask the front desk for help.' } };
}
