/**
 * Simulator mode: a guest's Instant Key page on a laptop without Bluetooth drives the server's
 * virtual radio (the property's firmware-model locks) over JSON-over-HTTP, as one simulated phone.
 *
 *   GET  /sim/links?key=<api key>   the workspace's guests with a live Instant Key, each with a
 *                                    simulator link `/ik/<code>?sim=<token>` (API keys only)
 *   POST /sim/session               the virtual doors and where the phone stands   Bearer <token>
 *   POST /sim/stand    { device_id | null }       the phone walks to that door (null: away)
 *   POST /sim/scan     { duration_ms }            → advertisements heard from where it stands
 *   POST /sim/connect  { device_id, mtu, timeout_ms } → { connection_id, mtu }
 *   POST /sim/read     { connection_id, characteristic } → { value }
 *   POST /sim/write    { connection_id, characteristic, value, with_response }
 *   POST /sim/disconnect { connection_id }
 *
 * A token is minted by `/sim/links` (in memory: a restart forgets it) and names one Instant Key
 * and one simulated phone. Radio failures come back as 200 `{ failure: { transport: code } }` or
 * `{ failure: { att_error } }`, so the page's transport can rethrow them as the unlock client
 * expects. Every radio operation runs alone (the virtual radio's event loop is not reentrant), after
 * virtual time has been brought up to the server clock, so the locks judge validity windows by the
 * same clock that issued the credentials (virtual time only runs ahead of it: by the scans and link
 * events of each operation, under a second per unlock). Each radio answer carries `virtual_ms`, the
 * virtual time the operation took. Bytes are base64url.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AttError, TransportError, type CharacteristicName, type GattConnection } from '../../radio/transport.ts';
import type { ServerContext } from '../context.ts';
import { invalidInput, notFound, unauthorized } from '../http/errors.ts';
import { bearerToken, workspaceOfRequest } from '../http/route.ts';
import { instantKeyUrl } from '../http/serialize.ts';
import type { VirtualProperty } from '../virtual-property.ts';

interface SimSession {
  token: string;
  workspaceId: string;
  instantKeyId: string;
  phoneId: string;
  standing: string | undefined;
  connections: Map<number, GattConnection>;
}

/** Where a phone that stands at no door is: out of range of every lock. */
const away = { xM: -1_000, yM: 1_000 };
const maxScanMs = 5_000;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function registerSimulatorRoutes(app: FastifyInstance, context: ServerContext, property: VirtualProperty): void {
  const sessions = new Map<string, SimSession>();
  const tokenOfKey = new Map<string, string>();
  let nextPhone = 1;
  let nextConnection = 1;
  let queue: Promise<unknown> = Promise.resolve();
  let relockTimer: NodeJS.Timeout | undefined;
  let closed = false;
  app.addHook('preClose', async () => {
    closed = true;
    if (relockTimer) clearTimeout(relockTimer);
    await queue.catch(() => undefined);
  });

  const radio = property.radio;
  const unlockMs = Math.max(0, ...[...property.doors.values()].map((door) => door.lock.config.unlockMs));

  /** Virtual time catches up with the server clock (firing relocks and link events on the way). */
  async function catchUp(): Promise<void> {
    const behind = context.clock() - radio.now();
    if (behind > 0) await radio.advance(behind);
  }

  /**
   * One radio operation at a time. Scans and link events make virtual time run ahead of the server
   * clock during an operation; after the last one, a timer runs the radio on to at least unlockMs
   * past it, so an unlocked door relocks (and the dashboard shows it) without another request.
   */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = async () => {
      await catchUp();
      try {
        return await work();
      } finally {
        armRelock(radio.now() + unlockMs + 100);
      }
    };
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  }

  function armRelock(virtualTargetMs: number): void {
    if (relockTimer) clearTimeout(relockTimer);
    relockTimer = setTimeout(() => {
      if (closed) return;
      const run = async () => {
        await catchUp();
        const behind = virtualTargetMs - radio.now();
        if (behind > 0) await radio.advance(behind);
      };
      queue = queue.then(run, run).catch(() => undefined);
    }, unlockMs + 100);
    relockTimer.unref();
  }

  function sessionOf(request: FastifyRequest): SimSession {
    const token = bearerToken(request);
    const session = token === undefined ? undefined : sessions.get(token);
    if (session === undefined) throw unauthorized('a simulator token is required: Authorization: Bearer <token> (from the dashboard)');
    if (context.repo.identities.instantKeyById(session.instantKeyId)?.revoked_at !== null) throw unauthorized('this Instant Key was revoked');
    return session;
  }

  function doorsOf(workspaceId: string) {
    return [...property.doors.values()]
      .filter((door) => context.repo.directory.getEntrance(workspaceId, door.acsEntranceId) !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  function body(request: FastifyRequest): Record<string, unknown> {
    return typeof request.body === 'object' && request.body !== null ? (request.body as Record<string, unknown>) : {};
  }
  function integer(input: Record<string, unknown>, name: string, min: number, max: number): number {
    const value = input[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidInput(`${name} must be an integer in [${min}, ${max}]`, [{ path: name, message: 'invalid' }]);
    return value;
  }
  function characteristicOf(input: Record<string, unknown>): CharacteristicName {
    const value = input.characteristic;
    if (value !== 'challenge' && value !== 'exchange') throw invalidInput('characteristic must be challenge or exchange', [{ path: 'characteristic', message: 'invalid' }]);
    return value;
  }
  function connectionOf(session: SimSession, input: Record<string, unknown>): GattConnection | undefined {
    return session.connections.get(integer(input, 'connection_id', 1, Number.MAX_SAFE_INTEGER));
  }
  /**
   * Radio failures are answers, not HTTP errors: the page rethrows them to the unlock client. Every
   * answer says how much virtual radio time the operation took (`virtual_ms`: scan window, connection
   * set-up, link events, retransmissions, timeouts), so the page can report tap→unlock in radio time.
   */
  async function radioCall<T extends object>(work: () => Promise<T>): Promise<(T | { failure: { transport: string } | { att_error: number } }) & { virtual_ms: number }> {
    let startMs = 0;
    const timed = async () => {
      startMs = radio.now(); // after catching up with the server clock: only this operation's time
      return work();
    };
    try {
      const answer = await exclusive(timed);
      return { ...answer, virtual_ms: radio.now() - startMs };
    } catch (error) {
      const virtual_ms = radio.now() - startMs;
      if (error instanceof AttError) return { failure: { att_error: error.attError }, virtual_ms };
      if (error instanceof TransportError) return { failure: { transport: error.code }, virtual_ms };
      throw error;
    }
  }
  const disconnected = { failure: { transport: 'transport_disconnected' } };

  app.get('/sim/links', async (request) => {
    const workspaceId = apiKeyWorkspace(context, request);
    const links: { user_identity_id: string; full_name: string | null; simulator_url: string }[] = [];
    const identities = context.repo.identities.listUserIdentities(workspaceId, {}, { limit: 100, offset: 0 }).rows;
    for (const identity of identities) {
      const key = context.repo.identities.latestInstantKeyOf(identity.user_identity_id);
      if (key === undefined) continue;
      let token = tokenOfKey.get(key.instant_key_id);
      if (token === undefined) {
        token = randomBytes(24).toString('base64url');
        tokenOfKey.set(key.instant_key_id, token);
        sessions.set(token, { token, workspaceId, instantKeyId: key.instant_key_id, phoneId: `sim-phone-${nextPhone++}`, standing: undefined, connections: new Map() });
        radio.placePhone(sessions.get(token)!.phoneId, away);
      }
      links.push({ user_identity_id: identity.user_identity_id, full_name: identity.full_name, simulator_url: `${instantKeyUrl(context, key.instant_key_id)}?sim=${token}` });
    }
    return { links, ok: true };
  });

  app.post('/sim/session', async (request) => {
    const session = sessionOf(request);
    return { doors: doorsOf(session.workspaceId).map((door) => ({ device_id: door.deviceId, name: door.name })), standing: session.standing ?? null, ok: true };
  });

  app.post('/sim/stand', async (request) => {
    const session = sessionOf(request);
    const deviceId = body(request).device_id;
    if (deviceId === null) {
      session.standing = undefined;
      radio.placePhone(session.phoneId, away);
    } else {
      const door = doorsOf(session.workspaceId).find((d) => d.deviceId === deviceId);
      if (door === undefined) throw notFound('virtual door');
      session.standing = door.deviceId;
      radio.placePhone(session.phoneId, radio.lockPosition(door.deviceId));
    }
    return { standing: session.standing ?? null, ok: true };
  });

  app.post('/sim/scan', async (request) => {
    const session = sessionOf(request);
    const durationMs = integer(body(request), 'duration_ms', 1, maxScanMs);
    const visible = new Set(doorsOf(session.workspaceId).map((door) => door.deviceId));
    return radioCall(async () => {
      const adverts = await radio.runUntil(radio.transportFor(session.phoneId).scan(durationMs));
      return {
        advertisements: adverts.filter((a) => visible.has(a.deviceId)).map((a) => ({ device_id: a.deviceId, lock_id: b64url(a.lockId), rssi_dbm: a.rssiDbm, ...(a.challenge ? { challenge: b64url(a.challenge) } : {}) })),
        ok: true,
      };
    });
  });

  app.post('/sim/connect', async (request) => {
    const session = sessionOf(request);
    const input = body(request);
    const deviceId = input.device_id;
    if (typeof deviceId !== 'string' || !doorsOf(session.workspaceId).some((door) => door.deviceId === deviceId)) throw notFound('virtual door');
    const mtu = integer(input, 'mtu', 23, 517);
    const timeoutMs = integer(input, 'timeout_ms', 1, 30_000);
    return radioCall(async () => {
      const connection = await radio.runUntil(radio.transportFor(session.phoneId).connect(deviceId, { mtu, timeoutMs }));
      const id = nextConnection++;
      session.connections.set(id, connection);
      return { connection_id: id, mtu: connection.mtu, ok: true };
    });
  });

  app.post('/sim/read', async (request) => {
    const session = sessionOf(request);
    const input = body(request);
    const connection = connectionOf(session, input);
    const characteristic = characteristicOf(input);
    if (connection === undefined) return disconnected;
    return radioCall(async () => ({ value: b64url(await radio.runUntil(connection.read(characteristic))), ok: true }));
  });

  app.post('/sim/write', async (request) => {
    const session = sessionOf(request);
    const input = body(request);
    const connection = connectionOf(session, input);
    const characteristic = characteristicOf(input);
    if (typeof input.value !== 'string' || input.value.length > 2_000 || typeof input.with_response !== 'boolean') throw invalidInput('value (base64url) and with_response (boolean) are required');
    const value = new Uint8Array(Buffer.from(input.value, 'base64url'));
    const withResponse = input.with_response;
    if (connection === undefined) return disconnected;
    return radioCall(async () => {
      await radio.runUntil(connection.write(characteristic, value, withResponse));
      return { ok: true };
    });
  });

  app.post('/sim/disconnect', async (request) => {
    const session = sessionOf(request);
    const input = body(request);
    const id = integer(input, 'connection_id', 1, Number.MAX_SAFE_INTEGER);
    const connection = session.connections.get(id);
    session.connections.delete(id);
    if (connection === undefined) return { ok: true };
    return radioCall(async () => {
      await radio.runUntil(connection.disconnect());
      return { ok: true };
    });
  });
}

function apiKeyWorkspace(context: ServerContext, request: FastifyRequest): string {
  return workspaceOfRequest(context, request, { allowQueryKey: true });
}
