/**
 * The phone's unlock client: pick the eligible lock, connect, run the repeat (resume) path when it
 * holds a ticket or the full exchange otherwise, and return a typed outcome with the round trips,
 * bytes on air and the virtual latency it took. Every transport call has a timeout (the transport's).
 */
import { toHex } from '../protocol/bytes.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';
import { isLatchkeyError, type ErrorCode } from '../protocol/errors.ts';
import type { RandomSource } from '../protocol/random.ts';
import { challengeCharacteristicOfForm } from '../protocol/gatt.ts';
import { challengeForm, challengeFormForMtu, type ChallengeForm } from '../protocol/unlock/challenge.ts';
import { splitIntoChunks } from '../protocol/unlock/chunking.ts';
import { buildAdvertisedResumeRequest, buildFullRequest, buildResumeRequest, openFullResult, openResumeResult, type LockEvidence, type PendingResume } from '../protocol/unlock/phone-exchange.ts';
import { AttError, TransportError, type Advertisement, type GattConnection, type LinkStats, type Transport } from '../radio/transport.ts';
import type { Wallet } from './wallet.ts';

export type UnlockOutcomeKind = 'unlocked' | 'refused' | 'out_of_range' | 'timeout' | 'disconnected' | 'unsupported' | 'error';

export interface UnlockOutcome {
  outcome: UnlockOutcomeKind;
  code: ErrorCode | undefined;
  /** Whether the lock authenticated the outcome (signature or MAC). */
  authenticated: boolean;
  path: 'full' | 'resume' | 'none';
  deviceId: string | undefined;
  /** ATT round trips from an established connection to the lock's decision (write response). */
  roundTripsToDecision: number;
  /** … and to the phone holding the lock's signed result. */
  roundTripsTotal: number;
  bytesOnAir: number;
  /** Virtual ms from connection established to decision / to verified result. */
  decisionMs: number;
  verifiedMs: number;
  /** Scan + connect + MTU exchange before the exchange. */
  setupMs: number;
  /** Full path, lock authenticated: what the lock signed (for an audit record the server can check). */
  evidence?: LockEvidence;
  /** More about `code` when the phone has it (`transport_att_error`: which ATT error, e.g. "ATT error 0x0e"). */
  detail?: string;
}

export interface UnlockOptions {
  /** Target a specific lock id (else: the strongest eligible one). */
  lockId?: Uint8Array;
  mtu: number;
  scanMs: number;
  timeoutMs: number;
  /** Minimum RSSI to consider a lock in range. */
  rssiMinDbm: number;
  /** Use the resume path when a ticket exists. */
  allowResume: boolean;
  /**
   * Testing aid: with `lockId`, present a credential even if none names that door, so that the
   * lock (not the phone) does the refusing. A real wallet never does this.
   */
  presentOutOfScope: boolean;
  /** Answer a challenge heard in the advertisement instead of reading one (1 round trip). */
  useAdvertisedChallenge: boolean;
  /**
   * With a ticket, answer the lock's advertised resume nonce (docs/PROTOCOL.md §7.4): the request
   * is built before connecting and is the first thing sent, so the decision comes 1 round trip
   * after the connection is established. A lock that does not advertise one is read as before.
   */
  useAdvertisedNonce: boolean;
}

export const unlockDefaults: UnlockOptions = { mtu: 247, scanMs: 300, timeoutMs: 3000, rssiMinDbm: -85, allowResume: true, presentOutOfScope: false, useAdvertisedChallenge: true, useAdvertisedNonce: true };

export class UnlockClient {
  readonly wallet: Wallet;
  private readonly crypto: CryptoProvider;
  private readonly random: RandomSource;
  private readonly transport: Transport;
  /**
   * The timeout for one ATT request to a lock, when the caller knows the lock's hardware
   * (World: firmware-model/hardware/phone-timeout.ts); an explicit `timeoutMs` option wins, else 3 s.
   */
  private readonly timeoutMsFor: ((lockId: Uint8Array) => number | undefined) | undefined;
  /** Credential hashes (hex) by credential bytes: computed before connecting, not on the link. */
  private readonly credentialHashes = new WeakMap<Uint8Array, string>();

  constructor(options: { wallet: Wallet; crypto: CryptoProvider; random: RandomSource; transport: Transport; timeoutMsFor?: (lockId: Uint8Array) => number | undefined }) {
    this.timeoutMsFor = options.timeoutMsFor;
    this.wallet = options.wallet;
    this.crypto = options.crypto;
    this.random = options.random;
    this.transport = options.transport;
  }

