/**
 * Simulator mode: a guest's Instant Key page on a laptop without Bluetooth drives the server's
 * virtual radio (the property's firmware-model locks) as one simulated phone, through a Web
 * Bluetooth implementation bridged over a WebSocket (src/web/simulated-bluetooth.ts).
 *
 *   GET /sim/links                 the workspace's guests with a live Instant Key, each with a
 *                                   simulator link `/ik/<code>?sim=<token>` (API key as Bearer, or
 *                                   the dashboard's session cookie)
 *   GET /sim/ws?token=<token>      WebSocket (401 at the upgrade for an unknown token or a revoked
 *                                   link). Text frames `{ id, op, ...input }` → `{ id, ok, ...answer }`:
 *     session                                   → { doors: [{ device_id, name }], standing }
 *     stand      { device_id | null }           the phone walks to that door (null: away)
 *     scan       { duration_ms }                → { advertisements: [{ device_id, lock_id, rssi_dbm }] }
 *     connect    { device_id, mtu, timeout_ms } → { connection_id, mtu }
 *     read       { connection_id, characteristic } → { value }
 *     write      { connection_id, characteristic, value, with_response }
 *     disconnect { connection_id }
 *   Bad input: `{ id, ok: false, error: { type, message } }` (the socket stays open).
 *
 * A token is minted by `/sim/links` (in memory: a restart forgets it) and names one Instant Key
 * and one simulated phone. Radio failures are answers `{ failure: { transport: code } }` or
 * `{ failure: { att_error } }`, which the page's Web Bluetooth turns into the browser's errors.
 * Every radio operation runs alone (the virtual radio's event loop is not reentrant), after
 * virtual time has been brought up to the server clock, so the locks judge validity windows by the
 * same clock that issued the credentials (virtual time only runs ahead of it: by the scans and link
 * events of each operation, under a second per unlock). Each radio answer carries `virtual_ms`, the
 * virtual time the operation took. Bytes are base64url. A closed socket disconnects its links.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { characteristicUuids } from '../../protocol/gatt.ts';
import { AttError, TransportError, type CharacteristicName, type GattConnection } from '../../radio/transport.ts';
import type { ServerContext } from '../context.ts';
import { ApiError, invalidInput, notFound } from '../http/errors.ts';
import type { DashboardSessions } from '../http/dashboard-session.ts';
import { instantKeyUrl } from '../http/serialize.ts';
import type { VirtualProperty } from '../virtual-property.ts';

interface SimSession {
  token: string;
  workspaceId: string;
  instantKeyId: string;
  phoneId: string;
  standing: string | undefined;
}

/** One open socket (a page): its own links on the radio, so closing it ends exactly those. */
interface SimClient {
  session: SimSession;
  connections: Map<number, GattConnection>;
  closed: boolean;
  inFlight: number;
}

