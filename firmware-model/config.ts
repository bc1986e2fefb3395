/** Lock configuration (with defaults) and identity (its static keys). */
import type { SignatureAlgorithm } from '../src/protocol/crypto/provider.ts';
import { assert } from '../src/protocol/errors.ts';
import { limits } from '../src/protocol/limits.ts';
import { supportedVersions } from '../src/protocol/unlock/versions.ts';

export interface LockIdentity {
  lockId: Uint8Array;
  /** Secret that signs results and form-3 challenges (its public key certified by the issuer). */
  signingSecret: Uint8Array;
  /** What `signingSecret` is for (the certificate declares it by its key type); absent means EdDSA. */
  signingAlgorithm?: SignatureAlgorithm;
  /** P-256 secret for ECDH with the phone's ephemeral key (certified by the issuer). */
  agreementSecret: Uint8Array;
}

export interface LockConfig {
  /** How long the bolt stays open after an unlock. */
  unlockMs: number;
  /** A challenge older than this is refused. */
  challengeLifetimeMs: number;
  /**
   * Relay guard: the final request must arrive within the link's bound of the challenge being
   * handed out (read, or advertised). Per link: relayAllowanceMs + relayIntervals × the link's
   * connection interval, capped by this flat bound, which alone applies when the driver does not
   * tell the interval.
   */
  relayBoundMs: number;
  /** Phone compute and stack latency a legitimate exchange may add (ECDH, signing, scheduling). */
  relayAllowanceMs: number;
  /** Connection events a legitimate exchange may take from challenge to closing write (chunks at MTU 23, one retransmission). */
  relayIntervals: number;
  /** A connection with no ATT traffic for this long is dropped (idle connections cannot hold slots). */
  connectionIdleMs: number;
  /** No connection lives longer than this: an unlock takes well under a second. */
  connectionLifetimeMs: number;
  /** Refusals one connection may collect; the next request start drops it (the attacker must reconnect). */
  connectionRefusalsMax: number;
  /** Ephemeral keys (challenges) one connection may make the lock generate; then it is dropped. */
  challengeKeysPerConnectionMax: number;
  /**
   * Budget of challenge ephemeral keys (each with its form-3 signature), a token bucket on the
   * monotonic tick: `challengeKeysBurstMax` at once, then one per `challengeKeyRefillMs`. The idle
   * precomputation spends it; a challenge Read that finds no precomputed key and no token is
   * refused (ATT 0x80) instead of computing one. A stranger's connect/Read/disconnect churn thus
   * costs at most this many key pairs and signatures (attack on issue 15, finding 4); a phone
   * refused by it tries again, as when both connection slots are taken. With the budget spent a
   * form-1 Read still gets a nonce-only challenge (no key pair), which a resume answers (F4).
   * Advertised challenges draw from the same bucket, but only above `challengeKeysReservedForReads`
   * tokens, so that advertising (a renewal every advertisedChallengeLifetimeMs) cannot empty the
   * bucket connection Reads need (attack on issue 15, F3).
   */
  challengeKeysBurstMax: number;
  challengeKeyRefillMs: number;
  challengeKeysReservedForReads: number;
  /**
   * Failures of requests that cost the lock crypto but did not authenticate (forged or unverified
   * credential, undecryptable request, bad holder proof): past this many per window the lock stops
   * signing its answers to such requests (plain refusals cost no Ed25519 signature or session
   * ECDH). Never gates a request: a holder still opens.
   */
  strangerFailuresMax: number;
  strangerWindowMs: number;
  /**
   * Routine updates (signed by a credential key, not an administration key) the lock applies per
   * window, counted on the monotonic tick: bounds the NV writes a thief holding the online key can
   * cause. Deferring one loses nothing (each update is the door's whole snapshot).
   */
  routineUpdatesMax: number;
  routineUpdateWindowMs: number;
  /** Grace at credential validity boundaries for issuer/lock clock skew. */
  skewToleranceS: number;
  /**
   * Refusals of one verified holder (credential and holder proof both checked) per window before
   * that credential is answered `rate_limited` (a revoked or superseded guest hammering the door).
   * Per credential: no stranger can spend it.
   */
  failuresMax: number;
  failureWindowMs: number;
  connectionsMax: number;
  /** Lifetime of a resumption ticket (bounded also by the credential's expiry). */
  ticketLifetimeS: number;
  lockVersions: number;
  /**
   * Extended advertising (BLE 5) carries the current challenge, so a native phone can skip the
   * challenge read: 1 round trip to the decision. Browsers see no advertisement data.
   */
  advertiseChallenge: boolean;
  advertisedChallengeLifetimeMs: number;
  /**
   * The 1-round-trip repeat unlock (docs/PROTOCOL.md §7.4): the advertisement carries a random
   * 16-byte resume nonce (form 4, 18 bytes: no key pair, no signature, no crypto), renewed every
   * `resumeNonceRotationMs`. A request answers the current or the previous one, once each, within
   * 2 × rotation of its first advertisement (and within the link's relay bound).
   */
  advertiseResumeNonce: boolean;
  resumeNonceRotationMs: number;
  clockDriftPpm: number;
  clockRollbackToleranceMs: number;
  /** Offset of the lock's clock from the simulator's time (which is ms since the Unix epoch). */
  clockOffsetMs: number;
  /** Battery pack capacity (firmware-model/battery.ts: 2×AA lithium by default). */
  batteryCapacityMah: number;
  /** State of charge at power-up, 0–100 (e.g. 15: a door whose batteries are due for replacement). */
  batteryInitialPercent: number;
  /** At or below this state of charge the lock audits `battery_low` (once). */
  batteryLowPercent: number;
  /** At or below this state of charge the lock refuses to unlock (`battery_depleted`); relocking always runs. */
  batteryCutoffPercent: number;
}

