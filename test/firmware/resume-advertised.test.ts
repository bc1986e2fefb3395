/**
 * The lock's half of the 1-round-trip repeat unlock (docs/PROTOCOL.md §7.4), stepped directly:
 * a type-3 resume request answers the advertised resume nonce it names, once, while the lock
 * still holds it (current or previous) and within 2 × rotation and the link's relay bound. A stale,
 * taken or unknown nonce gets a retry result carrying a fresh form-1 challenge for the same link.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/protocol/bytes.ts';
import { wireOf } from '../../src/protocol/errors.ts';
import { splitIntoChunks } from '../../src/protocol/unlock/chunking.ts';
import { decodeResult, requestType } from '../../src/protocol/unlock/messages.ts';
import { buildAdvertisedResumeRequest, buildResumeRequest, openResumeResult, type ResumptionTicket } from '../../src/protocol/unlock/phone-exchange.ts';
import type { LockOutput } from '../../firmware-model/lock.ts';
import { World, type WorldPhone } from '../../src/sim/world.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

const crypto = nodeCrypto;

async function setup(options: { advertiseResumeNonce?: boolean; phones?: number } = {}) {
  const world = new World({ seed: 21, crypto, radio: { rssiNoiseDb: 0 } });
  const door = world.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseResumeNonce: options.advertiseResumeNonce ?? true });
  const phones: WorldPhone[] = [];
  for (let i = 0; i < (options.phones ?? 1); i++) {
    const phone = world.addPhone(`phone-${i}`, { xM: 1, yM: i });
    world.grant(phone, ['door'], { subject: `guest-${i}` });
    expect((await world.radio.runUntil(phone.client.unlock({ mtu: 247 }))).outcome).toBe('unlocked');
    await world.radio.advance(6_000);
    phones.push(phone);
  }
  const lockHex = toHex(door.provisioned.identity.lockId);
  let nextConnection = 900;
  const advertise = (): Uint8Array => {
    const advert = world.radio.stepLock('door', { type: 'advertise' }).find((o): o is Extract<LockOutput, { type: 'advertisement' }> => o.type === 'advertisement')!;
    return advert.resumeNonce ?? new Uint8Array([4, 2, ...new Uint8Array(16)]);
  };
  /** Takes the phone's ticket and moves it on (a phone never sends an id twice). */
  const takeTicket = (phone: WorldPhone): ResumptionTicket => {
    const ticket = phone.wallet.tickets.get(lockHex)!;
    phone.wallet.tickets.set(lockHex, { ...ticket, counter: ticket.counter + 1 });
    return ticket;
  };
  const connect = (connIntervalMs = 15): number => {
    const connectionId = nextConnection++;
    world.radio.stepLock('door', { type: 'connect', connectionId, connIntervalMs });
    return connectionId;
  };
  /** Writes a whole request on a link (MTU 247) and reads the result. */
  const send = (connectionId: number, message: Uint8Array) => {
    const chunks = splitIntoChunks(message, 247);
    let attError: number | undefined;
    chunks.forEach((chunk, index) => {
      const last = index === chunks.length - 1;
      const outputs = world.radio.stepLock('door', { type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: last });
      if (last) attError = outputs.find((o): o is Extract<LockOutput, { type: 'write_response' }> => o.type === 'write_response')?.attError;
    });
    world.radio.stepLock('door', { type: 'compute_done' });
    const read = world.radio.stepLock('door', { type: 'read', connectionId, characteristic: 'exchange', offset: 0 }).find((o): o is Extract<LockOutput, { type: 'read_response' }> => o.type === 'read_response')!;
    return { attError, resultBytes: read.value, result: decodeResult(read.value) };
  };
  return { world, door, phones, advertise, takeTicket, connect, send };
}

