/**
 * The door dashboard: every virtual door of the workspace, live.
 *
 *   GET  /dashboard                       the page (HTML; its script subscribes to the events), or the sign-in form (401)
 *   POST /dashboard/session               sign in: form field `key` = an API key → session cookie, 303 to /dashboard
 *   POST /dashboard/sign-out              forget the session, clear the cookie
 *   GET  /dashboard/app.js                the page's script (no secret in it)
 *   GET  /dashboard/doors                 the doors now (JSON)             session cookie or Authorization: Bearer
 *   GET  /dashboard/events                the doors as Server-Sent Events  session cookie or Authorization: Bearer
 *   (the page also lists `GET /sim/links`: each guest's "Try in simulator" link, src/server/routes/simulator.ts)
 *
 * API keys only (`seam_…`, as the API's own routes), and never in a URL: a browser's EventSource
 * cannot send headers, so the page signs in once and its requests carry an HttpOnly, SameSite=Strict
 * cookie holding a short-lived ticket (src/server/http/dashboard-session.ts). The pages send no
 * Referer and may not be framed.
 *
 * A door: locked/unlocked, when it relocks, powered, battery, unlock count, and the last audit
 * records of the lock. The locks are read, never stepped (stepping belongs to whoever drives the
 * lock's clock: the virtual radio, the simulator routes, a test's Bluetooth bridge), so the bolt is
 * read as of the server clock: `Lock.isUnlockedAt(now)` compares it with the lock's own relock
 * deadline, and an unlocked door shows Locked again on time even if nothing steps the lock (the
 * firmware reports its `relock` on its next step). The battery (firmware-model/battery.ts) is as of
 * the lock's last step: state of charge (%, rounded up), loaded pack voltage, `low` (at or below
 * 20 %: the lock has audited `battery_low`) and `depleted` (at or below 2 %: it refuses to unlock
 * with `battery_depleted`). The page writes the warning out ("Low battery"), not in colour alone.
 * The stream compares a snapshot every `pollMs` and sends one event when anything changed.
 *
 * Streams are capped (attack on issue 13, second round: one tenant's key opening hundreds of streams,
 * each recomputing the snapshot ten times a second, slowed every tenant's API calls): a workspace
 * holds at most `perWorkspaceMax` open streams and the server `totalMax`; one more is 429
 * `dashboard_streams_limit_reached` in the Seam envelope. A workspace's streams share one poll: the
 * snapshot is computed once per tick and sent to each stream whose last event differs.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import type { DashboardSessions } from '../http/dashboard-session.ts';
import { ApiError } from '../http/errors.ts';
import type { VirtualProperty } from '../virtual-property.ts';

const pollMs = 100;
const heartbeatMs = 15_000;

export interface DashboardStreamLimits {
  /** Open `/dashboard/events` streams one workspace may hold. */
  perWorkspaceMax: number;
  /** Open streams the whole server holds. */
  totalMax: number;
  /**
   * Open streams of one account: the personal access token that created the workspaces (a
   * workspace nobody created through the API is its own account). One token creating 33 workspaces
   * filled the server's whole `totalMax` (third attack on issue 13).
   */
  perAccountMax?: number;
}

export const dashboardStreamLimitsDefault: Readonly<DashboardStreamLimits> = Object.freeze({ perWorkspaceMax: 8, totalMax: 256, perAccountMax: 32 });
const auditShown = 5;

export interface DashboardBattery {
  percent: number;
  millivolts: number;
  low: boolean;
  depleted: boolean;
}

export interface DashboardDoor {
  acs_entrance_id: string;
  name: string;
  locked: boolean;
  /** While unlocked: when the bolt relocks (ISO); null when locked. */
  relocks_at: string | null;
  powered: boolean;
  battery: DashboardBattery;
  /** The lock's MCU profile (firmware-model/hardware/profiles.ts): name and what it models. */
  hardware: { name: string; description: string };
  unlock_count: number;
  last_events: { sequence: number; at: string; event: string; code?: string }[];
}

