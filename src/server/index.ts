/**
 * `latchkey up`: open (or create) the database, load the issuer keys, provision the demo hotel on
 * first start, start its virtual locks, and listen. Returns the endpoint, a fresh API key for the
 * demo workspace (keys are stored hashed, so each start mints one; earlier keys stay valid) and the
 * demo guest's Instant Key URL. `createServerContext` is the same wiring without a listener (tests).
 */
import pino, { type DestinationStream, type Level } from 'pino';
import { stderrLogDestination } from '../log/destination.ts';
import { createNodeProvider } from '../protocol/crypto/node.ts';
import { buildApp } from './app.ts';
import type { ServerContext } from './context.ts';
import { createDashboardSessions } from './http/dashboard-session.ts';
import { redactSecrets, requestForLog } from './http/redact.ts';
import { instantKeyUrl } from './http/serialize.ts';
import { createIssuer } from './issuance/issuer.ts';
import { existsSync } from 'node:fs';
import { adminKeyFilePath, loadServerSecrets } from './issuance/key-file.ts';
import { demoGuestKey, mintApiKey, provisionDemoHotel } from './provision.ts';
import { openRepository } from './repository/index.ts';
import { phoneChangeLimitsDefault, type PhoneChangeLimits } from './services/phone-budget.ts';
import { startVirtualProperty, type VirtualProperty, type VirtualPropertyOptions } from './virtual-property.ts';
import { dashboardStreamLimitsDefault, registerDashboardRoutes, type DashboardStreamLimits } from './routes/dashboard.ts';
import { registerSimulatorRoutes } from './routes/simulator.ts';

export interface StartServerOptions {
  /** 0 = an ephemeral port. Default 3000. */
  port?: number;
  /** Default './latchkey.db'; ':memory:' for a throwaway server. */
  dbPath?: string;
  /** pino level or 'silent'. Default 'info'. */
  logLevel?: Level | 'silent';
  /** Default '127.0.0.1'. */
  host?: string;
  /** Injected clock (ms since the epoch); default Date.now. */
  clock?: () => number;
  /** Provision the demo hotel when the database has no workspace. Default true. */
  provisionDemo?: boolean;
  /** Lock settings per virtual door instead of the demo's (src/server/virtual-property.ts), e.g. a flat battery. */
  lockConfigOf?: VirtualPropertyOptions['lockConfigOf'];
  hardwareOf?: VirtualPropertyOptions['hardwareOf'];
  /** Where log lines go (default stderr); a test passes a stream to read them. */
  logDestination?: DestinationStream;
  /** Overrides of the phone-change budget (services/phone-budget.ts `phoneChangeLimitsDefault`); a test churning phones lifts them. */
  phoneChangeLimits?: Partial<PhoneChangeLimits>;
  /** Overrides of the caps on open dashboard event streams (routes/dashboard.ts `dashboardStreamLimitsDefault`). */
  dashboardStreams?: Partial<DashboardStreamLimits>;
}

export interface RunningServer {
  url: string;
  port: number;
  apiKey: string | undefined;
  workspaceId: string | undefined;
  instantKeyUrl: string | undefined;
  context: ServerContext;
  property: VirtualProperty;
  close(): Promise<void>;
}

