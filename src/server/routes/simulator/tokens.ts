/**
 * Simulator tokens (in server memory: a restart forgets them). A token names one Instant Key and one
 * simulated phone on the virtual radio; it works while its Instant Key lives.
 */
import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../../context.ts';

export interface SimSession {
  token: string;
  workspaceId: string;
  instantKeyId: string;
  phoneId: string;
  standing: string | undefined;
}

export class SimulatorTokens {
  private readonly sessions = new Map<string, SimSession>();
  private readonly tokenOfKey = new Map<string, string>();
  private nextPhone = 1;
  private readonly context: ServerContext;

  constructor(context: ServerContext) {
    this.context = context;
  }

  /** The session of a token, while its Instant Key lives (a revoked link ends its simulator). */
  async live(token: string | null | undefined): Promise<SimSession | undefined> {
    const session = token ? this.sessions.get(token) : undefined;
    if (session === undefined) return undefined;
    return (await this.context.repo.identities.instantKeyById(session.instantKeyId))?.revoked_at === null ? session : undefined;
  }

  /** The token of an Instant Key (one per key); `created` places its new phone. */
  tokenFor(workspaceId: string, instantKeyId: string, created: (session: SimSession) => void): string {
    let token = this.tokenOfKey.get(instantKeyId);
    if (token === undefined) {
      token = randomBytes(24).toString('base64url');
      this.tokenOfKey.set(instantKeyId, token);
      const session: SimSession = { token, workspaceId, instantKeyId, phoneId: `sim-phone-${this.nextPhone++}`, standing: undefined };
      this.sessions.set(token, session);
      created(session);
    }
    return token;
  }
}
