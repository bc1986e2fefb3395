/**
 * Attacker actions of the scenario language. Each returns what the attacker observed (the lock's
 * result code, or the victim phone's outcome) so the runner can check it against the expectation;
 * the runner separately checks the lock's actuation count.
 *
 * The attacker works through an AttackSurface, so the same attacks run over the virtual radio
 * and over bleno/noble: it needs a transport that reaches a door, the issuer's public material
 * and a clock. Two attacks need radio physics the virtual radio alone has — a look-alike lock
 * placed closer to the victim (fake_lock) and several centrals at once (concurrent) — and use
 * its World directly.
 */
import { Lock } from '../../../firmware-model/lock.ts';
import type { InMemoryIssuer, ProvisionedLock } from '../../issuer/in-memory-issuer.ts';
import type { CryptoProvider } from '../../protocol/crypto/provider.ts';
import { p256SecretFromSeed } from '../../protocol/crypto/provider.ts';
import { codeOfWire, isLatchkeyError, type ErrorCode } from '../../protocol/errors.ts';
import { verifyLockCertificate } from '../../protocol/lock-cert.ts';
import type { SeededRandom } from '../../protocol/random.ts';
import { splitIntoChunks } from '../../protocol/unlock/chunking.ts';
import { decodeResult, encodeRequest, decodeRequest } from '../../protocol/unlock/messages.ts';
import { buildFullRequest, openFullResult, type HolderSigner } from '../../protocol/unlock/phone-exchange.ts';
import { UnlockClient, type UnlockOutcome } from '../../phone/unlock-client.ts';
import { replayWrites } from '../../radio/recording-transport.ts';
import { AttError, TransportError, type Transport } from '../../radio/transport.ts';
import type { World } from '../../sim/world.ts';
import type { ScenarioPhone } from './backend.ts';
import { forgeCredential } from './forge.ts';
import type { AttackKind, Forgery } from './schema.ts';
import { TamperingTransport, type Tamper } from './tamper.ts';

/** Attacks that need the virtual radio's physics (see the file comment). */
export const radioOnlyAttacks: readonly AttackKind[] = ['fake_lock', 'concurrent', 'lockout', 'audit_flush', 'advertised_replay'];

/** What the attacker reaches the locks through (one per backend). */
export interface AttackSurface {
  readonly crypto: CryptoProvider;
  readonly issuer: InMemoryIssuer;
  /** The run's root random stream; the attacker forks its own streams from it by label. */
  readonly random: SeededRandom;
  /** The attacker's own radio. */
  readonly transport: Transport;
  /** The virtual World, for the radio-only attacks; undefined over BLE. */
  readonly world: World | undefined;
  nowS(): number;
  lock(door: string): ProvisionedLock;
  /** Puts the attacker at `door`; the device id its transport reaches that door by. */
  approach(door: string): string | Promise<string>;
  /** Puts the victim at `door`; the victim's own radio (under its recorder). */
  victimRadio(victim: ScenarioPhone, door: string): Transport | Promise<Transport>;
  /** Drives the transport until `work` settles (the virtual radio's event loop; identity over BLE). */
  run<T>(work: Promise<T>): Promise<T>;
}

export interface Observed {
  outcome: UnlockOutcome['outcome'];
  code: ErrorCode | undefined;
}

export interface AttackParams {
  kind: AttackKind;
  phone?: string;
  door?: string;
  to_door?: string;
  chunk?: number;
  byte?: number;
  xor?: number;
  forge?: Forgery;
  count?: number;
}

export function observedFromResult(resultBytes: Uint8Array): Observed {
  const result = decodeResult(resultBytes);
  if (result.type === 0) return { outcome: 'refused', code: 'message_truncated' };
  return result.status === 0 ? { outcome: 'unlocked', code: undefined } : { outcome: 'refused', code: codeOfWire(result.status) };
}

export class Attacker {
  readonly surface: AttackSurface;
  private readonly random: (n: number) => Uint8Array;
  constructor(surface: AttackSurface) {
    this.surface = surface;
    const random = surface.random.fork('attacker');
    this.random = (n) => random.bytes(n);
  }

