/** The boot script's hand-written CBOR (src/web/boot.ts) is byte for byte what the server verifies (registrationSignedBytes). */
import { expect, it } from 'vitest';
import { registrationProofLabel, registrationSignedBytes } from '../../src/phone/registration-proof.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { bootScript, registrationCborSource } from '../../src/web/boot.ts';

it('signs exactly the registration proof the server checks', () => {
  const crypto = createNodeProvider();
  const lkCbor = new Function(`${registrationCborSource}; return lkCbor;`)() as (label: string, challenge: Uint8Array, tokenHash: Uint8Array, key: Uint8Array) => Uint8Array;
  for (let seed = 1; seed <= 5; seed++) {
    const challenge = new Uint8Array(32).map((_, i) => (i * seed + 7) & 0xff);
    const key = new Uint8Array(33).map((_, i) => (i === 0 ? 2 + (seed & 1) : (i * 31 + seed) & 0xff));
    const token = `seam_cst1_${'x'.repeat(seed * 7)}`;
    const expected = registrationSignedBytes(crypto, { challenge, sessionToken: token, holderPublicKey: key });
    expect(Buffer.from(lkCbor(registrationProofLabel, challenge, crypto.sha256(new TextEncoder().encode(token)), key))).toEqual(Buffer.from(expected));
  }
  expect(bootScript).toContain(`'${registrationProofLabel}'`);
  expect(bootScript).not.toMatch(/<\/script|<!--|<script/i); // inlined in <script>
});
