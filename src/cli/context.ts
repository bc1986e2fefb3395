/** What every command gets: a logger (pino, to stderr) and a writer for its real output (stdout). */
import type { Logger } from 'pino';

export interface CommandContext {
  log: Logger;
  out: (text: string) => void;
}

/** Exit codes: 0 all as expected, 1 an outcome differed (a finding), 2 usage error, 3 crash. */
export const exitCodes = { ok: 0, failed: 1, usage: 2, crash: 3 } as const;
