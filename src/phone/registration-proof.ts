/**
 * Proof of possession for registering a phone's holder key with the Instant Key service
 * (docs/API.md, "Instant Key app endpoints"). Without it anyone holding a session token could
 * register any public key, e.g. one whose credentials a victim's phone would then be talked into
 * using, or simply a key they do not hold. The phone asks the server for a challenge (32 random
 * bytes, single use, 5 minutes, bound to its client session) and signs, with the holder key itself
 * (ES256, P-256, the key the credential's `cnf` will hold):
 *
 *   CBOR ["latchkey/1 phone registration", challenge, SHA-256(client session token), holder key (SEC1 33 bytes)]
 *
 * The label keeps the signature from being any other latchkey message (unlock proofs sign a CBOR
 * array under their own label); the token hash binds it to this session, so a challenge and proof
 * taken from one session are worthless in another; the key is the one being registered.
 * WebCrypto's ECDSA signs exactly this way (SHA-256, raw r‖s), so a non-extractable browser key can.
 */
import { encodeDeterministic } from '../protocol/cbor.ts';
import type { CryptoProvider } from '../protocol/crypto/provider.ts';

export const registrationProofLabel = 'latchkey/1 phone registration';
export const registrationChallengeBytes = 32;

export function registrationSignedBytes(crypto: CryptoProvider, input: { challenge: Uint8Array; sessionToken: string; holderPublicKey: Uint8Array }): Uint8Array {
  if (input.challenge.length !== registrationChallengeBytes) throw new RangeError(`registrationSignedBytes: challenge must be ${registrationChallengeBytes} bytes`);
  if (input.holderPublicKey.length !== 33) throw new RangeError('registrationSignedBytes: holder key must be SEC1 compressed (33 bytes)');
  return encodeDeterministic([registrationProofLabel, input.challenge, crypto.sha256(new TextEncoder().encode(input.sessionToken)), input.holderPublicKey]);
}
