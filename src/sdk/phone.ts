/**
 * `createPhone`: the phone SDK's entry point (docs/SDK.md). An app embeds it with its key server's
 * endpoint, a client-session token its back end got from `client_sessions/create`, a credential
 * store and a BLE transport; then `sync()` downloads the identity's mobile keys (registering the
 * phone's holder key with proof of possession on first use), `entrances()` lists the doors,
 * `on('change')` reports state changes, `unlock(entranceId)` opens one door and `unlockWithTap()`
 * opens the door the phone is held to ("unlock with tap": src/phone/tap.ts TapRanker).
 *
 * Platform-neutral: no Node-only import here or below (test/sdk/browser-bundle.test.ts bundles
 * this file for the browser platform to prove it). Crypto is the pure-JS provider by default.
 */
import { toHex } from '../protocol/bytes.ts';
import { createNobleProvider } from '../protocol/crypto/noble.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import type { ErrorCode } from '../protocol/errors.ts';
import type { Transport } from '../radio/transport.ts';
import { TapRanker, checkTapOptions, tapDefaults, type TapOptions } from '../phone/tap.ts';
import { UnlockClient, type UnlockOutcome } from '../phone/unlock-client.ts';
import type { Wallet } from '../phone/wallet.ts';
import { ApiClient, type FetchLike } from './api-client.ts';
import { walletFromBundle, type Bundle, type Entrance } from './bundle.ts';
import { PhoneError } from './errors.ts';
import type { CredentialStore, StoreHolder } from './store.ts';

export interface PhoneOptions {
  /** The key server, e.g. `https://keys.example.com` (or `latchkey up`'s http://127.0.0.1:3000). */
  endpoint: string;
  /** From `client_sessions/create` (your back end, with your API key): `seam_cst…`. */
  clientSessionToken: string;
  store: CredentialStore;
  /** The BLE radio: Web Bluetooth, noble, a React Native/Capacitor adapter (./ble-adapter.ts) or the simulator. */
  transport: Transport;
  /** Wall clock for state timestamps (ms since the epoch); default Date.now. Radio timing uses the transport's clock. */
  clock?: () => number;
  crypto?: CryptoProvider;
  /** Random bytes; default WebCrypto's getRandomValues. */
  random?: (n: number) => Uint8Array;
  /** Default globalThis.fetch. */
  fetch?: FetchLike;
  /** Each HTTP call gives up after this (default 10 s): `network_unavailable`. */
  requestTimeoutMs?: number;
  /** Touch threshold, hysteresis, window, margin (default src/phone/tap.ts tapDefaults). */
  tap?: Partial<TapOptions>;
  /** How the phone is named in the operator's phones list. */
  deviceName?: string;
  deviceType?: 'ios_phone' | 'android_phone';
}

export type PhoneStatus = 'idle' | 'syncing' | 'ready' | 'unlocking' | 'error';

export interface PhoneState {
  status: PhoneStatus;
  deviceId: string | undefined;
  entrances: readonly Entrance[];
  /** When the last sync succeeded (clock ms). */
  syncedAtMs: number | undefined;
  /** The last sync failure (the stored keys stay usable). */
  lastError: { code: ErrorCode; message: string } | undefined;
  lastUnlock: UnlockResult | undefined;
}

export type UnlockResult =
  | { outcome: 'unlocked'; entranceId: string; code: undefined; detail: UnlockOutcome }
  /** The lock (or the phone, before revealing anything) refused; `code` says why. */
  | { outcome: 'refused' | 'out_of_range' | 'timeout' | 'disconnected' | 'unsupported' | 'error'; entranceId: string | undefined; code: ErrorCode | undefined; detail: UnlockOutcome | undefined }
  /** Two of the guest's doors were equally close all along: nothing was tried. */
  | { outcome: 'ambiguous'; entranceId: undefined; code: 'tap_ambiguous'; entranceIds: [string, string]; detail: undefined };

export interface TapRunOptions {
  /** Give up after this much radio time (default 5 s): `out_of_range` / `lock_not_found`. */
  timeoutMs?: number;
  /** One scan window (default 100 ms: one advertising interval, one sample per lock). */
  sliceMs?: number;
  /** Stop early: checked between scan windows. */
  signal?: AbortSignal;
}