describe('advertised resume nonce (request type 3)', () => {
  it('opens on the current nonce in one write; the result carries the lock MAC', async () => {
    const { door, phones, advertise, takeTicket, connect, send } = await setup();
    const { message, pending } = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), advertise(), []);
    const before = door.lock.actuations;
    const answer = send(connect(), message);
    expect(answer.attError).toBe(0);
    expect(openResumeResult(crypto, pending, answer.resultBytes)).toMatchObject({ status: 'unlocked', authenticated: true });
    expect(door.lock.actuations).toBe(before + 1);
  });

  it('a replayed request (another link, same nonce) is refused challenge_used, with a fresh challenge; no second actuation', async () => {
    const { door, phones, advertise, takeTicket, connect, send } = await setup();
    const { message } = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), advertise(), []);
    expect(send(connect(), message).attError).toBe(0);
    const actuations = door.lock.actuations;
    const replay = send(connect(), message);
    expect(replay.attError).toBe(0x80);
    expect(replay.result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('challenge_used') });
    expect(door.lock.actuations).toBe(actuations);
  });

  it('two phones racing for one nonce: the first opens; the second is told challenge_used and opens on the retry challenge, same link', async () => {
    const { door, phones, advertise, takeTicket, connect, send } = await setup({ phones: 2 });
    const nonce = advertise();
    const a = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), nonce, []);
    const b = buildAdvertisedResumeRequest(crypto, takeTicket(phones[1]!), nonce, []);
    const linkA = connect();
    const linkB = connect();
    expect(send(linkA, a.message).attError).toBe(0);
    const lost = send(linkB, b.message);
    const status = openResumeResult(crypto, b.pending, lost.resultBytes);
    expect(status).toMatchObject({ status: 'refused', code: 'challenge_used', authenticated: false });
    expect(status.retryChallenge).toHaveLength(21);
    const retry = buildResumeRequest(crypto, takeTicket(phones[1]!), status.retryChallenge!, []);
    const second = send(linkB, retry.message);
    expect(openResumeResult(crypto, retry.pending, second.resultBytes)).toMatchObject({ status: 'unlocked', authenticated: true });
    expect(door.lock.actuations).toBe(2 + 2); // two first unlocks, then one each
  });

  it('the previous nonce is still accepted after one rotation; a nonce older than 2 × rotation is challenge_expired and falls back on the same link', async () => {
    const { world, door, phones, advertise, takeTicket, connect, send } = await setup();
    const rotationMs = door.lock.config.resumeNonceRotationMs;
    const old = advertise();
    await world.radio.advance(rotationMs + 10);
    expect(toHex(advertise())).not.toBe(toHex(old)); // rotated: `old` is the previous one now
    const previous = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), old, []);
    expect(send(connect(), previous.message).attError).toBe(0);
    await world.radio.advance(6_000);
    const stale = advertise();
    await world.radio.advance(2 * rotationMs + 1);
    const late = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), stale, []);
    const link = connect();
    const refused = send(link, late.message);
    const status = openResumeResult(crypto, late.pending, refused.resultBytes);
    expect(status).toMatchObject({ status: 'refused', code: 'challenge_expired', authenticated: false });
    const retry = buildResumeRequest(crypto, takeTicket(phones[0]!), status.retryChallenge!, []);
    expect(openResumeResult(crypto, retry.pending, send(link, retry.message).resultBytes)).toMatchObject({ status: 'unlocked' });
  });

  it('a nonce the lock no longer holds (two rotations ago) or never made is challenge_missing', async () => {
    const { world, door, phones, advertise, takeTicket, connect, send } = await setup();
    const rotationMs = door.lock.config.resumeNonceRotationMs;
    const first = advertise();
    await world.radio.advance(rotationMs);
    advertise();
    await world.radio.advance(rotationMs);
    advertise();
    const gone = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), first, []);
    expect(send(connect(), gone.message).result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('challenge_missing') });
    const forged = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), new Uint8Array([4, 2, ...new Uint8Array(16).fill(7)]), []);
    expect(send(connect(), forged.message).result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('challenge_missing') });
  });

  it('a wrong MAC is refused holder_proof_invalid (plain, no retry challenge) and still uses the nonce up', async () => {
    const { door, phones, advertise, takeTicket, connect, send } = await setup();
    const nonce = advertise();
    const ticket = takeTicket(phones[0]!);
    const { message } = buildAdvertisedResumeRequest(crypto, { ...ticket, resumption: new Uint8Array(32).fill(1) }, nonce, []);
    const forgedId = buildAdvertisedResumeRequest(crypto, ticket, nonce, []);
    // The forged request carries the real ticket id (the lock finds the ticket) and a MAC under another key.
    const tampered = Uint8Array.from(forgedId.message);
    tampered.set(message.subarray(message.length - 16), tampered.length - 16);
    const actuations = door.lock.actuations;
    const answer = send(connect(), tampered);
    expect(answer.result).toEqual({ type: requestType.resume, status: wireOf('holder_proof_invalid') });
    expect(door.lock.actuations).toBe(actuations);
    // The genuine request on the same nonce is now a replay of a used nonce.
    expect(send(connect(), forgedId.message).result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('challenge_used') });
  });

  it('the relay bound still applies: at a 7.5 ms interval (240 ms bound) a 250 ms-old nonce is relay_suspected', async () => {
    const { world, phones, advertise, takeTicket, connect, send } = await setup();
    const nonce = advertise();
    await world.radio.advance(250);
    const { message } = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), nonce, []);
    expect(send(connect(7.5), message).result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('relay_suspected') });
  });

  it('a nonce advertised before a power cut is never accepted after it', async () => {
    const { world, phones, advertise, takeTicket, connect, send } = await setup();
    const nonce = advertise();
    world.radio.stepLock('door', { type: 'power_lost' });
    world.radio.stepLock('door', { type: 'power_restored' });
    const { message } = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), nonce, []);
    expect(send(connect(), message).result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('challenge_missing') });
  });

  it('a lock without the feature advertises no nonce and answers a type-3 request challenge_missing with a retry challenge', async () => {
    const { world, phones, takeTicket, connect, send } = await setup({ advertiseResumeNonce: false });
    const advert = world.radio.stepLock('door', { type: 'advertise' }).find((o) => o.type === 'advertisement');
    expect(advert).not.toHaveProperty('resumeNonce');
    const { message } = buildAdvertisedResumeRequest(crypto, takeTicket(phones[0]!), new Uint8Array([4, 2, ...new Uint8Array(16)]), []);
    expect(send(connect(), message).result).toMatchObject({ type: requestType.advertisedResume, status: wireOf('challenge_missing') });
  });
});