export async function dashboardDoors(context: ServerContext, property: VirtualProperty, workspaceId: string): Promise<DashboardDoor[]> {
  const doors: DashboardDoor[] = [];
  const nowMs = context.clock();
  for (const door of property.doors.values()) {
    if (await context.repo.directory.getEntrance(workspaceId, door.acsEntranceId) === undefined) continue;
    const unlocked = door.lock.isUnlockedAt(nowMs);
    const { percent, millivolts, low, depleted } = door.lock.battery;
    doors.push({
      acs_entrance_id: door.acsEntranceId,
      name: door.name,
      locked: !unlocked,
      relocks_at: unlocked ? new Date(door.lock.relockAtMs!).toISOString() : null,
      powered: door.lock.isPowered,
      battery: { percent, millivolts, low, depleted },
      hardware: { name: door.lock.hardware.name, description: door.lock.hardware.description },
      unlock_count: door.lock.actuations,
      last_events: door.lock.audit
        .since(0)
        .slice(-auditShown)
        .reverse()
        .map((record) => ({ sequence: record.sequence, at: new Date(record.timeMs).toISOString(), event: record.event, ...(record.code !== undefined ? { code: record.code } : {}) })),
    });
  }
  return doors.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

const pageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Doors — latchkey</title>
<style>
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: #1a1a1a; background: #f4f5f7; }
header { background: #1f4e9c; color: #fff; padding: 14px 16px; }
header h1 { margin: 0; font-size: 1.25rem; }
#connection { margin: 2px 0 0; color: #e8eefa; font-size: .9rem; }
main { padding: 12px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid #d0d0d0; vertical-align: top; }
.state { font-weight: 700; }
tr[data-state="unlocked"] .state { color: #17703a; }
tr[data-state="locked"] .state { color: #1a1a1a; }
tr[data-battery="low"] .battery, tr[data-battery="depleted"] .battery { color: #8a2c0d; font-weight: 700; }
.events { margin: 0; padding: 0; list-style: none; font-size: .85rem; color: #4a4a4a; }
#simulator { margin-top: 16px; }
#simulator h2 { font-size: 1rem; margin: 0 0 6px; }
#sim-links { margin: 0; padding-left: 20px; }
</style>
</head>
<body>
<header><h1>Doors</h1><p id="connection" role="status">Connecting…</p></header>
<main>
<table aria-label="Doors">
<thead><tr><th scope="col">Door</th><th scope="col">State</th><th scope="col">Battery</th><th scope="col">Hardware</th><th scope="col">Unlocks</th><th scope="col">Last events</th></tr></thead>
<tbody id="doors"></tbody>
</table>
<section id="simulator" aria-labelledby="simulator-heading">
<h2 id="simulator-heading">Try a guest's Instant Key in the simulator</h2>
<p>No Bluetooth needed: the guest's page drives these virtual doors through the server.</p>
<ul id="sim-links"></ul>
</section>
</main>
<script src="/dashboard/app.js"></script>
</body>
</html>
`;

/**
 * The page's script: plain JS (no bundle), subscribes to /dashboard/events (the session cookie goes along),
 * and lists each guest's "Try in simulator" link (src/server/routes/simulator.ts, /sim/links).
 */
const pageScript = `(() => {
  const body = document.getElementById('doors');
  const connection = document.getElementById('connection');
  const cell = (text, className) => { const td = document.createElement('td'); td.textContent = text; if (className) td.className = className; return td; };
  // The warning is written out, not shown by colour alone.
  const batteryText = (b) => b.percent + '%' + (b.depleted ? ' — Battery depleted: door won’t unlock' : b.low ? ' — Low battery' : '');
  function render(doors) {
    body.replaceChildren(...doors.map((door) => {
      const row = document.createElement('tr');
      row.dataset.door = door.name;
      row.dataset.state = door.locked ? 'locked' : 'unlocked';
      row.dataset.battery = door.battery.depleted ? 'depleted' : door.battery.low ? 'low' : 'ok';
      const events = document.createElement('ul');
      events.className = 'events';
      for (const e of door.last_events) {
        const item = document.createElement('li');
        item.textContent = new Date(e.at).toLocaleTimeString() + ' ' + e.event + (e.code ? ' (' + e.code + ')' : '');
        events.append(item);
      }
      const eventsCell = cell('');
      eventsCell.append(events);
      const battery = cell(batteryText(door.battery), 'battery');
      battery.title = (door.battery.millivolts / 1000).toFixed(2) + ' V';
      const hardware = cell(door.hardware.name, 'hardware');
      hardware.title = door.hardware.description;
      row.append(cell(door.name, 'name'), cell(door.powered ? (door.locked ? 'Locked' : 'Unlocked') : 'No power', 'state'), battery, hardware, cell(String(door.unlock_count), 'count'), eventsCell);
      return row;
    }));
    document.body.dataset.updated = String(Date.now());
  }
  fetch('/sim/links', { credentials: 'same-origin' }).then((r) => r.json()).then((answer) => {
    const list = document.getElementById('sim-links');
    for (const link of answer.links || []) {
      const item = document.createElement('li');
      const a = document.createElement('a');
      a.href = link.simulator_url;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      a.className = 'sim-link';
      a.dataset.guest = link.full_name || link.user_identity_id;
      a.textContent = 'Try in simulator: ' + (link.full_name || link.user_identity_id);
      item.append(a);
      list.append(item);
    }
    document.body.dataset.simLinks = String((answer.links || []).length);
  }, () => { document.body.dataset.simLinks = 'failed'; });
  const source = new EventSource('/dashboard/events');
  source.addEventListener('doors', (event) => { connection.textContent = 'Live'; render(JSON.parse(event.data)); });
  source.onerror = () => { connection.textContent = 'Reconnecting…'; };
})();
`;

const signInHtml = (message: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in — latchkey doors</title>
<style>
body { margin: 0; font: 15px/1.4 system-ui, sans-serif; color: #1a1a1a; background: #f4f5f7; }
main { max-width: 28rem; margin: 10vh auto; padding: 16px; background: #fff; }
label, input, button { display: block; width: 100%; box-sizing: border-box; font: inherit; }
input { margin: 4px 0 12px; padding: 8px; }
button { padding: 10px; background: #1f4e9c; color: #fff; border: 0; }
#message { color: #8a2c0d; }
</style>
</head>
<body>
<main>
<h1>Doors</h1>
<p id="message" role="alert">${message}</p>
<form method="post" action="/dashboard/session">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" required>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/**
 * The event stream's headers: SSE, never cached or buffered by a proxy (nginx reads
 * X-Accel-Buffering), with the pages' security headers.
 */
const streamHeaders = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-store',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * A sign-in post from another site's page is refused (login CSRF). Browsers say where a request
 * comes from in Sec-Fetch-Site; Origin is checked too when it names a site (the pages' no-referrer
 * policy makes a browser send `Origin: null` even from our own form).
 */
function sameOrigin(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined || origin === 'null') return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export function registerDashboardRoutes(
  app: FastifyInstance,
  context: ServerContext,
  property: VirtualProperty,
  sessions: DashboardSessions,
  streamLimits: DashboardStreamLimits = dashboardStreamLimitsDefault,
): void {
  const streams = new Set<() => void>();
  /** Open streams per account (DashboardStreamLimits.perAccountMax). */
  const accountStreams = new Map<string, number>();
  const workspaceOf = (request: FastifyRequest): Promise<string> => sessions.workspaceOf(request);
  /** One poll per workspace with open streams; each subscriber remembers the last snapshot it was sent. */
  interface Subscriber {
    request: FastifyRequest;
    response: ServerResponse;
    last: string;
    end: () => void;
  }
  const hubs = new Map<string, { subscribers: Set<Subscriber>; poll: ReturnType<typeof setInterval> }>();
  const deliver = async (workspaceId: string, subscribers: Iterable<Subscriber>) => {
    let snapshot: string | undefined;
    for (const subscriber of [...subscribers]) {
      // The key or the sign-in behind this stream may have been revoked or expired since it opened:
      // the stream ends with it, as the next request would (attack 13, finding 2).
      try {
        await workspaceOf(subscriber.request);
      } catch {
        subscriber.end();
        continue;
      }
      snapshot ??= JSON.stringify(await dashboardDoors(context, property, workspaceId));
      if (snapshot === subscriber.last) continue;
      subscriber.last = snapshot;
      subscriber.response.write(`event: doors\ndata: ${snapshot}\n\n`);
    }
  };
  app.addHook('preClose', async () => {
    for (const end of [...streams]) end();
  });

  app.get('/dashboard', async (request, reply) => {
    try {
      await workspaceOf(request);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return reply.code(401).headers(pageHeaders).send(signInHtml('Sign in with an API key of the workspace.'));
    }
    return reply.code(200).headers(pageHeaders).send(pageHtml);
  });

  app.post('/dashboard/session', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const key = typeof body?.['key'] === 'string' ? body['key'].trim() : '';
    if (!sameOrigin(request)) return reply.code(403).headers(pageHeaders).send(signInHtml('Sign-in from another site refused.'));
    let setCookie: string;
    try {
      setCookie = await sessions.signIn(key);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return reply.code(401).headers(pageHeaders).send(signInHtml('That API key was not accepted.'));
    }
    return reply.code(303).headers({ 'set-cookie': setCookie, location: '/dashboard', 'cache-control': 'no-store' }).send();
  });

  app.post('/dashboard/sign-out', async (request, reply) => {
    return reply.code(303).headers({ 'set-cookie': sessions.signOut(request), location: '/dashboard', 'cache-control': 'no-store' }).send();
  });
  app.get('/dashboard/app.js', async (_request, reply) => reply.code(200).headers({ 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff' }).send(pageScript));

  app.get('/dashboard/doors', async (request, reply) => {
    const workspaceId = await workspaceOf(request);
    return reply.code(200).send({ doors: await dashboardDoors(context, property, workspaceId), ok: true });
  });

  app.get('/dashboard/events', async (request: FastifyRequest, reply: FastifyReply) => {
    const workspaceId = await workspaceOf(request);
    const hub = hubs.get(workspaceId);
    if ((hub?.subscribers.size ?? 0) >= streamLimits.perWorkspaceMax) {
      throw new ApiError('dashboard_streams_limit_reached', `this workspace already has ${hub!.subscribers.size} open dashboard streams (at most ${streamLimits.perWorkspaceMax}): close one first`);
    }
    const account = (await context.repo.directory.getWorkspace(workspaceId))?.created_by_token_id ?? workspaceId;
    const accountMax = streamLimits.perAccountMax ?? dashboardStreamLimitsDefault.perAccountMax!;
    if ((accountStreams.get(account) ?? 0) >= accountMax) {
      throw new ApiError('dashboard_streams_limit_reached', `this account's workspaces already have ${accountStreams.get(account)} open dashboard streams (at most ${accountMax}): close one first`);
    }
    if (streams.size >= streamLimits.totalMax) {
      throw new ApiError('dashboard_streams_limit_reached', `the server already has ${streams.size} open dashboard streams (at most ${streamLimits.totalMax}); try again later`);
    }
    accountStreams.set(account, (accountStreams.get(account) ?? 0) + 1);
    reply.hijack();
    const response = reply.raw;
    // Written on the raw socket (reply.hijack): Fastify's onSend hooks do not run, so the headers
    // every other response gets (no framing, the request id) are set here, with the stream's own.
    response.writeHead(200, { ...streamHeaders, 'seam-request-id': request.id });
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), heartbeatMs);
    let ended = false;
    const subscriber: Subscriber = {
      request,
      response,
      last: '',
      end: () => {
        clearInterval(heartbeat);
        streams.delete(subscriber.end);
        if (!ended) {
          ended = true;
          const left = (accountStreams.get(account) ?? 1) - 1;
          if (left <= 0) accountStreams.delete(account);
          else accountStreams.set(account, left);
        }
        const current = hubs.get(workspaceId);
        if (current !== undefined && current.subscribers.delete(subscriber) && current.subscribers.size === 0) {
          clearInterval(current.poll);
          hubs.delete(workspaceId);
        }
        if (!response.writableEnded) response.end();
      },
    };
    let current = hubs.get(workspaceId);
    if (current === undefined) {
      const subscribers = new Set<Subscriber>();
      current = { subscribers, poll: setInterval(() => void deliver(workspaceId, subscribers).catch((error: unknown) => context.log.error({ err: error }, 'dashboard stream: delivery failed')), pollMs) };
      hubs.set(workspaceId, current);
    }
    current.subscribers.add(subscriber);
    streams.add(subscriber.end);
    request.raw.on('close', subscriber.end);
    await deliver(workspaceId, [subscriber]);
  });
}