  /** Runs one attack; the attacker stands at the target door. */
  async run(params: AttackParams, phoneOf: (id: string) => ScenarioPhone): Promise<Observed> {
    const door = params.door!;
    const deviceId = await this.surface.approach(door);
    const victim = params.phone ? phoneOf(params.phone) : undefined;
    switch (params.kind) {
      case 'replay':
      case 'cross_lock': {
        const session = victim!.recorder.sessions.at(-1);
        if (session === undefined) throw new Error('replay: the phone has not made an exchange yet');
        const target = params.kind === 'cross_lock' ? await this.surface.approach(params.to_door!) : deviceId;
        const replayed = await this.surface.run(replayWrites(this.surface.transport, target, session, 247));
        return observedFromResult(replayed.result);
      }
      case 'mutate':
      case 'reorder':
      case 'drop_chunk':
      case 'duplicate_chunk':
      case 'truncate':
      case 'strip_versions':
        return this.tampered(victim!, door, tamperOf(params));
      case 'downgrade':
        return this.downgrade(victim!, door, deviceId);
      case 'reflect':
        return this.reflect(deviceId);
      case 'forged_credential':
        return this.forged(victim!, door, deviceId, params.forge!);
      case 'fake_lock':
        return fakeLock(this.radioWorld(params.kind), victim!, door);
      case 'garbage':
        return this.garbageThenUnlock(victim!, door, deviceId, params.count ?? 5);
      case 'concurrent':
        return concurrent(this.radioWorld(params.kind), door, params.count ?? 3);
      case 'lockout':
        return lockout(this.radioWorld(params.kind), victim!, door, this.random);
      case 'audit_flush':
        return auditFlush(this.radioWorld(params.kind), door, params.count ?? 256, this.random);
      case 'advertised_replay':
        return advertisedReplay(this.radioWorld(params.kind), victim!, door, this.surface.crypto, this.random);
    }
  }

  private radioWorld(kind: AttackKind): World {
    if (this.surface.world === undefined) throw new Error(`attack ${kind} needs the virtual radio`);
    return this.surface.world;
  }

  private async tampered(victim: ScenarioPhone, door: string, tamper: Tamper): Promise<Observed> {
    const random = this.surface.random.fork(`tamper:${victim.id}`);
    const radio = await this.surface.victimRadio(victim, door);
    const client = new UnlockClient({ wallet: victim.wallet, crypto: this.surface.crypto, random: (n) => random.bytes(n), transport: new TamperingTransport(radio, tamper) });
    // MTU 23: a first unlock takes a dozen chunks, so every chunk fault has a middle to hit.
    const outcome = await this.surface.run(client.unlock({ lockId: this.surface.lock(door).identity.lockId, allowResume: false, mtu: 23 }));
    return { outcome: outcome.outcome, code: outcome.code };
  }

  /** A full request made by the attacker's own code, with a chosen credential, holder and version tweak. */
  private async craftedExchange(door: string, deviceId: string, credential: Uint8Array, holder: HolderSigner, tweak?: (request: Uint8Array) => Uint8Array): Promise<Observed> {
    const { crypto, issuer } = this.surface;
    const cert = verifyLockCertificate(crypto, this.surface.lock(door).certificate, issuer.trusted, this.surface.nowS());
    const run = async (): Promise<Observed> => {
      const connection = await this.surface.transport.connect(deviceId, { mtu: 247, timeoutMs: 3000 });
      try {
        const { message, pending } = await buildFullRequest({ crypto, random: this.random, lock: cert, challengeBytes: await connection.read('challenge'), credential, sendHashOnly: false, holder, updates: [], phoneVersions: 0xff });
        const chunks = splitIntoChunks(tweak ? tweak(message) : message, connection.mtu);
        for (let i = 0; i < chunks.length - 1; i++) await connection.write('exchange', chunks[i]!, false);
        await connection.write('exchange', chunks.at(-1)!, true).catch((error: unknown) => {
          if (!(error instanceof AttError)) throw error;
        });
        const resultBytes = await connection.read('exchange');
        try {
          const status = openFullResult(crypto, pending, cert, resultBytes, this.surface.nowS());
          return { outcome: status.status, code: status.code };
        } catch (error) {
          if (isLatchkeyError(error)) return observedFromResult(resultBytes);
          throw error;
        }
      } finally {
        await connection.disconnect();
      }
    };
    return this.surface.run(run());
  }

