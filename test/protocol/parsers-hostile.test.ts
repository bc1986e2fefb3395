/**
 * Every parser at a trust boundary, fed every entry of the shared hostile-input table, throws a
 * LatchkeyError with a code from the one error table: never another error type, never success.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/protocol/bytes.ts';
import { decodeStrict, encodeDeterministic } from '../../src/protocol/cbor.ts';
import { parseCredential } from '../../src/protocol/credential.ts';
import { verifyLockCertificate } from '../../src/protocol/lock-cert.ts';
import { verifyLockUpdate } from '../../src/protocol/lock-update.ts';
import { decodeAdvertisedNonce, decodeChallenge } from '../../src/protocol/unlock/challenge.ts';
import { decodeRequest, decodeResult, decodeSealedInner, decodeSealedResult } from '../../src/protocol/unlock/messages.ts';
import { epochS, makeIssuer, nodeCrypto, seeded, trustedOf } from '../helpers/fixtures.ts';
import { catchLatchkey, hostileInputs } from '../helpers/hostile.ts';

const trusted = trustedOf(makeIssuer(nodeCrypto, 'EdDSA', seeded(1, 'issuer')));

const parsers: [string, (value: Uint8Array) => unknown][] = [
  ['parseCredential', (value) => parseCredential(value)],
  ['decodeChallenge', (value) => decodeChallenge(value)],
  ['decodeAdvertisedNonce', (value) => decodeAdvertisedNonce(value)],
  ['decodeRequest', (value) => decodeRequest(value)],
  ['decodeResult', (value) => decodeResult(value)],
  ['decodeSealedInner', (value) => decodeSealedInner(value)],
  ['decodeSealedResult', (value) => decodeSealedResult(value)],
  ['verifyLockUpdate', (value) => verifyLockUpdate(nodeCrypto, value, trusted)],
  ['verifyLockCertificate', (value) => verifyLockCertificate(nodeCrypto, value, trusted, epochS)],
];

describe('decodeStrict on hostile input', () => {
  const malformed = hostileInputs.filter((input) => input.wellFormedCbor !== true);
  it.each(malformed.map((input) => [input.name, input.value] as const))('%s → LatchkeyError', (inputName, value) => {
    catchLatchkey(() => decodeStrict(value as Uint8Array), `decodeStrict(${inputName})`);
  });
});

describe('decodeStrict on the well-formed entries of the table', () => {
  const wellFormed = hostileInputs.filter((input) => input.wellFormedCbor === true);
  it.each(wellFormed.map((input) => [input.name, input.value as Uint8Array] as const))('%s decodes and re-encodes byte-identically', (_inputName, value) => {
    expect(toHex(encodeDeterministic(decodeStrict(value)))).toBe(toHex(value));
  });
});

describe.each(parsers)('%s on hostile input', (name, parse) => {
  it.each(hostileInputs.map((input) => [input.name, input.value] as const))('%s → LatchkeyError', (inputName, value) => {
    catchLatchkey(() => parse(value as Uint8Array), `${name}(${inputName})`);
  });
});