  private nowS(): number {
    return Math.floor(this.transport.now() / 1000);
  }

  /** Eligible = we hold a credential naming it and its certificate; strongest RSSI first. */
  pickLock(adverts: Advertisement[], options: UnlockOptions): Advertisement | undefined {
    const eligible = adverts
      .filter((advert) => advert.rssiDbm >= options.rssiMinDbm)
      .filter((advert) => (options.lockId ? toHex(advert.lockId) === toHex(options.lockId) : this.wallet.credentialFor(advert.lockId) !== undefined))
      .sort((a, b) => b.rssiDbm - a.rssiDbm || a.deviceId.localeCompare(b.deviceId));
    return eligible[0];
  }

  async unlock(partial: Partial<UnlockOptions> = {}): Promise<UnlockOutcome> {
    const options = { ...unlockDefaults, ...partial };
    const started = this.transport.now();
    const base: UnlockOutcome = { outcome: 'error', code: undefined, authenticated: false, path: 'none', deviceId: undefined, roundTripsToDecision: 0, roundTripsTotal: 0, bytesOnAir: 0, decisionMs: 0, verifiedMs: 0, setupMs: 0 };
    let connection: GattConnection | undefined;
    try {
      const advert = this.pickLock(await this.transport.scan(options.scanMs), options);
      if (advert === undefined) return { ...base, outcome: 'out_of_range', code: 'lock_not_found' };
      base.deviceId = advert.deviceId;
      this.prepare(advert.lockId);
      // A slow lock must not decide after we gave up: wait as long as its MCU may compute (attack on issue 15, F2).
      const timeoutMs = partial.timeoutMs ?? this.timeoutMsFor?.(advert.lockId) ?? options.timeoutMs;
      // The 1-round-trip repeat: MAC the advertised nonce now, while the radio waits to connect.
      const preparedResume = this.prepareAdvertisedResume(advert, options);
      connection = await this.transport.connect(advert.deviceId, { mtu: options.mtu, timeoutMs });
      base.setupMs = this.transport.now() - started;
      const outcome = await this.exchange(connection, advert, options, base, preparedResume);
      return outcome;
    } catch (error) {
      return { ...base, ...classify(error), ...(connection ? measure(connection.stats()) : {}) };
    } finally {
      await connection?.disconnect();
    }
  }

  /**
   * Work that needs no challenge, done before connecting: the lock certificate's check (cached by
   * the wallet) and the credential's hash. On the link, any compute before a request delays it to
   * a later connection event (the virtual radio prices the phone's compute: docs/HARDWARE.md).
   */
  private prepare(lockId: Uint8Array): void {
    this.wallet.lockCertificate(lockId, this.nowS());
    const credential = this.wallet.credentialFor(lockId);
    if (credential !== undefined) this.credentialHash(credential.bytes);
  }

  /**
   * A type-3 resume request over the lock's advertised nonce, when we hold a live ticket and the
   * lock advertises one. The ticket moves on now: an id is never sent twice, even if this request
   * never reaches the lock (the lock looks 3 ids ahead).
   */
  private prepareAdvertisedResume(advert: Advertisement, options: UnlockOptions): { message: Uint8Array; pending: PendingResume } | undefined {
    const lockHex = toHex(advert.lockId);
    const ticket = this.wallet.tickets.get(lockHex);
    if (!options.useAdvertisedNonce || !options.allowResume || advert.resumeNonce === undefined || ticket === undefined || ticket.expiresAtS <= this.nowS()) return undefined;
    try {
      const built = buildAdvertisedResumeRequest(this.crypto, ticket, advert.resumeNonce, this.wallet.updatesFor(advert.lockId, this.nowS()));
      this.wallet.tickets.set(lockHex, built.pending.ticket);
      return built;
    } catch (error) {
      if (!isLatchkeyError(error)) throw error;
      return undefined; // a malformed or downgraded advert (anyone can advertise): read a challenge instead
    }
  }

  private credentialHash(bytes: Uint8Array): string {
    let hash = this.credentialHashes.get(bytes);
    if (hash === undefined) {
      hash = toHex(this.crypto.sha256(bytes));
      this.credentialHashes.set(bytes, hash);
    }
    return hash;
  }