  private forged(victim: ScenarioPhone, door: string, deviceId: string, forgery: Forgery): Promise<Observed> {
    const { crypto } = this.surface;
    const genuine = victim.wallet.credentialFor(this.surface.lock(door).identity.lockId) ?? victim.wallet.credentials[0]!;
    const credential = forgeCredential(crypto, this.random, this.surface.issuer.key, genuine.bytes, forgery);
    let holder: HolderSigner = victim.wallet.holder;
    if (forgery === 'wrong_transcript') holder = { publicKey: holder.publicKey, sign: async (message) => victim.wallet.holder.sign(message.map((b, i) => (i === 0 ? b ^ 1 : b))) };
    if (forgery === 'stolen_credential') {
      const secret = p256SecretFromSeed(this.random(48));
      holder = { publicKey: crypto.publicKeyOf('ES256', secret), sign: (message) => crypto.sign('ES256', secret, message) };
    }
    return this.craftedExchange(door, deviceId, credential, holder);
  }

  /** The lock offers v1 and v2; the attacker rewrites the phone's chosen version to v1. */
  private downgrade(victim: ScenarioPhone, door: string, deviceId: string): Promise<Observed> {
    const genuine = victim.wallet.credentialFor(this.surface.lock(door).identity.lockId)!;
    return this.craftedExchange(door, deviceId, genuine.bytes, victim.wallet.holder, (message) => {
      const request = decodeRequest(message);
      return encodeRequest({ ...request, version: 1 });
    });
  }

  /** Writes the lock's own challenge back to it as if it were a request. */
  private async reflect(deviceId: string): Promise<Observed> {
    const run = async (): Promise<Observed> => {
      const connection = await this.surface.transport.connect(deviceId, { mtu: 247, timeoutMs: 3000 });
      try {
        const challenge = await connection.read('challenge');
        await connection.write('exchange', Uint8Array.of(0x00, ...challenge), true).catch(() => undefined);
        return observedFromResult(await connection.read('exchange'));
      } finally {
        await connection.disconnect();
      }
    };
    return this.surface.run(run());
  }

  /** `count` junk requests from the attacker, then the victim's genuine unlock. */
  private async garbageThenUnlock(victim: ScenarioPhone, door: string, deviceId: string, count: number): Promise<Observed> {
    for (let i = 0; i < count; i++) {
      const junk = this.random(40);
      await this.surface.run(
        (async () => {
          const connection = await this.surface.transport.connect(deviceId, { mtu: 247, timeoutMs: 3000 });
          await connection.read('challenge');
          await connection.write('exchange', Uint8Array.of(0x00, ...junk), true).catch(() => undefined);
          await connection.disconnect();
        })(),
      );
    }
    await this.surface.victimRadio(victim, door);
    const outcome = await this.surface.run(victim.client.unlock({ lockId: this.surface.lock(door).identity.lockId }));
    return { outcome: outcome.outcome, code: outcome.code };
  }
}

/** A look-alike lock (same lock id, keys not certified by the issuer) stands closer to the victim. */
async function fakeLock(world: World, victim: ScenarioPhone, door: string): Promise<Observed> {
  const real = world.locks.get(door)!;
  const random = world.random.fork(`fake:${door}`);
  const fake = new Lock({
    identity: { lockId: real.provisioned.identity.lockId, signingSecret: random.bytes(32), agreementSecret: p256SecretFromSeed(random.bytes(48)) },
    trustedIssuers: world.issuer.trusted,
    crypto: world.crypto,
    random: (n) => random.bytes(n),
  });
  const position = world.radio.lockPosition(real.deviceId);
  world.radio.addLock(`${door}-fake`, fake, { xM: position.xM + 0.3, yM: position.yM });
  world.radio.placePhone(victim.id, { xM: position.xM + 0.4, yM: position.yM });
  try {
    const outcome = await world.radio.runUntil(victim.client.unlock({ lockId: real.provisioned.identity.lockId, allowResume: false }));
    if (outcome.deviceId !== `${door}-fake`) throw new Error('fake_lock: the victim did not pick the look-alike; move it closer');
    return { outcome: outcome.outcome, code: outcome.code };
  } finally {
    world.radio.stepLock(`${door}-fake`, { type: 'power_lost' });
  }
}

