/** Lock configuration (with defaults) and identity (its static keys). */
import { supportedVersions } from '../src/protocol/unlock/versions.ts';

export interface LockIdentity {
  lockId: Uint8Array;
  /** Ed25519 secret that signs results (certified by the issuer). */
  signingSecret: Uint8Array;
  /** P-256 secret for ECDH with the phone's ephemeral key (certified by the issuer). */
  agreementSecret: Uint8Array;
}

export interface LockConfig {
  /** How long the bolt stays open after an unlock. */
  unlockMs: number;
  /** A challenge older than this is refused. */
  challengeLifetimeMs: number;
  /** Relay guard: the final request must arrive within this of the challenge being handed out. */
  relayBoundMs: number;
  /** Grace at credential validity boundaries for issuer/lock clock skew. */
  skewToleranceS: number;
  /** Failed attempts allowed per window before rate limiting (battery, DoS). */
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
  skewToleranceS: 30,
  failuresMax: 5,
  failureWindowMs: 60_000,
  connectionsMax: 2,
  ticketLifetimeS: 24 * 3600,
  lockVersions: supportedVersions,
  advertiseChallenge: false,
  advertisedChallengeLifetimeMs: 2_000,
  clockDriftPpm: 0,
  clockRollbackToleranceMs: 120_000,
  clockOffsetMs: 0,
  batteryCapacityMah: 3_000,
  batteryInitialPercent: 100,
  batteryLowPercent: 20,
  batteryCutoffPercent: 2,
};
