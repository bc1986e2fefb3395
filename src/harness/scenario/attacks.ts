/**
 * Attacker actions of the scenario language. Each returns what the attacker observed (the lock's
 * result code, or the victim phone's outcome) so the runner can check it against the expectation;
 * the runner separately checks the lock's actuation count.
 */
import { Lock } from '../../../firmware-model/lock.ts';
import { toHex } from '../../protocol/bytes.ts';
import { p256SecretFromSeed } from '../../protocol/crypto/provider.ts';
import { codeOfWire, isLatchkeyError, type ErrorCode } from '../../protocol/errors.ts';
import { verifyLockCertificate } from '../../protocol/lock-cert.ts';
import { splitIntoChunks } from '../../protocol/unlock/chunking.ts';
import { decodeResult, encodeRequest, decodeRequest } from '../../protocol/unlock/messages.ts';
import { buildFullRequest, openFullResult, type HolderSigner } from '../../protocol/unlock/phone-exchange.ts';
import { UnlockClient, type UnlockOutcome } from '../../phone/unlock-client.ts';
import { replayWrites } from '../../radio/recording-transport.ts';
import { AttError, TransportError, type Transport } from '../../radio/transport.ts';
import type { World, WorldPhone } from '../../sim/world.ts';
import { forgeCredential } from './forge.ts';
import type { AttackKind, Forgery } from './schema.ts';
import { TamperingTransport, type Tamper } from './tamper.ts';

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

function observedFromResult(resultBytes: Uint8Array): Observed {
  const result = decodeResult(resultBytes);
  if (result.type === 0) return { outcome: 'refused', code: 'message_truncated' };
  return result.status === 0 ? { outcome: 'unlocked', code: undefined } : { outcome: 'refused', code: codeOfWire(result.status) };
}

export class Attacker {
  readonly world: World;
  readonly transport: Transport;
  private readonly random: (n: number) => Uint8Array;
  constructor(world: World) {
    this.world = world;
    const random = world.random.fork('attacker');
    this.random = (n) => random.bytes(n);
    this.transport = world.radio.transportFor('attacker');
  }

