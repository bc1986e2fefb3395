/**
 * COSE_Sign1 from outside: the COSE working group's examples (github.com/cose-wg/Examples,
 * sign1-tests/, the repository RFC 9052's Appendix C examples come from), key "11" (P-256), run
 * through latchkey's Sig_structure, both providers and the COSE_Sign1 profile, then adapted to the
 * profile (docs/TESTING.md):
 *
 * - sign-pass-03 ("Remove CBOR Tag": untagged, as latchkey carries COSE_Sign1): latchkey's
 *   Sig_structure is byte-identical to the example's ToBeSign, and the published signature
 *   verifies in both providers. It is high-S (s > n/2), so the issuer rule (low S only) refuses it
 *   as published, and accepts its low-S twin (r, n − s). The message as published is refused by
 *   the profile, `cose_alg_unprotected` (its kid sits in the unprotected header).
 * - sign-fail-02 ("Change signature": the payload's last byte changed under the same signature):
 *   refused by both providers with or without the low-S rule.
 * - sign-pass-02 ("External": external_aad 11aa…99): latchkey signs with an empty external_aad, so
 *   its Sig_structure differs from the example's; the published signature still verifies over the
 *   example's own ToBeSign (it is low-S), showing the difference is the profile, not the crypto.
 * - Adapted: the same key and payload as a latchkey-profile COSE_Sign1 ({alg, kid} protected,
 *   unprotected empty, untagged) parses and verifies; the tagged form (tag 18) is refused
 *   (`cbor_unsupported_type`: latchkey's CBOR decoder accepts no tags).
 */
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../../src/protocol/bytes.ts';
import { encodeDeterministic, cborMap } from '../../src/protocol/cbor.ts';
import { createNobleProvider } from '../../src/protocol/crypto/noble.ts';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { isHighS, type CryptoProvider } from '../../src/protocol/crypto/provider.ts';
import { headerLabel, parseSign1, signSign1, toBeSigned, verifySign1Signature } from '../../src/protocol/cose.ts';
import { codeOf } from '../helpers/fixtures.ts';

const b64url = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64url'));

/** Key "11" of the COSE WG examples (P-256), JWK coordinates as published. */
const key11 = {
  kid: utf8('11'),
  x: b64url('usWxHK2PmfnHKwXPS54m0kTcGJ90UiglWiGahtagnv8'),
  y: b64url('IBOL-C3BttVivg-lSreASjpkttcsz-1rb7btKLv8EX4'),
  d: b64url('V8kgd2ZBRuh2dgyVINBUqpPDr7BOMGcF22CQMIUHtNM'),
};
const key11Public = concatBytes(Uint8Array.of(0x04), key11.x, key11.y);
const payload = utf8('This is the content.');

/** sign1-tests/sign-pass-03.json: intermediates.ToBeSign_hex and output.cbor. */
const pass03 = {
  toBeSigned: fromHex('846a5369676e61747572653143a101264054546869732069732074686520636f6e74656e742e'),
  cbor: fromHex('8443a10126a10442313154546869732069732074686520636f6e74656e742e5840eae868ecc176883766c5dc5ba5b8dca25dab3c2e56a551ce5705b793914348e19f43d6c6ba654472da301b645b293c9ba939295b97c4bdb847782bff384c5794'),
};
/** sign1-tests/sign-fail-02.json: output.cbor (tagged; payload ends in '/' instead of '.'). */
const fail02Cbor = fromHex('d28443a10126a10442313154546869732069732074686520636f6e74656e742f5840eae868ecc176883766c5dc5ba5b8dca25dab3c2e56a551ce5705b793914348e19f43d6c6ba654472da301b645b293c9ba939295b97c4bdb847782bff384c5794');
/** sign1-tests/sign-pass-02.json: ToBeSign_hex (external_aad 11aa22bb33cc44dd55006699) and the signature. */
const pass02 = {
  toBeSigned: fromHex('846a5369676e61747572653143a101264c11aa22bb33cc44dd5500669954546869732069732074686520636f6e74656e742e'),
  signature: fromHex('eae868ecc176883766c5dc5ba5b8dca25dab3c2e56a551ce5705b793914348e155388b10c4f1b59a6733eab416870a945111a4b2fbdbef33a77234b1deff2f9b'),
};