  private async exchange(connection: GattConnection, advert: Advertisement, options: UnlockOptions, base: UnlockOutcome, preparedResume?: { message: Uint8Array; pending: PendingResume }): Promise<UnlockOutcome> {
    const established = this.transport.now();
    const lockId = advert.lockId;
    // The advertised challenge is good for one attempt; a refusal of it (used by someone else,
    // expired) falls back to reading a fresh one.
    let advertisedChallenge = options.useAdvertisedChallenge ? advert.challenge : undefined;
    // Read the richest challenge form this link's MTU carries without a Read Blob (forms 2 and 3
    // make the first request forward-secret; form 3 lets us check the lock's signature first).
    // The repeat path needs only a nonce: the 21-byte form.
    const challenge = async (form: ChallengeForm): Promise<Uint8Array> => {
      const heard = advertisedChallenge;
      advertisedChallenge = undefined;
      return heard ?? (await connection.read(challengeCharacteristicOfForm[form]));
    };
    const fullForm = challengeFormForMtu(connection.mtu);
    // An advertised challenge may be gone by the time the request lands (taken by someone else, or
    // renewed: it lives 200 ms). Then the lock answered another challenge than ours, so our request
    // does not open (decrypt_failed) or our MAC does not check (holder_proof_invalid): all plain,
    // unauthenticated refusals, and all mean "read a fresh challenge", not "you are refused".
    const staleCodes: readonly (ErrorCode | undefined)[] = ['challenge_used', 'challenge_expired', 'challenge_missing', 'relay_suspected', 'decrypt_failed', 'holder_proof_invalid'];
    const staleAdvertised = (status: { code: ErrorCode | undefined; authenticated: boolean }, usedAdvertised: boolean): boolean => usedAdvertised && !status.authenticated && staleCodes.includes(status.code);
    const lockHex = toHex(lockId);
    const ticket = this.wallet.tickets.get(lockHex);
    const updates = this.wallet.updatesFor(lockId, this.nowS());
    let decisionMs = 0;
    let roundTripsToDecision = 0;
    const send = async (message: Uint8Array): Promise<void> => {
      const chunks = splitIntoChunks(message, connection.mtu);
      for (let i = 0; i < chunks.length - 1; i++) await connection.write('exchange', chunks[i]!, false);
      try {
        await connection.write('exchange', chunks[chunks.length - 1]!, true);
      } catch (error) {
        if (!(error instanceof AttError)) throw error; // a refusal: its reason is in the result
      } finally {
        decisionMs = this.transport.now() - established;
        roundTripsToDecision = connection.stats().roundTrips;
      }
    };
    const finish = (status: { status: 'unlocked' | 'refused'; code: ErrorCode | undefined; authenticated: boolean; evidence?: LockEvidence }, path: 'full' | 'resume'): UnlockOutcome => ({
      ...base,
      outcome: status.status,
      code: status.code,
      authenticated: status.authenticated,
      path,
      roundTripsToDecision,
      decisionMs,
      verifiedMs: this.transport.now() - established,
      ...measure(connection.stats()),
      ...(status.evidence !== undefined ? { evidence: status.evidence } : {}),
    });

    // Up to three resume attempts: the advertised nonce (request type 3), then the fresh challenge
    // the lock handed back in its retry result (or an advertised/read one), then a read one.
    let prepared = preparedResume;
    let retryChallenge: Uint8Array | undefined;
    for (let attempt = 0; attempt < 3 && ticket !== undefined && options.allowResume && ticket.expiresAtS > this.nowS(); attempt++) {
      let built: { message: Uint8Array; pending: PendingResume };
      let usedAdvertised: boolean;
      if (prepared !== undefined) {
        built = prepared;
        prepared = undefined;
        usedAdvertised = true;
      } else {
        usedAdvertised = retryChallenge === undefined && advertisedChallenge !== undefined;
        const challengeBytes = retryChallenge ?? (await challenge(challengeForm.commit));
        retryChallenge = undefined;
        built = buildResumeRequest(this.crypto, this.wallet.tickets.get(lockHex)!, challengeBytes, updates);
        // The ticket moves on even if this attempt is refused unheard: an id is never sent twice
        // (that would link two visits); the lock recognises a few ids ahead.
        this.wallet.tickets.set(lockHex, built.pending.ticket);
      }
      await send(built.message);
      const status = openResumeResult(this.crypto, built.pending, await connection.read('exchange'));
      // The advertised nonce was stale or taken: answer the challenge the lock handed back, on this link.
      if (status.retryChallenge !== undefined) {
        retryChallenge = status.retryChallenge;
        continue;
      }
      // A lock without the 1-round-trip resume cannot decode a type-3 request: read a challenge.
      if (staleAdvertised(status, usedAdvertised) || (usedAdvertised && !status.authenticated && status.code === 'message_malformed')) continue;
      if (status.code !== 'ticket_unknown' && status.code !== 'credential_unknown') return finish(status, 'resume');
      // The lock forgot us (e.g. rebooted): it forgot our cached credential too; do a full exchange.
      this.wallet.tickets.delete(lockHex);
      this.wallet.cachedAt.delete(lockHex);
      break;
    }

    const credential = this.wallet.credentialFor(lockId) ?? (options.presentOutOfScope ? this.wallet.credentials[0] : undefined);
    const cert = this.wallet.lockCertificate(lockId, this.nowS());
    if (credential === undefined || cert === undefined) return { ...base, outcome: 'refused', code: credential ? 'lock_cert_invalid' : 'credential_wrong_door', path: 'none' };
    const hash = this.credentialHash(credential.bytes);
    let status: ReturnType<typeof openFullResult>;
    for (let attempt = 0; ; attempt++) {
      const usedAdvertised = advertisedChallenge !== undefined;
      const sendHashOnly = this.wallet.cachedAt.get(lockHex) === hash;
      const { message, pending } = await buildFullRequest({
        crypto: this.crypto,
        random: this.random,
        lock: cert,
        challengeBytes: await challenge(fullForm),
        // A lock advertises form 3 (signed): anything weaker in an advert is a look-alike's.
        minimumForm: usedAdvertised ? challengeForm.signed : fullForm,
        credential: credential.bytes,
        sendHashOnly,
        holder: this.wallet.holder,
        updates,
      });
      await send(message);
      status = openFullResult(this.crypto, pending, cert, await connection.read('exchange'), this.nowS());
      if (attempt >= 2) break;
      if (staleAdvertised(status, usedAdvertised)) continue;
      // The lock forgot our credential (it rebooted or evicted it): send it whole this time.
      if (status.code === 'credential_unknown' && sendHashOnly) {
        this.wallet.cachedAt.delete(lockHex);
        continue;
      }
      break;
    }
    if (status.status === 'unlocked') {
      this.wallet.cachedAt.set(lockHex, hash);
      // The lock drops a ticket when the credential expires: so does the phone.
      if (status.ticket) this.wallet.tickets.set(lockHex, { ...status.ticket, expiresAtS: Math.min(status.ticket.expiresAtS, credential.claims.expiresAtS) });
    }
    return finish(status, 'full');
  }
}