  /** Runs one attack; the attacker stands at the target door. */
  async run(params: AttackParams, phoneOf: (id: string) => WorldPhone): Promise<Observed> {
    const door = params.door!;
    const deviceId = this.world.locks.get(door)!.deviceId;
    this.world.radio.placePhone('attacker', this.world.radio.lockPosition(deviceId));
    const victim = params.phone ? phoneOf(params.phone) : undefined;
    switch (params.kind) {
      case 'replay':
      case 'cross_lock': {
        const session = victim!.recorder.sessions.at(-1);
        if (session === undefined) throw new Error('replay: the phone has not made an exchange yet');
        const target = params.kind === 'cross_lock' ? params.to_door! : door;
        this.world.radio.placePhone('attacker', this.world.radio.lockPosition(target));
        const replayed = await this.world.radio.runUntil(replayWrites(this.transport, target, session, 247));
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
        return this.downgrade(victim!, door);
      case 'reflect':
        return this.reflect(door);
      case 'forged_credential':
        return this.forged(victim!, door, params.forge!);
      case 'fake_lock':
        return this.fakeLock(victim!, door);
      case 'garbage':
        return this.garbageThenUnlock(victim!, door, params.count ?? 5);
      case 'concurrent':
        return this.concurrent(door, params.count ?? 3);
    }
  }

  private async tampered(victim: WorldPhone, door: string, tamper: Tamper): Promise<Observed> {
    const random = this.world.random.fork(`tamper:${victim.id}`);
    const client = new UnlockClient({ wallet: victim.wallet, crypto: this.world.crypto, random: (n) => random.bytes(n), transport: new TamperingTransport(this.world.radio.transportFor(victim.id), tamper) });
    this.world.radio.placePhone(victim.id, this.world.radio.lockPosition(door));
    // MTU 23: a first unlock takes a dozen chunks, so every chunk fault has a middle to hit.
    const outcome = await this.world.radio.runUntil(client.unlock({ lockId: this.world.locks.get(door)!.provisioned.identity.lockId, allowResume: false, mtu: 23 }));
    return { outcome: outcome.outcome, code: outcome.code };
  }

  /** A full request made by the attacker's own code, with a chosen credential, holder and version tweak. */
  private async craftedExchange(door: string, credential: Uint8Array, holder: HolderSigner, tweak?: (request: Uint8Array) => Uint8Array): Promise<Observed> {
    const entry = this.world.locks.get(door)!;
    const cert = verifyLockCertificate(this.world.crypto, entry.provisioned.certificate, this.world.issuer.trusted, this.world.nowS());
    const run = async (): Promise<Observed> => {
      const connection = await this.transport.connect(entry.deviceId, { mtu: 247, timeoutMs: 3000 });
      try {
        const { message, pending } = await buildFullRequest({ crypto: this.world.crypto, random: this.random, lock: cert, challengeBytes: await connection.read('challenge'), credential, sendHashOnly: false, holder, updates: [], phoneVersions: 0xff });
        const chunks = splitIntoChunks(tweak ? tweak(message) : message, connection.mtu);
        for (let i = 0; i < chunks.length - 1; i++) await connection.write('exchange', chunks[i]!, false);
        await connection.write('exchange', chunks.at(-1)!, true).catch((error: unknown) => {
          if (!(error instanceof AttError)) throw error;
        });
        const resultBytes = await connection.read('exchange');
        try {
          const status = openFullResult(this.world.crypto, pending, cert, resultBytes, this.world.nowS());
          return { outcome: status.status, code: status.code };
        } catch (error) {
          if (isLatchkeyError(error)) return observedFromResult(resultBytes);
          throw error;
        }
      } finally {
        await connection.disconnect();
      }
    };
    return this.world.radio.runUntil(run());
  }

  private forged(victim: WorldPhone, door: string, forgery: Forgery): Promise<Observed> {
    const genuine = victim.wallet.credentialFor(this.world.locks.get(door)!.provisioned.identity.lockId) ?? victim.wallet.credentials[0]!;
    const credential = forgeCredential(this.world.crypto, this.random, this.world.issuer.key, genuine.bytes, forgery);
    let holder: HolderSigner = victim.wallet.holder;
    if (forgery === 'wrong_transcript') holder = { publicKey: holder.publicKey, sign: async (message) => victim.wallet.holder.sign(message.map((b, i) => (i === 0 ? b ^ 1 : b))) };
    if (forgery === 'stolen_credential') {
      const secret = p256SecretFromSeed(this.random(48));
      holder = { publicKey: this.world.crypto.publicKeyOf('ES256', secret), sign: (message) => this.world.crypto.sign('ES256', secret, message) };
    }
    return this.craftedExchange(door, credential, holder);
  }

  /** The lock offers v1 and v2; the attacker rewrites the phone's chosen version to v1. */
  private downgrade(victim: WorldPhone, door: string): Promise<Observed> {
    const genuine = victim.wallet.credentialFor(this.world.locks.get(door)!.provisioned.identity.lockId)!;
    return this.craftedExchange(door, genuine.bytes, victim.wallet.holder, (message) => {
      const request = decodeRequest(message);
      return encodeRequest({ ...request, version: 1 });
    });
  }

  /** Writes the lock's own challenge back to it as if it were a request. */
  private async reflect(door: string): Promise<Observed> {
    const deviceId = this.world.locks.get(door)!.deviceId;
    const run = async (): Promise<Observed> => {
      const connection = await this.transport.connect(deviceId, { mtu: 247, timeoutMs: 3000 });
      try {
        const challenge = await connection.read('challenge');
        await connection.write('exchange', Uint8Array.of(0x00, ...challenge), true).catch(() => undefined);
        return observedFromResult(await connection.read('exchange'));
      } finally {
        await connection.disconnect();
      }
    };
    return this.world.radio.runUntil(run());
  }

  /** A look-alike lock (same lock id, keys not certified by the issuer) stands closer to the victim. */
  private async fakeLock(victim: WorldPhone, door: string): Promise<Observed> {
    const real = this.world.locks.get(door)!;
    const random = this.world.random.fork(`fake:${door}`);
    const fake = new Lock({
      identity: { lockId: real.provisioned.identity.lockId, signingSecret: random.bytes(32), agreementSecret: p256SecretFromSeed(random.bytes(48)) },
      trustedIssuers: this.world.issuer.trusted,
      crypto: this.world.crypto,
      random: (n) => random.bytes(n),
    });
    const position = this.world.radio.lockPosition(real.deviceId);
    this.world.radio.addLock(`${door}-fake`, fake, { xM: position.xM + 0.3, yM: position.yM });
    this.world.radio.placePhone(victim.id, { xM: position.xM + 0.4, yM: position.yM });
    try {
      const outcome = await this.world.radio.runUntil(victim.client.unlock({ lockId: real.provisioned.identity.lockId, allowResume: false }));
      if (outcome.deviceId !== `${door}-fake`) throw new Error('fake_lock: the victim did not pick the look-alike; move it closer');
      return { outcome: outcome.outcome, code: outcome.code };
    } finally {
      this.world.radio.stepLock(`${door}-fake`, { type: 'power_lost' });
    }
  }

  /** `count` junk requests from the attacker, then the victim's genuine unlock. */
  private async garbageThenUnlock(victim: WorldPhone, door: string, count: number): Promise<Observed> {
    const deviceId = this.world.locks.get(door)!.deviceId;
    for (let i = 0; i < count; i++) {
      const junk = this.random(40);
      await this.world.radio.runUntil(
        (async () => {
          const connection = await this.transport.connect(deviceId, { mtu: 247, timeoutMs: 3000 });
          await connection.read('challenge');
          await connection.write('exchange', Uint8Array.of(0x00, ...junk), true).catch(() => undefined);
          await connection.disconnect();
        })(),
      );
    }
    this.world.radio.placePhone(victim.id, this.world.radio.lockPosition(deviceId));
    const outcome = await this.world.radio.runUntil(victim.client.unlock({ lockId: this.world.locks.get(door)!.provisioned.identity.lockId }));
    return { outcome: outcome.outcome, code: outcome.code };
  }

  /** `count` simultaneous connections; the lock's connection bound refuses the excess. */
  private async concurrent(door: string, count: number): Promise<Observed> {
    const deviceId = this.world.locks.get(door)!.deviceId;
    const attempts = Array.from({ length: count }, (_, i) => {
      const id = `attacker-${i}`;
      this.world.radio.placePhone(id, this.world.radio.lockPosition(deviceId));
      return this.world.radio.transportFor(id).connect(deviceId, { mtu: 23, timeoutMs: 3000 });
    });
    const settled = await this.world.radio.runUntil(Promise.allSettled(attempts));
    for (const entry of settled) if (entry.status === 'fulfilled') await this.world.radio.runUntil(entry.value.disconnect());
    const refused = settled.find((entry) => entry.status === 'rejected');
    if (refused && refused.status === 'rejected' && refused.reason instanceof TransportError) return { outcome: 'refused', code: 'lock_busy' };
    return { outcome: 'unlocked', code: undefined };
  }
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

