/**
 * The crypto providers keep no copy of a secret in the JavaScript heap once a call returns: no
 * cache keyed by the secret's bytes (the node provider used to keep every P-256 secret it saw, as
 * the hex key of a 16,384-entry ECDH cache, so ephemeral secrets outlived their sessions). Checked
 * on a heap snapshot (taken after a full collection) of the running test: the secret's hex text
 * must not be anywhere in it. The needle is built as bytes, never as a string, so the test itself
 * does not put it there.
 */
import { getHeapSnapshot } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { p256SecretFromSeed, type CryptoProvider } from '../../src/protocol/crypto/provider.ts';
import { seeded } from '../helpers/fixtures.ts';

const hexDigitCodes = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
/** The ASCII bytes of `bytes` in lowercase hex, without ever making that text a JS string. */
function hexNeedle(bytes: Uint8Array): Buffer {
  const out = Buffer.alloc(bytes.length * 2);
  bytes.forEach((byte, index) => {
    out[2 * index] = hexDigitCodes[byte >> 4]!;
    out[2 * index + 1] = hexDigitCodes[byte & 15]!;
  });
  return out;
}

/** Which needles occur in a heap snapshot of this process (streamed; chunk borders handled). */
async function foundInHeap(needles: Buffer[]): Promise<boolean[]> {
  const found = needles.map(() => false);
  const overlap = Math.max(...needles.map((needle) => needle.length)) - 1;
  let tail = Buffer.alloc(0);
  for await (const chunk of getHeapSnapshot()) {
    const window = Buffer.concat([tail, chunk as Buffer]);
    needles.forEach((needle, index) => {
      if (!found[index] && window.includes(needle)) found[index] = true;
    });
    tail = window.subarray(Math.max(0, window.length - overlap));
  }
  return found;
}

describe.each([['node', createNodeProvider()], ['noble', createNobleProvider()]] as [string, CryptoProvider][])('%s provider keeps no secret after a call', (_name, crypto) => {
  it('neither an ECDH secret (ephemeral or static) nor an Ed25519 signing secret is left in the heap as text', async () => {
    const random = seeded(25, `secrets-${crypto.name}`);
    const ephemeral = p256SecretFromSeed(random.bytes(48));
    const staticAgreement = p256SecretFromSeed(random.bytes(48));
    const signing = random.bytes(32);
    const peer = crypto.publicKeyOf('ES256', p256SecretFromSeed(random.bytes(48)));
    crypto.publicKeyOf('ES256', ephemeral);
    crypto.ecdhP256(ephemeral, peer);
    crypto.ecdhP256(staticAgreement, peer);
    crypto.sign('ES256', staticAgreement, new Uint8Array(8));
    crypto.publicKeyOf('EdDSA', signing);
    crypto.sign('EdDSA', signing, new Uint8Array(8));
    // Control: the hex text of other random bytes, held in a live string, must be found.
    const controlBytes = random.bytes(32);
    const controlText = hexNeedle(controlBytes).toString('latin1');
    const [ephemeralFound, staticFound, signingFound, controlFound] = await foundInHeap([hexNeedle(ephemeral), hexNeedle(staticAgreement), hexNeedle(signing), hexNeedle(controlBytes)]);
    expect(controlText).toHaveLength(64);
    expect(controlFound).toBe(true);
    expect({ ephemeralFound, staticFound, signingFound }).toEqual({ ephemeralFound: false, staticFound: false, signingFound: false });
  }, 60_000);
});
