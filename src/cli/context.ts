/** What every command gets: a logger (pino, to stderr) and a writer for its real output (stdout). */
import type { Logger } from 'pino';

export interface CommandContext {
  log: Logger;
  out: (text: string) => void;
}

/**
 * Exit codes: 0 all as expected, 1 an outcome differed (a finding), 2 usage error, 3 crash or a
 * missing environment (no adapter, server unreachable); `latchkey phone` adds 4 the server refused
 * the token or the phone (401, phone removed) and 5 no doors on this key.
 */
export const exitCodes = { ok: 0, failed: 1, usage: 2, crash: 3, denied: 4, noDoors: 5 } as const;
