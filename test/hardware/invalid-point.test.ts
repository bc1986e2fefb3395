/**
 * From the independent attack on issue 15 (finding 5): a phone key that is not a valid P-256 point
 * in the request's first chunk was charged a full ECDH on every chunk 0, and once more when the
 * exchange computed it again. A real lock checks the point first (decompression, the curve
 * equation: 0.75 ms on an nRF52840) and stops there. Now: one point check per challenge, no ECDH.
 */
import { describe, expect, it } from 'vitest';
import { computeMicroseconds, zeroCounts, type PrimitiveCounts } from '../../firmware-model/hardware/meter.ts';
import { nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { attError, type LockInput } from '../../firmware-model/lock.ts';
import { encodeRequest, requestType } from '../../src/protocol/unlock/messages.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { highestCommonVersion } from '../../src/protocol/unlock/versions.ts';
import { World } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

/** x = 2^256 − 1 is above the field prime: no such point, in any encoding. */
const badPoint = Uint8Array.of(0x02, ...new Array<number>(32).fill(0xff));

function setUp() {
  const w = new World({ seed: 5, crypto: nodeCrypto, hardware: nrf52840 });
  const door = w.addLock('door', 'Door', { xM: 0, yM: 0 });
  const step = (input: LockInput) => w.radio.stepLock('door', input);
  const versions = door.lock.config.lockVersions;
  const request = (sealedBytes: number) => encodeRequest({ type: requestType.full, version: highestCommonVersion(versions, versions), phoneVersions: versions, phoneEphemeralKey: badPoint, sealed: new Uint8Array(sealedBytes) });
  /** What the lock computed from here on (totals since construction, minus now). */
  const counter = () => {
    const before: PrimitiveCounts = { ...door.lock.meter.total };
    return () => Object.fromEntries(Object.entries(door.lock.meter.total).map(([key, value]) => [key, value - before[key as keyof PrimitiveCounts]])) as unknown as PrimitiveCounts;
  };
  return { door, step, request, counter };
}

const writeResponse = (outputs: ReturnType<ReturnType<typeof setUp>['step']>) => outputs.find((output) => output.type === 'write_response');

describe('an invalid phone point', () => {
  it('in chunk 0, repeated: one point check for the challenge, no ECDH, refused', () => {
    const { step, request, counter } = setUp();
    step({ type: 'connect', connectionId: 1, connIntervalMs: 15 });
    step({ type: 'read', connectionId: 1, characteristic: 'challenge', offset: 0 });
    const [chunk0, chunk1] = splitIntoChunks(request(400), 247);
    expect(chunk1).toBeDefined();
    const spent = counter();
    // Chunk 0 again and again: every other one starts a new message (the one between is out of sequence).
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push(writeResponse(step({ type: 'write', connectionId: 1, characteristic: 'exchange', data: chunk0!, withResponse: true }))?.attError);
    expect(codes).toEqual([attError.success, attError.refused, attError.success, attError.refused, attError.success]);
    expect(writeResponse(step({ type: 'write', connectionId: 1, characteristic: 'exchange', data: chunk1!, withResponse: true }))).toMatchObject({ attError: attError.refused });
    const counts = spent();
    expect(counts.p256Ecdh).toBe(0);
    expect(counts.p256PointCheck).toBe(1);
    // Three chunk 0s that started a message: the point was checked once for the challenge.
    expect(computeMicroseconds(nrf52840, { ...zeroCounts(), p256PointCheck: counts.p256PointCheck, p256Ecdh: counts.p256Ecdh })).toBe(nrf52840.p256PointCheckMicroseconds);
  });

  it('in a one-chunk request: one point check, no ECDH', () => {
    const { step, request, counter } = setUp();
    step({ type: 'connect', connectionId: 1, connIntervalMs: 15 });
    step({ type: 'read', connectionId: 1, characteristic: 'challenge', offset: 0 });
    const chunks = splitIntoChunks(request(40), 247);
    expect(chunks).toHaveLength(1);
    const spent = counter();
    expect(writeResponse(step({ type: 'write', connectionId: 1, characteristic: 'exchange', data: chunks[0]!, withResponse: true }))).toMatchObject({ attError: attError.refused });
    expect([spent().p256Ecdh, spent().p256PointCheck]).toEqual([0, 1]);
  });
});
