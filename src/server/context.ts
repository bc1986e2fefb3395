/**
 * What every handler and service receives: repository, issuer, secrets, an injected clock (the
 * end-to-end test runs the server on the virtual radio's time) and the public base URL that
 * Instant Key links are built on (known only after the listener is bound).
 */
import type { Logger } from 'pino';
import type { Repository } from './repository/index.ts';
import type { Issuer } from './issuance/issuer.ts';
import type { ServerSecrets } from './issuance/key-file.ts';

/** The phone-change budget (services/phone-budget.ts enforces it; here so the context names it without an import cycle). */
export interface PhoneChangeLimits {
  /** Registrations + deactivations of one identity's phones in any sliding hour. */
  changesPerHourMax: number;
  /** Registrations + deactivations of one identity's phones in any sliding 24 hours. */
  changesPerDayMax: number;
  /** Active phones one link without `max_use_count` may have (a link with one is bounded by it). */
  activePhonesPerUnlimitedLinkMax: number;
  /** Live revocations a door may list for guests to add one more (the rest of `updateRevocationsMax` is the operators'). */
  guestRevocationsPerDoorMax: number;
  /** Live revocations one identity's own phone deactivations may hold at one door. */
  guestRevocationsPerIdentityPerDoorMax: number;
}

export interface ServerContext {
  repo: Repository;
  issuer: Issuer;
  secrets: ServerSecrets;
  /** ms since the Unix epoch. */
  clock: () => number;
  /** `phoneChangeLimits`: the phone-change budget (services/phone-budget.ts); tests may lift it. */
  config: { publicBaseUrl: string; phoneChangeLimits: PhoneChangeLimits };
  log: Logger;
}

export function nowIso(context: ServerContext): string {
  return new Date(context.clock()).toISOString();
}

export function nowS(context: ServerContext): number {
  return Math.floor(context.clock() / 1000);
}

/**
 * Runs `fn` in one repository transaction, handing it a context whose `repo` is the transaction:
 * everything `fn` (and what it calls with that context) reads and writes commits together.
 */
export function inTransaction<T>(context: ServerContext, fn: (context: ServerContext) => Promise<T>): Promise<T> {
  return context.repo.transaction((tx) => fn(tx === context.repo ? context : { ...context, repo: tx }));
}

/** `items.map(fn)` for an async `fn`, one item after another (a transaction's statements run in order). */
export async function mapInOrder<T, U>(items: Iterable<T>, fn: (item: T, index: number) => Promise<U>): Promise<U[]> {
  const out: U[] = [];
  let index = 0;
  for (const item of items) out.push(await fn(item, index++));
  return out;
}
