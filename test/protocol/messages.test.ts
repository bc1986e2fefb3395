/**
 * Unlock protocol messages: every message round-trips encode → decode → encode byte-identically;
 * truncations and appended bytes are refused with a code; chunking splits and reassembles at the
 * usual MTUs; the Reassembler refuses missing, duplicated, reordered and oversized input and never
 * hands out a partial message; an AEAD direction refuses to go past sessionMessagesMax.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/protocol/bytes.ts';
import type { CryptoProvider } from '../../src/protocol/crypto/provider.ts';
import { limits } from '../../src/protocol/limits.ts';
import { advertisedNonceBytes, challengeMessageBytes, commitmentBytes, decodeAdvertisedNonce, decodeChallenge, encodeAdvertisedNonce, encodeChallenge } from '../../src/protocol/unlock/challenge.ts';
import { Reassembler, chunkDataBytes, splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { AeadDirection, direction } from '../../src/protocol/unlock/key-schedule.ts';
import {
  decodeRequest,
  decodeResult,
  decodeSealedInner,
  decodeSealedResult,
  encodeRequest,
  encodeResult,
  encodeSealedInner,
  encodeSealedResult,
  piggybackBytesMax,
  requestType,
  updatesPerRequestMax,
  resultBytesMax,
  type Request,
  type Result,
  type SealedInner,
} from '../../src/protocol/unlock/messages.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';
import { catchLatchkey } from '../helpers/hostile.ts';

const bytesOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length });
const byte = fc.integer({ min: 0, max: 255 });
const update = fc.uint8Array({ minLength: 1, maxLength: 300 });

const fullRequest = fc.record({ type: fc.constant(requestType.full), version: byte, phoneVersions: byte, phoneEphemeralKey: bytesOf(33), sealed: fc.uint8Array({ minLength: 16, maxLength: 900 }) });
const resumeRequest = fc.record({ type: fc.constant(requestType.resume), version: byte, phoneVersions: byte, ticketId: bytesOf(8), action: byte, updates: fc.array(update, { maxLength: 1 }), mac: bytesOf(16) });
const advertisedResumeRequest = fc.record({ type: fc.constant(requestType.advertisedResume), version: byte, phoneVersions: byte, nonce: bytesOf(advertisedNonceBytes), ticketId: bytesOf(8), action: byte, updates: fc.array(update, { maxLength: 1 }), mac: bytesOf(16) });
const request: fc.Arbitrary<Request> = fc.oneof(fullRequest, resumeRequest, advertisedResumeRequest);
const sealedInner: fc.Arbitrary<SealedInner> = fc.record({
  action: byte,
  holderSignature: bytesOf(64),
  updates: fc.array(update, { maxLength: 1 }),
  credentialOrHash: fc.uint8Array({ minLength: 32, maxLength: limits.credentialBytesMax }),
});
const result: fc.Arbitrary<Result> = fc.oneof(
  fc.constant({ type: 0 as const }),
  fc.record({ type: fc.constant(requestType.full), status: byte }),
  fc.record({ type: fc.constant(requestType.full), status: byte, lockEphemeralKey: bytesOf(33), sealed: fc.uint8Array({ minLength: 16, maxLength: 120 }) }),
  fc.record({ type: fc.constant(requestType.full), status: byte, sealed: fc.uint8Array({ minLength: 16, maxLength: 120 }) }),
  fc.record({ type: fc.constant(requestType.resume), status: byte }),
  fc.record({ type: fc.constant(requestType.resume), status: byte, mac: bytesOf(16) }),
  fc.record({ type: fc.constant(requestType.advertisedResume), status: byte, challenge: bytesOf(challengeMessageBytes) }),
);
const sealedResult = fc.record({ lockSignature: bytesOf(64), ticketLifetimeS: fc.integer({ min: 0, max: 0xffffffff }), lockTimeS: fc.integer({ min: 0, max: 0xffffffff }) });

interface Codec<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}
const codecs: Codec<never>[] = [
  { name: 'challenge (form 1)', arbitrary: fc.record({ form: fc.constant(1), lockVersions: fc.integer({ min: 1, max: 255 }), commitment: bytesOf(commitmentBytes) }), encode: encodeChallenge, decode: decodeChallenge },
  { name: 'challenge (form 2)', arbitrary: fc.record({ form: fc.constant(2), lockVersions: fc.integer({ min: 1, max: 255 }), lockEphemeralKey: bytesOf(33) }), encode: encodeChallenge, decode: decodeChallenge },
  { name: 'challenge (form 3)', arbitrary: fc.record({ form: fc.constant(3), lockVersions: fc.integer({ min: 1, max: 255 }), lockEphemeralKey: bytesOf(33), lockSignature: bytesOf(64) }), encode: encodeChallenge, decode: decodeChallenge },
  { name: 'advertised resume nonce (form 4)', arbitrary: fc.record({ lockVersions: fc.integer({ min: 1, max: 255 }), nonce: bytesOf(advertisedNonceBytes) }), encode: encodeAdvertisedNonce, decode: decodeAdvertisedNonce },
  { name: 'request (full, resume, advertised resume)', arbitrary: request, encode: encodeRequest, decode: decodeRequest },
  { name: 'sealed inner', arbitrary: sealedInner, encode: encodeSealedInner, decode: decodeSealedInner },
  { name: 'result', arbitrary: result, encode: encodeResult, decode: decodeResult },
  { name: 'sealed result', arbitrary: sealedResult, encode: encodeSealedResult, decode: decodeSealedResult },
] as unknown as Codec<never>[];

describe.each(codecs)('$name codec', (codec) => {
  it('encode → decode → encode is byte-identical and value-preserving', () => {
    fc.assert(
      fc.property(codec.arbitrary, (value) => {
        const bytes = codec.encode(value);
        const decoded = codec.decode(bytes) as never;
        expect(decoded).toEqual(value);
        expect(toHex(codec.encode(decoded))).toBe(toHex(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('every truncation and any appended bytes are refused with a code', () => {
    fc.assert(
      fc.property(codec.arbitrary, fc.uint8Array({ minLength: 1, maxLength: 8 }), (value, extra) => {
        const bytes = codec.encode(value);
        for (let length = 0; length < bytes.length; length++) catchLatchkey(() => codec.decode(bytes.slice(0, length)), `${codec.name} cut to ${length}`);
        catchLatchkey(() => codec.decode(new Uint8Array([...bytes, ...extra])), `${codec.name} + ${toHex(extra)}`);
      }),
      { numRuns: 40 },
    );
  });

  it('a bit flip is refused with a code or decodes to a message whose encoding is exactly the flipped bytes', () => {
    fc.assert(
      fc.property(codec.arbitrary, fc.nat(), (value, bitSeed) => {
        const bytes = codec.encode(value);
        const bit = bitSeed % (bytes.length * 8);
        const flipped = bytes.slice();
        flipped[bit >> 3] = flipped[bit >> 3]! ^ (1 << (bit & 7));
        let decoded: unknown;
        try {
          decoded = codec.decode(flipped);
        } catch (error) {
          catchLatchkey(() => {
            throw error;
          });
          return;
        }
        expect(toHex(codec.encode(decoded as never))).toBe(toHex(flipped));
      }),
      { numRuns: 300 },
    );
  });
});

describe('message shapes refused with their codes', () => {
  it('challenge: short → message_truncated, long → message_too_large, wrong type → message_malformed, no version → version_unsupported', () => {
    const good = encodeChallenge({ form: 1, lockVersions: 1, commitment: new Uint8Array(commitmentBytes).fill(9) });
    expect(good.length).toBe(challengeMessageBytes);
    for (let length = 0; length < good.length; length++) expect(catchLatchkey(() => decodeChallenge(good.slice(0, length))).code).toBe('message_truncated');
    expect(catchLatchkey(() => decodeChallenge(new Uint8Array([...good, 0]))).code).toBe('message_too_large');
    // Form 2 with a form-1 body is too short; an unknown form byte is malformed.
    expect(catchLatchkey(() => decodeChallenge(new Uint8Array([2, ...good.subarray(1)]))).code).toBe('message_truncated');
    expect(catchLatchkey(() => decodeChallenge(new Uint8Array([4, ...good.subarray(1)]))).code).toBe('message_malformed');
    expect(catchLatchkey(() => decodeChallenge(new Uint8Array([0, ...good.subarray(1)]))).code).toBe('message_malformed');
    expect(catchLatchkey(() => decodeChallenge(new Uint8Array([1, 0, ...good.subarray(2)]))).code).toBe('version_unsupported');
  });

  it('advertised resume nonce: short → message_truncated, long → message_too_large, a challenge form → message_malformed, no version → version_unsupported', () => {
    const good = encodeAdvertisedNonce({ lockVersions: 2, nonce: new Uint8Array(advertisedNonceBytes).fill(5) });
    expect(good.length).toBe(18);
    for (let length = 0; length < good.length; length++) expect(catchLatchkey(() => decodeAdvertisedNonce(good.slice(0, length))).code).toBe('message_truncated');
    expect(catchLatchkey(() => decodeAdvertisedNonce(new Uint8Array([...good, 0]))).code).toBe('message_too_large');
    expect(catchLatchkey(() => decodeAdvertisedNonce(new Uint8Array([1, ...good.subarray(1)]))).code).toBe('message_malformed');
    expect(catchLatchkey(() => decodeAdvertisedNonce(new Uint8Array([4, 0, ...good.subarray(2)]))).code).toBe('version_unsupported');
    // A form-4 message is never a challenge (its MAC must not answer a read one, nor the reverse).
    expect(catchLatchkey(() => decodeChallenge(good)).code).toBe('message_malformed');
  });

  it('a type-3 request with a nonce of the wrong size, and a retry result with a challenge of the wrong size, are message_malformed', () => {
    const request = (nonce: Uint8Array) => encodeRequest({ type: requestType.advertisedResume, version: 2, phoneVersions: 2, nonce, ticketId: new Uint8Array(8), action: 1, updates: [], mac: new Uint8Array(16) });
    expect(decodeRequest(request(new Uint8Array(16)))).toMatchObject({ type: 3 });
    for (const size of [0, 15, 17, 19]) expect(catchLatchkey(() => decodeRequest(request(new Uint8Array(size)))).code).toBe('message_malformed');
    for (const size of [0, 20, 22]) expect(catchLatchkey(() => decodeResult(encodeResult({ type: requestType.advertisedResume, status: 0x38, challenge: new Uint8Array(size) }))).code).toBe('message_malformed');
  });

  it('a decoded challenge does not alias the read buffer', () => {
    const good = encodeChallenge({ form: 1, lockVersions: 1, commitment: new Uint8Array(commitmentBytes).fill(9) });
    const challenge = decodeChallenge(good);
    good.fill(0);
    expect(challenge.commitment!.every((b) => b === 9)).toBe(true);
  });

  it('requests and results of the wrong shape are message_malformed', () => {
    const cases = [
      () => decodeRequest(new Uint8Array([0x80])),
      () => decodeRequest(new Uint8Array([0x81, 0x03])),
      () => decodeRequest(new Uint8Array([0x82, 0x01, 0x01])),
      () => decodeRequest(new Uint8Array([0xa0])),
      () => decodeResult(new Uint8Array([0x82, 0x00, 0x00])),
      () => decodeResult(new Uint8Array([0x83, 0x01, 0x00, 0x00])),
      () => decodeResult(new Uint8Array([0x81, 0x07])),
      () => decodeSealedInner(new Uint8Array([0x83, 0x01, 0x40, 0x80])),
    ];
    for (const decode of cases) expect(catchLatchkey(decode).code).toBe('message_malformed');
  });

  it(`a result over ${resultBytesMax} bytes is refused before decoding`, () => {
    const big = new Uint8Array(resultBytesMax + 1);
    expect(catchLatchkey(() => decodeResult(big)).code).toBe('cbor_too_large');
  });

  it(`more than ${updatesPerRequestMax} updates in one request are refused`, () => {
    const updates = Array.from({ length: updatesPerRequestMax + 1 }, () => new Uint8Array(3));
    const bytes = encodeRequest({ type: 2, version: 1, phoneVersions: 1, ticketId: new Uint8Array(8), action: 1, updates, mac: new Uint8Array(16) });
    expect(catchLatchkey(() => decodeRequest(bytes)).code).toBe('message_malformed');
    expect(decodeRequest(encodeRequest({ type: 2, version: 1, phoneVersions: 1, ticketId: new Uint8Array(8), action: 1, updates: updates.slice(1), mac: new Uint8Array(16) })).type).toBe(2);
  });

  it(`the largest credential with ${piggybackBytesMax} bytes of piggybacked updates fits one request (${limits.requestBytesMax} bytes)`, () => {
    // Two updates (the most a request carries) share the budget; each length prefix is at its widest.
    const half = Math.floor(piggybackBytesMax / 2);
    const inner = encodeSealedInner({ action: 1, holderSignature: new Uint8Array(64), updates: [new Uint8Array(half), new Uint8Array(piggybackBytesMax - half)], credentialOrHash: new Uint8Array(limits.credentialBytesMax) });
    const sealedBytes = inner.length + 16; // AES-GCM tag
    const request = encodeRequest({ type: 1, version: 2, phoneVersions: 0xff, phoneEphemeralKey: new Uint8Array(33), sealed: new Uint8Array(sealedBytes) });
    expect(request.length).toBeLessThanOrEqual(limits.requestBytesMax);
    expect(decodeRequest(request).type).toBe(1);
  });
});

// -- chunking --

const mtus = [23, 185, 247, 517] as const;

function reassemble(chunks: Uint8Array[]): { message?: Uint8Array; messages: Uint8Array[]; errors: string[]; results: number } {
  const reassembler = new Reassembler();
  const errors: string[] = [];
  const messages: Uint8Array[] = [];
  let message: Uint8Array | undefined;
  let results = 0;
  for (const chunk of chunks) {
    try {
      const out = reassembler.push(chunk);
      if (out !== undefined) {
        message = out;
        messages.push(out);
        results++;
      }
    } catch (error) {
      errors.push(catchLatchkey(() => {
        throw error;
      }).code);
    }
  }
  return { ...(message ? { message } : {}), messages, errors, results };
}

describe.each(mtus)('chunking at MTU %i', (mtu) => {
  const size = chunkDataBytes(mtu);
  const lengths = [0, 1, size - 1, size, size + 1, 2 * size, 1000, limits.requestBytesMax].filter((length) => length <= limits.requestBytesMax);

  it.each(lengths)('a %i-byte message splits within the MTU and reassembles exactly', (length) => {
    const message = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
    const chunks = splitIntoChunks(message, mtu);
    expect(chunks.length).toBe(Math.max(1, Math.ceil(length / size)));
    chunks.forEach((chunk, index) => {
      expect(chunk.length).toBeLessThanOrEqual(mtu - 3);
      expect(chunk[0]).toBe((index < chunks.length - 1 ? 0x80 : 0) | index);
    });
    const { message: out, errors, results } = reassemble(chunks);
    expect(errors).toEqual([]);
    expect(results).toBe(1);
    expect(toHex(out!)).toBe(toHex(message));
  });

  it('missing, duplicated and reordered chunks are chunk_sequence and never yield a message', () => {
    const message = Uint8Array.from({ length: Math.min(4 * size + 3, limits.requestBytesMax) }, (_, i) => i & 0xff);
    const chunks = splitIntoChunks(message, mtu);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (let i = 0; i < chunks.length; i++) {
      const missing = chunks.filter((_, j) => j !== i);
      const duplicated = [...chunks.slice(0, i + 1), chunks[i]!, ...chunks.slice(i + 1)];
      const last = i === chunks.length - 1;
      for (const [name, sequence] of [['missing', missing], ['duplicated', duplicated]] as const) {
        const outcome = reassemble(sequence);
        if (last && name === 'duplicated') {
          // The message was whole before the copy arrived; the copy alone is out of sequence.
          expect(outcome.messages.map(toHex)).toEqual([toHex(message)]);
          expect(outcome.errors).toEqual(['chunk_sequence']);
          continue;
        }
        expect(outcome.results, `${name} ${i}`).toBe(0);
        if (last) expect(outcome.errors, 'missing last chunk: still pending, nothing returned').toEqual([]);
        else expect(outcome.errors[0], `${name} ${i}`).toBe('chunk_sequence');
      }
      if (i + 1 < chunks.length) {
        const swapped = chunks.slice();
        [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
        const outcome = reassemble(swapped);
        expect(outcome.results).toBe(0);
        expect(outcome.errors[0]).toBe('chunk_sequence');
      }
    }
  });

  it(`a message over ${limits.requestBytesMax} bytes is message_too_large and nothing is returned`, () => {
    const chunks: Uint8Array[] = [];
    const total = limits.requestBytesMax + 1;
    const count = Math.ceil(total / size);
    for (let index = 0; index < count; index++) {
      const data = new Uint8Array(Math.min(size, total - index * size));
      chunks.push(new Uint8Array([(index < count - 1 ? 0x80 : 0) | (index & 0x7f), ...data]));
    }
    const outcome = reassemble(chunks);
    expect(outcome.results).toBe(0);
    expect(outcome.errors[0]).toBe('message_too_large');
  });
});

describe('Reassembler state after faults', () => {
  it('an unfinished message followed by a new one is a sequence fault; the next clean message is whole', () => {
    const first = splitIntoChunks(new Uint8Array(100).fill(1), 23);
    const second = splitIntoChunks(new Uint8Array(50).fill(2), 23);
    const reassembler = new Reassembler();
    for (const chunk of first.slice(0, -1)) expect(reassembler.push(chunk)).toBeUndefined();
    expect(reassembler.pending).toBe(true);
    expect(catchLatchkey(() => reassembler.push(second[0]!)).code).toBe('chunk_sequence');
    expect(reassembler.pending).toBe(false);
    let out: Uint8Array | undefined;
    for (const chunk of second) out = reassembler.push(chunk);
    expect(toHex(out!)).toBe(toHex(new Uint8Array(50).fill(2)));
  });

  it('an empty chunk is message_malformed and resets', () => {
    const reassembler = new Reassembler();
    reassembler.push(new Uint8Array([0x80, 1, 2]));
    expect(catchLatchkey(() => reassembler.push(new Uint8Array(0))).code).toBe('message_malformed');
    expect(reassembler.pending).toBe(false);
  });

  const editStream = (chunks: Uint8Array[], edits: [string, number][]): void => {
    for (const [edit, at] of edits) {
      const i = at % chunks.length;
      if (edit === 'drop' && chunks.length > 1) chunks.splice(i, 1);
      else if (edit === 'duplicate') chunks.splice(i, 0, chunks[i]!);
      else if (edit === 'swap' && chunks.length > 1) [chunks[i], chunks[(i + 1) % chunks.length]] = [chunks[(i + 1) % chunks.length]!, chunks[i]!];
      else if (edit === 'index') chunks[i] = new Uint8Array([(chunks[i]![0]! & 0x80) | ((chunks[i]![0]! + 1) & 0x7f), ...chunks[i]!.subarray(1)]);
    }
  };

  it('dropped, duplicated and swapped chunks never return anything but the original message', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...mtus),
        fc.integer({ min: 1, max: limits.requestBytesMax }),
        fc.array(fc.tuple(fc.constantFrom('drop', 'duplicate', 'swap'), fc.nat()), { minLength: 1, maxLength: 3 }),
        (mtu, length, edits) => {
          const message = Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff);
          const chunks = splitIntoChunks(message, mtu);
          editStream(chunks, edits);
          const outcome = reassemble(chunks);
          // With genuine headers every index names one original chunk, so only the original can
          // complete (a duplicated last chunk may complete it twice: the single-use challenge handles that).
          for (const out of outcome.messages) expect(toHex(out)).toBe(toHex(message));
          for (const code of outcome.errors) expect(['chunk_sequence', 'message_too_large', 'message_malformed']).toContain(code);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('forged chunk headers may splice a message (framing is not integrity) but stay bounded with stable codes', () => {
    // Known counterexample: duplicate chunk 0, forge its index to 1, drop the real chunk 1 →
    // c0‖c0‖c2, same length. The AEAD (full path) and MAC (resume path) above refuse any splice;
    // the lock model test and the fuzzer check that no actuation follows.
    const message = Uint8Array.from({ length: 363 }, (_, i) => (i * 7) & 0xff);
    const spliced = splitIntoChunks(message, 185);
    editStream(spliced, [['duplicate', 0], ['index', 1], ['drop', 2]]);
    const known = reassemble(spliced);
    expect(known.messages).toHaveLength(1);
    expect(toHex(known.messages[0]!)).not.toBe(toHex(message));
    fc.assert(
      fc.property(
        fc.constantFrom(...mtus),
        fc.integer({ min: 1, max: limits.requestBytesMax }),
        fc.array(fc.tuple(fc.constantFrom('drop', 'duplicate', 'swap', 'index'), fc.nat()), { minLength: 1, maxLength: 3 }),
        (mtu, length, edits) => {
          const chunks = splitIntoChunks(Uint8Array.from({ length }, (_, i) => (i * 7) & 0xff), mtu);
          editStream(chunks, edits);
          const outcome = reassemble(chunks);
          for (const out of outcome.messages) expect(out.length).toBeLessThanOrEqual(limits.requestBytesMax);
          expect(outcome.messages.length).toBeLessThanOrEqual(chunks.filter((chunk) => (chunk[0]! & 0x80) === 0).length);
          for (const code of outcome.errors) expect(['chunk_sequence', 'message_too_large', 'message_malformed']).toContain(code);
        },
      ),
      { numRuns: 300 },
    );
  });
});

// -- AEAD direction counter --

function recordingProvider(ivs: string[]): CryptoProvider {
  return { ...nodeCrypto, aesGcmSeal: (key, iv, aad, plaintext) => (ivs.push(toHex(iv)), nodeCrypto.aesGcmSeal(key, iv, aad, plaintext)) };
}

describe('AeadDirection', () => {
  it(`seals exactly ${limits.sessionMessagesMax} messages with distinct IVs, then refuses with counter_exhausted (never wraps)`, () => {
    const ivs: string[] = [];
    const key = new Uint8Array(32).fill(5);
    const sender = new AeadDirection(recordingProvider(ivs), key, direction.phoneToLock);
    const receiver = new AeadDirection(nodeCrypto, key, direction.phoneToLock);
    const aad = new Uint8Array(0);
    for (let i = 0; i < limits.sessionMessagesMax; i++) {
      const sealed = sender.seal(aad, new Uint8Array([i & 0xff]));
      if (i % 4096 === 0 || i === limits.sessionMessagesMax - 1) expect(receiver.open(aad, sealed)[0]).toBe(i & 0xff);
      else receiver.open(aad, sealed);
    }
    expect(sender.messagesUsed).toBe(limits.sessionMessagesMax);
    expect(new Set(ivs).size).toBe(limits.sessionMessagesMax);
    expect(ivs[0]).toBe(`${toHex(direction.phoneToLock)}00000000`);
    expect(ivs.at(-1)).toBe(`${toHex(direction.phoneToLock)}${(limits.sessionMessagesMax - 1).toString(16).padStart(8, '0')}`);
    for (let i = 0; i < 3; i++) {
      expect(catchLatchkey(() => sender.seal(aad, new Uint8Array(1))).code).toBe('counter_exhausted');
      expect(catchLatchkey(() => receiver.open(aad, new Uint8Array(17))).code).toBe('counter_exhausted');
    }
    expect(sender.messagesUsed).toBe(limits.sessionMessagesMax);
    expect(ivs.length).toBe(limits.sessionMessagesMax);
  });

  it('a failed open still consumes its counter (an IV is never tried twice), and directions do not cross', () => {
    const key = new Uint8Array(32).fill(6);
    const sender = new AeadDirection(nodeCrypto, key, direction.lockToPhone);
    const receiver = new AeadDirection(nodeCrypto, key, direction.lockToPhone);
    const wrongDirection = new AeadDirection(nodeCrypto, key, direction.phoneToLock);
    const first = sender.seal(new Uint8Array(0), new Uint8Array([1]));
    expect(catchLatchkey(() => wrongDirection.open(new Uint8Array(0), first)).code).toBe('decrypt_failed');
    const tampered = first.slice();
    tampered[0] = tampered[0]! ^ 1;
    expect(catchLatchkey(() => receiver.open(new Uint8Array(0), tampered)).code).toBe('decrypt_failed');
    expect(receiver.messagesUsed).toBe(1);
    // The genuine first message can no longer be opened: counter 0 is spent.
    expect(catchLatchkey(() => receiver.open(new Uint8Array(0), first)).code).toBe('decrypt_failed');
  });
});