/** `count` simultaneous connections; the lock's connection bound refuses the excess. */
async function concurrent(world: World, door: string, count: number): Promise<Observed> {
  const deviceId = world.locks.get(door)!.deviceId;
  const attempts = Array.from({ length: count }, (_, i) => {
    const id = `attacker-${i}`;
    world.radio.placePhone(id, world.radio.lockPosition(deviceId));
    return world.radio.transportFor(id).connect(deviceId, { mtu: 23, timeoutMs: 3000 });
  });
  const settled = await world.radio.runUntil(Promise.allSettled(attempts));
  for (const entry of settled) if (entry.status === 'fulfilled') await world.radio.runUntil(entry.value.disconnect());
  const refused = settled.find((entry) => entry.status === 'rejected');
  if (refused && refused.status === 'rejected' && refused.reason instanceof TransportError) return { outcome: 'refused', code: refused.reason.code };
  return { outcome: 'unlocked', code: undefined };
}

/**
 * A stranger without any credential tries to lock a valid guest out (issue 12, item 3): garbage
 * Write Requests (then one every 12 s), a flood of challenge Reads, and two idle connections that
 * hold both connection slots. The guest then tries, at most twice; the last outcome is returned.
 */
async function lockout(world: World, victim: ScenarioPhone, door: string, random: (n: number) => Uint8Array): Promise<Observed> {
  const deviceId = world.locks.get(door)!.deviceId;
  const at = world.radio.lockPosition(deviceId);
  const attacker = (id: string) => {
    world.radio.placePhone(id, at);
    return world.radio.transportFor(id);
  };
  const quietly = async (work: () => Promise<unknown>) => world.radio.runUntil(work().catch(() => undefined));
  await quietly(async () => {
    const connection = await attacker('stranger-junk').connect(deviceId, { mtu: 247, timeoutMs: 3000 });
    for (let i = 0; i < 5; i++) {
      await connection.read('challenge');
      await connection.write('exchange', Uint8Array.of(0x00, ...random(40)), true).catch(() => undefined);
    }
    await connection.disconnect();
  });
  await quietly(async () => {
    const connection = await attacker('stranger-reads').connect(deviceId, { mtu: 247, timeoutMs: 3000 });
    for (let i = 0; i < 200; i++) await connection.read(i % 2 === 0 ? 'challenge' : 'challenge_signed');
  });
  const idle = await world.radio.runUntil(Promise.allSettled([attacker('stranger-idle-1').connect(deviceId, { mtu: 23, timeoutMs: 3000 }), attacker('stranger-idle-2').connect(deviceId, { mtu: 23, timeoutMs: 3000 })]));
  const idleHeld = idle.filter((entry) => entry.status === 'fulfilled').length;
  for (let round = 0; round < 2; round++) {
    await world.radio.advance(12_000);
    await quietly(async () => {
      const connection = await attacker('stranger-junk').connect(deviceId, { mtu: 247, timeoutMs: 3000 });
      await connection.write('exchange', Uint8Array.of(0x00, ...random(40)), true).catch(() => undefined);
      await connection.disconnect();
    });
  }
  world.radio.placePhone(victim.id, { xM: at.xM, yM: at.yM + 0.5 });
  let outcome: UnlockOutcome | undefined;
  for (let attempt = 0; attempt < 2 && outcome?.outcome !== 'unlocked'; attempt++) {
    outcome = await world.radio.runUntil(victim.client.unlock({ lockId: world.locks.get(door)!.provisioned.identity.lockId }));
  }
  if (idleHeld === 0) throw new Error('lockout: the idle connections were never established; the attack did not run');
  return { outcome: outcome!.outcome, code: outcome!.code };
}

/**
 * Tries to flush the lock's audit trail (issue 12, item 4): `count` final chunks sent as Write
 * Commands (each a refusal the old lock logged in its 256-entry ring), reconnecting whenever the
 * lock drops the link. What a holder did must still be on record afterwards.
 */