const p256Order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
function lowSTwin(signature: Uint8Array): Uint8Array {
  const s = BigInt(`0x${toHex(signature.subarray(32))}`);
  return concatBytes(signature.subarray(0, 32), fromHex((p256Order - s).toString(16).padStart(64, '0')));
}


const providers: CryptoProvider[] = [createNodeProvider(), createNobleProvider()];

describe.each(providers)('COSE WG COSE_Sign1 examples through the $name provider', (crypto) => {
  it('key 11: the published private key gives the published public key', () => {
    expect(toHex(crypto.publicKeyOf('ES256', key11.d))).toBe(toHex(concatBytes(Uint8Array.of(0x02 | (key11.y[31]! & 1)), key11.x)));
  });

  it('sign-pass-03: latchkey’s Sig_structure is the example’s ToBeSign, and the published signature verifies (either S)', () => {
    expect(toHex(toBeSigned(fromHex('a10126'), payload))).toBe(toHex(pass03.toBeSigned));
    const signature = pass03.cbor.subarray(pass03.cbor.length - 64);
    expect(crypto.verify('ES256', key11Public, pass03.toBeSigned, signature)).toBe(true);
  });

  it('sign-pass-03 under latchkey’s rules: high S refused for an issuer, its low-S twin accepted; the message itself refused by the profile (kid unprotected)', () => {
    const signature = pass03.cbor.subarray(pass03.cbor.length - 64);
    expect(isHighS(signature)).toBe(true);
    expect(crypto.verify('ES256', key11Public, pass03.toBeSigned, signature, { lowS: true })).toBe(false);
    const twin = lowSTwin(signature);
    expect(isHighS(twin)).toBe(false);
    expect(crypto.verify('ES256', key11Public, pass03.toBeSigned, twin, { lowS: true })).toBe(true);
    expect(codeOf(() => parseSign1(pass03.cbor, ['ES256'], 1024))).toBe('cose_alg_unprotected');
  });

  it('sign-fail-02: the changed payload is refused under the published signature, with or without the low-S rule', () => {
    const signature = fail02Cbor.subarray(fail02Cbor.length - 64);
    const changed = utf8('This is the content/');
    expect(crypto.verify('ES256', key11Public, toBeSigned(fromHex('a10126'), changed), signature)).toBe(false);
    expect(crypto.verify('ES256', key11Public, toBeSigned(fromHex('a10126'), changed), lowSTwin(signature), { lowS: true })).toBe(false);
  });

  it('sign-pass-02: external_aad is outside the profile (latchkey’s Sig_structure differs), the signature verifies over the example’s own ToBeSign', () => {
    expect(toHex(toBeSigned(fromHex('a10126'), payload))).not.toBe(toHex(pass02.toBeSigned));
    expect(isHighS(pass02.signature)).toBe(false);
    expect(crypto.verify('ES256', key11Public, pass02.toBeSigned, pass02.signature, { lowS: true })).toBe(true);
  });

  it('adapted to the profile: key 11 and the same payload, {alg, kid} protected and nothing unprotected, untagged: parses and verifies; tagged (18) is refused', () => {
    const message = signSign1(crypto, 'ES256', key11.d, key11.kid, payload);
    const sign1 = parseSign1(message, ['ES256'], 1024);
    expect(toHex(sign1.protectedBytes)).toBe(toHex(encodeDeterministic(cborMap([[headerLabel.alg, -7], [headerLabel.kid, key11.kid]]))));
    expect(toHex(sign1.protectedBytes)).toBe('a201260442' + '3131');
    expect(toHex(sign1.payload)).toBe(toHex(payload));
    expect(codeOf(() => verifySign1Signature(crypto, sign1, key11Public))).toBeUndefined();
    // The other provider agrees on the adapted message, and a one-bit change is refused.
    const other = providers.find((entry) => entry !== crypto)!;
    expect(codeOf(() => verifySign1Signature(other, sign1, key11Public))).toBeUndefined();
    expect(codeOf(() => verifySign1Signature(crypto, { ...sign1, payload: utf8('This is the content/') }, key11Public))).toBe('cose_bad_signature');
    const tagged = concatBytes(Uint8Array.of(0xd2), message);
    expect(codeOf(() => parseSign1(tagged, ['ES256'], 1024))).toBe('cbor_unsupported_type');
  });
});
