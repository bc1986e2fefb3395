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
 *     stand      { device_id | null, touch? }   the phone walks to that door (null: away); touch: held to its lock (a tap)
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
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { ServerContext } from '../context.ts';
import type { DashboardSessions } from '../http/dashboard-session.ts';
import { instantKeyUrl } from '../http/serialize.ts';
import type { VirtualProperty } from '../virtual-property.ts';
import { away, simulatorOperations } from './simulator/operations.ts';
import { RadioScheduler } from './simulator/radio-scheduler.ts';
import { serveSimulatorSocket } from './simulator/socket.ts';
import { SimulatorTokens } from './simulator/tokens.ts';

/**
 * Wires the parts: tokens (simulator/tokens.ts), the radio scheduler (simulator/radio-scheduler.ts),
 * the socket's operations (simulator/operations.ts) and protocol (simulator/socket.ts), the
 * WebSocket upgrade and `GET /sim/links`.
 */
export function registerSimulatorRoutes(app: FastifyInstance, context: ServerContext, property: VirtualProperty, dashboardSessions: DashboardSessions): void {
  const radio = property.radio;
  const tokens = new SimulatorTokens(context);
  const unlockMs = Math.max(0, ...[...property.doors.values()].map((door) => door.lock.config.unlockMs));
  const scheduler = new RadioScheduler({ radio, clock: context.clock, unlockMs });
  const operations = simulatorOperations(context, property, scheduler);
  app.addHook('preClose', () => scheduler.close());

  const sockets = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 });
  app.addHook('preClose', async () => {
    for (const socket of sockets.clients) socket.terminate();
  });
  app.server.on('upgrade', async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
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
    let session: Awaited<ReturnType<typeof tokens.live>>;
    try {
      session = await tokens.live(token);
    } catch (error) {
      context.log.error({ err: error }, 'simulator socket: token check failed');
      return refuse('503 Service Unavailable');
    }
    if (token === null || session === undefined) return refuse('401 Unauthorized');
    sockets.handleUpgrade(request, socket, head, (ws) => serveSimulatorSocket(ws, token, session, { context, tokens, scheduler, operations }));
  });

  app.get('/sim/links', async (request) => {
    const workspaceId = await dashboardSessions.workspaceOf(request);
    const links: { user_identity_id: string; full_name: string | null; simulator_url: string }[] = [];
    const identities = (await context.repo.identities.listUserIdentities(workspaceId, {}, { limit: 100, offset: 0 })).rows;
    for (const identity of identities) {
      const key = await context.repo.identities.latestInstantKeyOf(identity.user_identity_id);
      if (key === undefined) continue;
      const token = tokens.tokenFor(workspaceId, key.instant_key_id, (session) => radio.placePhone(session.phoneId, away));
      links.push({ user_identity_id: identity.user_identity_id, full_name: identity.full_name, simulator_url: `${instantKeyUrl(context, key.instant_key_id)}?sim=${token}` });
    }
    return { links, ok: true };
  });
}