export function createServerContext(options: { dbPath: string; logLevel?: Level | 'silent'; clock?: () => number; publicBaseUrl?: string; logDestination?: DestinationStream; createKeys?: boolean; phoneChangeLimits?: Partial<PhoneChangeLimits> | undefined }): ServerContext {
  // Logs go to stderr: stdout carries the command's own output (the endpoint, --json). Every line
  // is scrubbed of secrets as it is written, and requests are logged without headers (http/redact.ts).
  const log = pino(
    { level: options.logLevel ?? 'info', serializers: { req: requestForLog }, hooks: { streamWrite: redactSecrets } },
    options.logDestination ?? stderrLogDestination(),
  );
  const crypto = createNodeProvider();
  const secrets = loadServerSecrets(crypto, options.dbPath, process.env, { create: options.createKeys !== false });
  if (options.createKeys !== false && options.dbPath !== ':memory:' && existsSync(adminKeyFilePath(options.dbPath))) {
    // The split is worth nothing while the administration secret sits beside the database (attack 12, F5).
    log.warn({ path: adminKeyFilePath(options.dbPath) }, 'the lock-administration key is still beside the database: move it offline (latchkey admin reset --admin-key reads it from anywhere)');
  }
  const repo = openRepository(options.dbPath);
  log.debug({ keySource: secrets.source, dbPath: options.dbPath }, 'issuer keys loaded');
  return { repo, issuer: createIssuer(crypto, secrets.issuer), secrets, clock: options.clock ?? Date.now, config: { publicBaseUrl: options.publicBaseUrl ?? 'http://127.0.0.1', phoneChangeLimits: { ...phoneChangeLimitsDefault, ...options.phoneChangeLimits } }, log };
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const dbPath = options.dbPath ?? './latchkey.db';
  const host = options.host ?? '127.0.0.1';
  const context = createServerContext({ dbPath, logLevel: options.logLevel ?? 'info', ...(options.clock ? { clock: options.clock } : {}), ...(options.logDestination ? { logDestination: options.logDestination } : {}), phoneChangeLimits: options.phoneChangeLimits });
  let apiKey: string | undefined;
  let workspaceId = (await context.repo.directory.firstWorkspace())?.workspace_id;
  if (workspaceId === undefined && options.provisionDemo !== false) {
    ({ workspaceId, apiKey } = await provisionDemoHotel(context));
  } else if (workspaceId !== undefined) {
    apiKey = await mintApiKey(context, workspaceId);
  }
  const property = await startVirtualProperty(context, { seed: 1, ...(options.lockConfigOf ? { lockConfigOf: options.lockConfigOf } : {}), ...(options.hardwareOf ? { hardwareOf: options.hardwareOf } : {}) });
  const app = buildApp(context);
  const dashboardSessions = createDashboardSessions(context);
  registerDashboardRoutes(app, context, property, dashboardSessions, { ...dashboardStreamLimitsDefault, ...options.dashboardStreams }); // needs the virtual doors, which buildApp does not see
  registerSimulatorRoutes(app, context, property, dashboardSessions);
  try {
    await app.listen({ port: options.port ?? 3000, host });
  } catch (error) {
    await app.close();
    await context.repo.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 3000);
  const url = `http://${host}:${port}`;
  context.config.publicBaseUrl = url;
  const guest = workspaceId === undefined ? undefined : await context.repo.identities.getUserIdentityByKey(workspaceId, demoGuestKey);
  const guestKey = guest === undefined ? undefined : await context.repo.identities.latestInstantKeyOf(guest.user_identity_id);
  const running: RunningServer = {
    url, port, apiKey, workspaceId, context, property,
    instantKeyUrl: guestKey === undefined ? undefined : instantKeyUrl(context, guestKey.instant_key_id),
    async close() {
      await app.close();
      await context.repo.close();
    },
  };
  context.log.info({ url, workspaceId }, 'latchkey API listening');
  return running;
}

/** The lines `latchkey up` prints (the API key is shown once; it is stored only as a hash). */
export function describeRunningServer(running: RunningServer): string {
  return [
    `latchkey API   ${running.url}`,
    `API key        ${running.apiKey ?? '(none: no workspace)'}`,
    `Instant Key    ${running.instantKeyUrl ?? '(no demo guest)'}`,
    `dashboard      ${running.url}/dashboard (sign in with the API key)`,
    `virtual locks  ${running.property.doors.size} (${[...running.property.doors.values()].map((door) => door.name).join(', ')})`,
    `SDK            new Seam({ endpoint: '${running.url}', apiKey: '<API key>' })`,
  ].join('\n');
}

export { buildApp } from './app.ts';
export type { ServerContext } from './context.ts';