function measure(stats: LinkStats): Pick<UnlockOutcome, 'roundTripsTotal' | 'bytesOnAir'> {
  return { roundTripsTotal: stats.roundTrips, bytesOnAir: stats.bytesOnAir };
}

/** ATT error 0x80 on a Read: the lock refused to hand out a challenge (its challenge key budget is spent). */
const attRefused = 0x80;

function classify(error: unknown): Pick<UnlockOutcome, 'outcome' | 'code' | 'detail'> {
  // An ATT Error Response the exchange does not expect (a refused Write Request is handled where it
  // is sent): 0x80 on a challenge Read is the lock's key budget refusal, try again in a moment;
  // anything else is reported with its ATT code, never thrown (attack on issue 15, F1).
  if (error instanceof AttError) {
    if (error.attError === attRefused) return { outcome: 'refused', code: 'rate_limited' };
    return { outcome: 'error', code: 'transport_att_error', detail: error.message };
  }
  if (error instanceof TransportError) {
    if (error.code === 'transport_timeout') return { outcome: 'timeout', code: error.code };
    if (error.code === 'transport_disconnected') return { outcome: 'disconnected', code: error.code };
    if (error.code === 'transport_unsupported') return { outcome: 'unsupported', code: error.code };
    if (error.code === 'lock_busy') return { outcome: 'refused', code: error.code }; // try again in a moment
    return { outcome: 'error', code: error.code };
  }
  // The phone refused the lock before revealing anything (a challenge it could not authenticate,
  // or one offering other versions than its certificate names): a refusal, by the phone.
  if (isLatchkeyError(error) && (error.code === 'lock_proof_invalid' || error.code === 'version_downgrade')) return { outcome: 'refused', code: error.code };
  if (isLatchkeyError(error)) return { outcome: 'error', code: error.code };
  throw error;
}