export interface Phone {
  readonly state: PhoneState;
  sync(): Promise<readonly Entrance[]>;
  entrances(): readonly Entrance[];
  on(event: 'change', listener: (state: PhoneState) => void): () => void;
  subscribe(listener: (state: PhoneState) => void): () => void;
  unlock(entranceId: string, options?: { timeoutMs?: number; mtu?: number }): Promise<UnlockResult>;
  unlockWithTap(options?: TapRunOptions): Promise<UnlockResult>;
}

const defaultRandom = (n: number): Uint8Array => globalThis.crypto.getRandomValues(new Uint8Array(n));

export function createPhone(options: PhoneOptions): Phone {
  const crypto = options.crypto ?? createNobleProvider();
  const random = options.random ?? defaultRandom;
  const clock = options.clock ?? Date.now;
  const tapOptions = checkTapOptions({ ...tapDefaults, ...options.tap });
  const fetchImpl = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (fetchImpl === undefined) throw new PhoneError('transport_unsupported', 'no fetch on this platform: pass options.fetch');
  const api = new ApiClient({ endpoint: options.endpoint, token: options.clientSessionToken, fetch: fetchImpl, timeoutMs: options.requestTimeoutMs ?? 10_000 });
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const listeners = new Set<(state: PhoneState) => void>();
  let state: PhoneState = { status: 'idle', deviceId: undefined, entrances: [], syncedAtMs: undefined, lastError: undefined, lastUnlock: undefined };
  let holder: StoreHolder | undefined;
  let keys: { wallet: Wallet; client: UnlockClient; entrances: Entrance[] } | undefined;
  let busy = false;

  const set = (next: Partial<PhoneState>): void => {
    state = { ...state, ...next };
    for (const listener of [...listeners]) {
      try {
        listener(state);
      } catch {
        // A listener's bug must not break the phone.
      }
    }
  };
  const holderKey = async (): Promise<StoreHolder> => (holder ??= await options.store.holderKey(crypto, random));

  /** Loads a bundle: a new wallet (keeping resumption tickets and cache marks of the one before). */
  const load = (bundle: Bundle, signer: StoreHolder): void => {
    const { wallet, entrances } = walletFromBundle(bundle, signer, crypto);
    if (keys !== undefined) {
      for (const [lock, ticket] of keys.wallet.tickets) wallet.tickets.set(lock, ticket);
      for (const [lock, hash] of keys.wallet.cachedAt) wallet.cachedAt.set(lock, hash);
    }
    keys = { wallet, entrances, client: new UnlockClient({ wallet, crypto, random, transport: options.transport }) };
  };

  /** Stored keys, when nothing is loaded yet (offline start): usable before any sync answers. */
  const restore = async (): Promise<void> => {
    if (keys !== undefined) return;
    const stored = await options.store.load();
    if (stored === undefined || stored.endpoint !== endpoint) return;
    load(stored.bundle, await holderKey());
    set({ deviceId: stored.deviceId, entrances: keys!.entrances, status: state.status === 'idle' ? 'ready' : state.status });
  };

  const sync = async (): Promise<readonly Entrance[]> => {
    set({ status: 'syncing' });
    try {
      const signer = await holderKey();
      const stored = await options.store.load();
      let deviceId: string;
      let bundle: Bundle;
      if (stored !== undefined && stored.endpoint === endpoint) {
        deviceId = stored.deviceId;
        try {
          bundle = await api.sync(deviceId);
        } catch (error) {
          // This phone was removed (deactivated): its keys are dead. The app decides what to do next.
          if (error instanceof PhoneError && error.code === 'device_not_found') await options.store.clear();
          throw error;
        }
      } else {
        ({ deviceId, bundle } = await api.register(signer, crypto, options.deviceName ?? 'latchkey phone SDK', options.deviceType ?? 'ios_phone'));
      }
      await options.store.save({ endpoint, deviceId, bundle });
      load(bundle, signer);
      set({ status: 'ready', deviceId, entrances: keys!.entrances, syncedAtMs: clock(), lastError: undefined });
      return keys!.entrances;
    } catch (error) {
      const failure = error instanceof PhoneError ? error : new PhoneError('network_unavailable', error instanceof Error ? error.message : String(error));
      await restore().catch(() => undefined);
      if (failure.code === 'device_not_found' || failure.code === 'unauthorized') {
        keys = undefined;
        set({ entrances: [], deviceId: undefined });
      }
      set({ status: 'error', lastError: { code: failure.code, message: failure.message } });
      throw failure;
    }
  };

  const toResult = (entranceId: string | undefined, detail: UnlockOutcome): UnlockResult =>
    detail.outcome === 'unlocked' ? { outcome: 'unlocked', entranceId: entranceId!, code: undefined, detail } : { outcome: detail.outcome, entranceId, code: detail.code, detail };

  /** Runs one unlock flow alone (a second tap while one runs is refused as lock_busy). */
  const exclusive = async (run: (ready: NonNullable<typeof keys>) => Promise<UnlockResult>): Promise<UnlockResult> => {
    await restore();
    if (keys === undefined || keys.entrances.length === 0) throw new PhoneError('phone_no_entrances', keys === undefined ? 'sync first: this phone holds no keys yet' : undefined);
    if (busy) return { outcome: 'refused', entranceId: undefined, code: 'lock_busy', detail: undefined };
    busy = true;
    const before = state.status;
    set({ status: 'unlocking' });
    try {
      const result = await run(keys);
      set({ status: before === 'unlocking' ? 'ready' : before, lastUnlock: result });
      return result;
    } catch (error) {
      set({ status: before === 'unlocking' ? 'ready' : before });
      throw error;
    } finally {
      busy = false;
    }
  };

  const unlock = (entranceId: string, unlockOptions: { timeoutMs?: number; mtu?: number } = {}): Promise<UnlockResult> =>
    exclusive(async ({ entrances, client }) => {
      const entrance = entrances.find((e) => e.entranceId === entranceId);
      if (entrance === undefined) throw new PhoneError('acs_entrance_not_found', `this phone holds no key for entrance ${entranceId}`);
      return toResult(entranceId, await client.unlock({ lockId: entrance.lockId, ...unlockOptions }));
    });

  const unlockWithTap = (run: TapRunOptions = {}): Promise<UnlockResult> =>
    exclusive(async ({ entrances, client }) => {
      const sliceMs = run.sliceMs ?? 100;
      const timeoutMs = run.timeoutMs ?? 5_000;
      if (!(sliceMs >= 10 && sliceMs <= 1_000)) throw new PhoneError('invalid_input', 'sliceMs must be in 10..1000');
      if (!(timeoutMs >= sliceMs && timeoutMs <= 60_000)) throw new PhoneError('invalid_input', 'timeoutMs must be in sliceMs..60000');
      const byLock = new Map(entrances.map((e) => [toHex(e.lockId), e]));
      // Only the guest's granted doors are ranked: any other lock's advertisement is dropped on arrival.
      const ranker = new TapRanker(entrances.map((e) => e.entranceId), tapOptions);
      const transport = options.transport;
      const deadline = transport.now() + timeoutMs;
      let ambiguous: [string, string] | undefined;
      while (transport.now() < deadline && run.signal?.aborted !== true) {
        const adverts = await transport.scan(sliceMs);
        const nowMs = transport.now();
        for (const advert of adverts) {
          const entrance = byLock.get(toHex(advert.lockId));
          if (entrance !== undefined) ranker.observe({ entranceId: entrance.entranceId, rssiDbm: advert.rssiDbm, timeMs: nowMs });
        }
        const decision = ranker.decide(nowMs);
        if (decision.result === 'tap_ambiguous') {
          ambiguous = decision.entranceIds;
          continue; // keep listening: the guest may move the phone closer to one door
        }
        if (decision.result === 'unlock') {
          const entrance = entrances.find((e) => e.entranceId === decision.entranceId)!;
          return toResult(entrance.entranceId, await client.unlock({ lockId: entrance.lockId }));
        }
      }
      // Two doors were equally close at some point and none was ever clearly nearest: say so, not "out of range".
      if (ambiguous !== undefined) return { outcome: 'ambiguous', entranceId: undefined, code: 'tap_ambiguous', entranceIds: ambiguous, detail: undefined };
      return { outcome: 'out_of_range', entranceId: undefined, code: 'lock_not_found', detail: undefined };
    });

  return {
    get state() {
      return state;
    },
    sync,
    entrances: () => keys?.entrances ?? [],
    on(event, listener) {
      if (event !== 'change') throw new PhoneError('invalid_input', `unknown event ${String(event)}`);
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    unlock,
    unlockWithTap,
  };
}