export const lockConfigDefaults: LockConfig = {
  unlockMs: 5_000,
  challengeLifetimeMs: 10_000,
  relayBoundMs: 500,
  relayAllowanceMs: 150,
  relayIntervals: 12,
  connectionIdleMs: 3_000,
  connectionLifetimeMs: 15_000,
  connectionRefusalsMax: 4,
  challengeKeysPerConnectionMax: 6,
  // 64 at once, then 24 a minute (34,560 a day at most; a busy door sees hundreds).
  challengeKeysBurstMax: 64,
  challengeKeyRefillMs: 2_500,
  challengeKeysReservedForReads: 32,
  strangerFailuresMax: 8,
  strangerWindowMs: 60_000,
  routineUpdatesMax: 8,
  routineUpdateWindowMs: 3_600_000,
  skewToleranceS: 30,
  failuresMax: 5,
  failureWindowMs: 60_000,
  connectionsMax: 2,
  // 4 h: a copied ticket opens without the holder key only this long (docs/PROTOCOL.md §7.2).
  ticketLifetimeS: 4 * 3600,
  lockVersions: supportedVersions,
  advertiseChallenge: false,
  // No longer than the relay bound, which runs from the advertisement (a jammed request replayed later fails).
  advertisedChallengeLifetimeMs: 200,
  advertiseResumeNonce: false,
  // Accepted for 2 × 150 = 300 ms from its first advertisement: inside the 330 ms relay bound at a
  // 15 ms interval, and long enough for a phone that heard it to connect (≤ one 100 ms advertising
  // interval + 16.25 ms + the MTU exchange) even when it heard it at the end of its rotation.
  resumeNonceRotationMs: 150,
  clockDriftPpm: 0,
  clockRollbackToleranceMs: 120_000,
  clockOffsetMs: 0,
  batteryCapacityMah: 3_000,
  batteryInitialPercent: 100,
  batteryLowPercent: 20,
  batteryCutoffPercent: 2,
};

// The advertised resume nonce must die before the default relay bound at 15 ms (150 + 12 × 15 = 330 ms).
assert(2 * lockConfigDefaults.resumeNonceRotationMs <= lockConfigDefaults.relayAllowanceMs + lockConfigDefaults.relayIntervals * 15, 'an advertised resume nonce lives no longer than the relay bound at 15 ms');

// Issuers keep a revocation in their snapshots this long past expiry; the lock must not need it longer.
assert(
  lockConfigDefaults.skewToleranceS + lockConfigDefaults.clockRollbackToleranceMs / 1000 <= limits.revocationRetentionS,
  'issuers list a revocation for as long as a default lock could still accept the credential',
);