/** Where a phone that stands at no door is: out of range of every lock. */
const away = { xM: -1_000, yM: 1_000 };
const maxScanMs = 5_000;
/** Requests one socket may have waiting at once (the page's Web Bluetooth runs one GATT operation at a time). */
const inFlightMax = 4;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function registerSimulatorRoutes(app: FastifyInstance, context: ServerContext, property: VirtualProperty, dashboardSessions: DashboardSessions): void {
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

  /** The session of a token, while its Instant Key lives (a revoked link ends its simulator). */
  function liveSession(token: string | null | undefined): SimSession | undefined {
    const session = token ? sessions.get(token) : undefined;
    if (session === undefined) return undefined;
    return context.repo.identities.instantKeyById(session.instantKeyId)?.revoked_at === null ? session : undefined;
  }

  function doorsOf(workspaceId: string) {
    return [...property.doors.values()]
      .filter((door) => context.repo.directory.getEntrance(workspaceId, door.acsEntranceId) !== undefined)
      .sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  }

  function integer(input: Record<string, unknown>, name: string, min: number, max: number): number {
    const value = input[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidInput(`${name} must be an integer in [${min}, ${max}]`, [{ path: name, message: 'invalid' }]);
    return value;
  }
  function characteristicOf(input: Record<string, unknown>): CharacteristicName {
    const value = input.characteristic;
    if (typeof value !== 'string' || !Object.hasOwn(characteristicUuids, value)) throw invalidInput(`characteristic must be one of ${Object.keys(characteristicUuids).join(', ')}`, [{ path: 'characteristic', message: 'invalid' }]);
    return value as CharacteristicName;
  }
  function connectionOf(client: SimClient, input: Record<string, unknown>): GattConnection | undefined {
    return client.connections.get(integer(input, 'connection_id', 1, Number.MAX_SAFE_INTEGER));
  }
  /**
   * Radio failures are answers, not errors: the page's Web Bluetooth turns them into the browser's
   * (NetworkError, NotSupportedError for an ATT error). Every answer says how much virtual radio time
   * the operation took (`virtual_ms`: scan window, connection set-up, link events, retransmissions,
   * timeouts), so the page can report tap→unlock in radio time.
   */
  async function radioCall<T extends object>(work: () => Promise<T>): Promise<(T | { failure: { transport: string } | { att_error: number } }) & { virtual_ms: number }> {
    let virtual_ms = 0;
    // Measured inside the exclusive slot (after catching up with the server clock, before the next
    // queued operation can move the radio): only this operation's time.
    const timed = async () => {
      const startMs = radio.now();
      try {
        return await work();
      } finally {
        virtual_ms = radio.now() - startMs;
      }
    };
    try {
      return { ...(await exclusive(timed)), virtual_ms };
    } catch (error) {
      if (error instanceof AttError) return { failure: { att_error: error.attError }, virtual_ms };
      if (error instanceof TransportError) return { failure: { transport: error.code }, virtual_ms };
      throw error;
    }
  }
  const disconnected = { failure: { transport: 'transport_disconnected' }, virtual_ms: 0 };

  /** The operations a simulator socket may ask for: `{ id, op, ...input }` → `{ id, ok, ...answer }`. */
  const operations: Record<string, (client: SimClient, input: Record<string, unknown>) => Promise<object> | object> = {
    session: ({ session }) => ({ doors: doorsOf(session.workspaceId).map((door) => ({ device_id: door.deviceId, name: door.name })), standing: session.standing ?? null }),
    stand({ session }, input) {
      const deviceId = input.device_id;
      if (deviceId === null) {
        session.standing = undefined;
        radio.placePhone(session.phoneId, away);
      } else {
        const door = doorsOf(session.workspaceId).find((d) => d.deviceId === deviceId);
        if (door === undefined) throw notFound('virtual door');
        session.standing = door.deviceId;
        radio.placePhone(session.phoneId, radio.lockPosition(door.deviceId));
      }
      return { standing: session.standing ?? null };
    },
    scan({ session }, input) {
      const durationMs = integer(input, 'duration_ms', 1, maxScanMs);
      const visible = new Set(doorsOf(session.workspaceId).map((door) => door.deviceId));
      return radioCall(async () => {
        const adverts = await radio.runUntil(radio.transportFor(session.phoneId).scan(durationMs));
        return { advertisements: adverts.filter((a) => visible.has(a.deviceId)).map((a) => ({ device_id: a.deviceId, lock_id: b64url(a.lockId), rssi_dbm: a.rssiDbm })) };
      });
    },
    connect(client, input) {
      const { session } = client;
      const deviceId = input.device_id;
      if (typeof deviceId !== 'string' || !doorsOf(session.workspaceId).some((door) => door.deviceId === deviceId)) throw notFound('virtual door');
      const mtu = integer(input, 'mtu', 23, 517);
      const timeoutMs = integer(input, 'timeout_ms', 1, 30_000);
      return radioCall(async () => {
        const connection = await radio.runUntil(radio.transportFor(session.phoneId).connect(deviceId, { mtu, timeoutMs }));
        if (client.closed) {
          // The page went away while connecting: nobody will use or close this link.
          await radio.runUntil(connection.disconnect());
          throw new TransportError('transport_disconnected', 'the simulator socket closed');
        }
        const id = nextConnection++;
        client.connections.set(id, connection);
        return { connection_id: id, mtu: connection.mtu };
      });
    },
    read(client, input) {
      const connection = connectionOf(client, input);
      const characteristic = characteristicOf(input);
      if (connection === undefined) return disconnected;
      return radioCall(async () => ({ value: b64url(await radio.runUntil(connection.read(characteristic))) }));
    },
    write(client, input) {
      const connection = connectionOf(client, input);
      const characteristic = characteristicOf(input);
      if (typeof input.value !== 'string' || input.value.length > 2_000 || !/^[A-Za-z0-9_-]*$/.test(input.value) || typeof input.with_response !== 'boolean') {
        throw invalidInput('value (base64url, ≤ 2000 characters) and with_response (boolean) are required');
      }
      const value = new Uint8Array(Buffer.from(input.value, 'base64url'));
      const withResponse = input.with_response;
      if (connection === undefined) return disconnected;
      return radioCall(async () => {
        await radio.runUntil(connection.write(characteristic, value, withResponse));
        return {};
      });
    },
    disconnect(client, input) {
      const id = integer(input, 'connection_id', 1, Number.MAX_SAFE_INTEGER);
      const connection = client.connections.get(id);
      client.connections.delete(id);
      if (connection === undefined) return {};
      return radioCall(async () => {
        await radio.runUntil(connection.disconnect());
        return {};
      });
    },
  };

  /** One socket: requests answered in order of arrival (radio operations queue in `exclusive`). */
  function serveSocket(socket: WebSocket, token: string, session: SimSession): void {
    const client: SimClient = { session, connections: new Map(), closed: false, inFlight: 0 };
    socket.on('message', (data, isBinary) => {
      void (async () => {
        let id: number | null = null;
        if (client.inFlight >= inFlightMax) {
          socket.send(JSON.stringify({ id: null, ok: false, error: { type: 'rate_limited', message: `at most ${inFlightMax} requests may wait at once` } }));
          return;
        }
        client.inFlight++;
        try {
          if (isBinary) throw invalidInput('messages are JSON text');
          let message: unknown;
          try {
            message = JSON.parse(String(data));
          } catch {
            throw invalidInput('a message must be JSON');
          }
          if (typeof message !== 'object' || message === null || Array.isArray(message)) throw invalidInput('a message must be a JSON object');
          const input = message as Record<string, unknown>;
          id = typeof input.id === 'number' && Number.isSafeInteger(input.id) ? input.id : null;
          const operation = typeof input.op === 'string' && Object.hasOwn(operations, input.op) ? operations[input.op] : undefined;
          if (id === null || operation === undefined) throw invalidInput(`a message needs an integer id and an op (${Object.keys(operations).join(', ')})`);
          if (liveSession(token) === undefined) {
            socket.close(4401, 'this Instant Key was revoked');
            return;
          }
          const answer = await operation(client, input);
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ id, ok: true, ...answer }));
        } catch (error) {
          if (!(error instanceof ApiError)) context.log.error({ err: error }, 'simulator operation failed');
          const body = error instanceof ApiError ? error.toBody().error : { type: 'internal_server_error', message: 'internal server error' };
          if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ id, ok: false, error: body }));
        } finally {
          client.inFlight--;
        }
      })();
    });
    // A page that goes away leaves no link open on the virtual radio (a connect still under way
    // sees `closed` and drops its link itself).
    socket.on('close', () => {
      client.closed = true;
      for (const [id, connection] of client.connections) {
        client.connections.delete(id);
        void exclusive(() => radio.runUntil(connection.disconnect())).catch(() => undefined);
      }
    });
  }

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  app.addHook('preClose', async () => {
    for (const socket of sockets.clients) socket.terminate();
  });
  app.server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node watches no errors on a socket handed to 'upgrade': a reset must not end the process.
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://localhost');
    } catch {
      return refuse('400 Bad Request'); // e.g. "//": not a path
    }
    if (url.pathname !== '/sim/ws') return refuse('404 Not Found');
    const token = url.searchParams.get('token');
    const session = liveSession(token);
    if (token === null || session === undefined) return refuse('401 Unauthorized');
    sockets.handleUpgrade(request, socket, head, (ws) => serveSocket(ws, token, session));
  });

  app.get('/sim/links', async (request) => {
    const workspaceId = dashboardSessions.workspaceOf(request);
    const links: { user_identity_id: string; full_name: string | null; simulator_url: string }[] = [];
    const identities = context.repo.identities.listUserIdentities(workspaceId, {}, { limit: 100, offset: 0 }).rows;
    for (const identity of identities) {
      const key = context.repo.identities.latestInstantKeyOf(identity.user_identity_id);
      if (key === undefined) continue;
      let token = tokenOfKey.get(key.instant_key_id);
      if (token === undefined) {
        token = randomBytes(24).toString('base64url');
        tokenOfKey.set(key.instant_key_id, token);
        sessions.set(token, { token, workspaceId, instantKeyId: key.instant_key_id, phoneId: `sim-phone-${nextPhone++}`, standing: undefined });
        radio.placePhone(sessions.get(token)!.phoneId, away);
      }
      links.push({ user_identity_id: identity.user_identity_id, full_name: identity.full_name, simulator_url: `${instantKeyUrl(context, key.instant_key_id)}?sim=${token}` });
    }
    return { links, ok: true };
  });
}
