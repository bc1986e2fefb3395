/** Server-side signing: credentials issued per user-CPU second per issuer algorithm (node provider). */
import { issueCredential } from '../../protocol/credential.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../../protocol/crypto/provider.ts';
import { makeIssuerKey } from '../../protocol/issuer-keys.ts';
import { createSeededRandom } from '../../protocol/random.ts';
import { measureRate, type Rate } from './cpu-rate.ts';

export function issuanceRate(crypto: CryptoProvider, algorithm: SignatureAlgorithm, durationMs: number): Rate {
  const random = createSeededRandom(77);
  const issuer = makeIssuerKey(crypto, algorithm, algorithm === 'EdDSA' ? random.bytes(32) : p256SecretFromSeed(random.bytes(48)), random.bytes(8));
  const holderKey = crypto.publicKeyOf('ES256', p256SecretFromSeed(random.bytes(48)));
  const inputs = Array.from({ length: 32 }, (_, i) => ({
    issuer: 'https://latchkey.invalid/issuer',
    subject: `guest-${i}`,
    credentialId: random.bytes(16),
    notBeforeS: 1_790_000_000,
    expiresAtS: 1_790_086_400,
    issuedAtS: 1_790_000_000,
    holderKey,
    grantId: random.bytes(16),
    doors: Array.from({ length: 1 + (i % 4) }, () => ({ lockId: random.bytes(8), sequence: i })),
  }));
  return measureRate(inputs, durationMs, (claims) => issueCredential(crypto, issuer, claims));
}
