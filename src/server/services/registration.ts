/**
 * Proof that a phone holds the key it registers (src/phone/registration-proof.ts says what it signs
 * and why). The server hands out challenges — 32 random bytes, stored only as a hash, bound to the
 * client session that asked, single use, `registrationChallengeLifetimeMs` — and checks the ES256
 * signature over the challenge, the session token's hash and the key with the protocol's crypto
 * provider before the phone is registered. A challenge is consumed by the first registration that
 * names it, whether or not its signature verifies.
 */
import { createHash, randomBytes } from 'node:crypto';
import { registrationChallengeBytes, registrationSignedBytes } from '../../phone/registration-proof.ts';
import { inTransaction, nowIso, type ServerContext } from '../context.ts';
import { invalidInput } from '../http/errors.ts';
import type { AppSession } from './phones.ts';

export const registrationChallengeLifetimeMs = 5 * 60_000;
/** Outstanding challenges one session may have; asking for more (POST phones/challenge) drops its oldest. */
export const registrationChallengesPerSessionMax = 8;
/**
 * Outstanding challenges that page loads of a link may have (a first visit's GET /ik/<code>, which
 * anyone holding the link can repeat: chat apps fetch it for a preview). Beyond it a page comes
 * without one (the page then asks POST phones/challenge), and a page's challenge never drops another.
 */
export const registrationChallengesPerPageMax = 4;

const challengeHash = (challenge: Uint8Array): string => createHash('sha256').update(challenge).digest('hex');

/** A fresh challenge for `session`. From a page load (`source: 'page'`): undefined once the page budget is spent. */
export function issueRegistrationChallenge(context: ServerContext, session: AppSession): Promise<{ challenge: string; expires_at: string }>;
export function issueRegistrationChallenge(context: ServerContext, session: AppSession, source: 'page'): Promise<{ challenge: string; expires_at: string } | undefined>;
export async function issueRegistrationChallenge(context: ServerContext, session: AppSession, source: 'api' | 'page' = 'api'): Promise<{ challenge: string; expires_at: string } | undefined> {
  const challenge = new Uint8Array(randomBytes(registrationChallengeBytes));
  const expiresAt = new Date(context.clock() + registrationChallengeLifetimeMs).toISOString();
  const stored = await inTransaction(context, async (context) =>
    context.repo.identities.insertRegistrationChallenge(
      { challenge_hash: challengeHash(challenge), client_session_id: session.client_session_id, created_at: nowIso(context), expires_at: expiresAt, source },
      { perSessionMax: registrationChallengesPerSessionMax, pageMax: registrationChallengesPerPageMax },
    ),
  );
  if (!stored) return undefined;
  return { challenge: Buffer.from(challenge).toString('base64url'), expires_at: expiresAt };
}

/** Strict base64url of an exact byte length (no padding, no other alphabet), else 400 naming the field. */
export function parseFixedBase64Url(text: string, lengthBytes: number, field: string): Uint8Array {
  const bytes = /^[A-Za-z0-9_-]*$/.test(text) ? new Uint8Array(Buffer.from(text, 'base64url')) : undefined;
  if (bytes === undefined || bytes.length !== lengthBytes || Buffer.from(bytes).toString('base64url') !== text) {
    throw invalidInput(`${field} must be ${lengthBytes} bytes, base64url`, [{ path: field, message: `not ${lengthBytes} bytes of base64url` }]);
  }
  return bytes;
}

/**
 * Consumes the challenge (in its own transaction, so a failed proof still uses it up) and verifies
 * the holder key's signature; throws 400 `invalid_input` naming `challenge` or `signature`.
 */
export async function checkPossession(context: ServerContext, session: AppSession, token: string, input: { publicKey: Uint8Array; challenge: Uint8Array; signature: Uint8Array }): Promise<void> {
  const fresh = await inTransaction(context, async (context) => context.repo.identities.takeRegistrationChallenge(challengeHash(input.challenge), session.client_session_id, nowIso(context)));
  if (!fresh) throw invalidInput('challenge is unknown, used, expired or from another session: ask POST /instant_key_app/phones/challenge for a new one', [{ path: 'challenge', message: 'not a live challenge of this session' }]);
  const crypto = context.issuer.crypto;
  const message = registrationSignedBytes(crypto, { challenge: input.challenge, sessionToken: token, holderPublicKey: input.publicKey });
  if (!crypto.verify('ES256', input.publicKey, message, input.signature)) {
    throw invalidInput('signature is not the holder key\'s ES256 signature over the registration challenge', [{ path: 'signature', message: 'does not verify with public_key' }]);
  }
}