async function auditFlush(world: World, door: string, count: number, random: (n: number) => Uint8Array): Promise<Observed> {
  const deviceId = world.locks.get(door)!.deviceId;
  world.radio.placePhone('stranger-flush', world.radio.lockPosition(deviceId));
  const transport = world.radio.transportFor('stranger-flush');
  let sent = 0;
  for (let connects = 0; sent < count && connects < count; connects++) {
    await world.radio.runUntil(
      (async () => {
        const connection = await transport.connect(deviceId, { mtu: 247, timeoutMs: 3000 });
        try {
          // Commands are only queued; a Read after every few makes sure they were on air before the next.
          for (; sent < count; sent++) {
            await connection.write('exchange', Uint8Array.of(0x00, ...random(8)), false);
            if (sent % 4 === 3) await connection.read('exchange');
          }
        } catch {
          // the lock dropped this link: reconnect
        }
        await connection.disconnect().catch(() => undefined);
      })().catch(() => undefined),
    );
  }
  return { outcome: 'refused', code: 'message_malformed' };
}

/**
 * A native phone answers the advertised challenge (1 round trip); its closing write is jammed, so
 * the lock never sees it. The attacker replays the captured chunks 2.4 s later on its own
 * connection (issue 12, item 5). The relay bound runs from the advertisement, so it is out of time.
 */
async function advertisedReplay(world: World, victim: ScenarioPhone, door: string, crypto: CryptoProvider, random: (n: number) => Uint8Array): Promise<Observed> {
  const entry = world.locks.get(door)!;
  const captured: Uint8Array[] = [];
  const inner = world.radio.transportFor(victim.id);
  const jamming: Transport = {
    now: () => inner.now(),
    scan: (durationMs) => inner.scan(durationMs),
    async connect(deviceId, options) {
      const connection = await inner.connect(deviceId, options);
      return {
        ...connection,
        deviceId: connection.deviceId,
        mtu: connection.mtu,
        read: (characteristic) => connection.read(characteristic),
        stats: () => connection.stats(),
        disconnect: () => connection.disconnect(),
        write: async (characteristic, data, withResponse) => {
          captured.push(data.slice());
          if (withResponse) {
            await connection.disconnect();
            throw new TransportError('transport_disconnected', 'closing write jammed');
          }
          return connection.write(characteristic, data, withResponse);
        },
      };
    },
  };
  world.radio.placePhone(victim.id, world.radio.lockPosition(entry.deviceId));
  const client = new UnlockClient({ wallet: victim.wallet, crypto, random, transport: jamming });
  const jammed = await world.radio.runUntil(client.unlock({ lockId: entry.provisioned.identity.lockId, allowResume: false, useAdvertisedChallenge: true }));
  if (jammed.outcome !== 'disconnected' || captured.length === 0) throw new Error(`advertised_replay: the victim's exchange was not jammed (${jammed.outcome})`);
  await world.radio.advance(2_400);
  world.radio.placePhone('stranger-replay', world.radio.lockPosition(entry.deviceId));
  const attacker = world.radio.transportFor('stranger-replay');
  const result = await world.radio.runUntil(
    (async () => {
      const connection = await attacker.connect(entry.deviceId, { mtu: 247, timeoutMs: 3000 });
      try {
        for (let i = 0; i < captured.length; i++) await connection.write('exchange', captured[i]!, i === captured.length - 1).catch(() => undefined);
        return await connection.read('exchange');
      } finally {
        await connection.disconnect();
      }
    })(),
  );
  return observedFromResult(result);
}

function tamperOf(params: AttackParams): Tamper {
  switch (params.kind) {
    case 'mutate':
      return { kind: 'mutate', chunk: params.chunk ?? 0, byte: params.byte ?? 10, xor: params.xor ?? 1 };
    case 'reorder':
    case 'drop_chunk':
    case 'duplicate_chunk':
      return { kind: params.kind, chunk: params.chunk ?? 0 };
    case 'truncate':
      return { kind: 'truncate' };
    default:
      return { kind: 'strip_versions' };
  }
}

