/**
 * Runs `openssl speed` for the reference figures every crypto ratio in the benchmarks is taken
 * against. openssl reports operations per second of **user CPU time** (its default; `-elapsed`
 * switches to wall time), so latchkey's figures beside it are measured the same way
 * (cpu-rate.ts): on a shared machine a wall-clock rate would fall with every other session's load
 * while openssl's would not.
 *
 * Failures are loud: a missing binary, a non-zero exit, a timeout or output the parser does not
 * recognise throws an `OpensslSpeedError` naming what went wrong, never a silent `undefined`.
 */
import { execFileSync } from 'node:child_process';

export interface OpensslSpeed {
  version: string;
  ecdsaP256VerifyPerS: number;
  ecdsaP256SignPerS: number;
  ed25519VerifyPerS: number;
  ed25519SignPerS: number;
  /** P-256 ECDH derive (`ecdhp256`), per second. */
  ecdhP256PerS: number;
}

export type OpensslSpeedFailure = 'openssl_missing' | 'openssl_failed' | 'openssl_output_unrecognised';

export class OpensslSpeedError extends Error {
  override readonly name = 'OpensslSpeedError';
  readonly code: OpensslSpeedFailure;
  constructor(code: OpensslSpeedFailure, detail: string, options?: { cause?: unknown }) {
    super(`${code}: ${detail}`, options);
    this.code = code;
  }
}

const number = (text: string | undefined, what: string): number => {
  const value = Number(text);
  if (text === undefined || !Number.isFinite(value) || value <= 0) throw new OpensslSpeedError('openssl_output_unrecognised', `${what}: not a positive number (${text ?? 'absent'})`);
  return value;
};

/**
 * Parses the table `openssl speed ecdsap256 ed25519 ecdhp256` prints on stdout (OpenSSL 1.1 and 3.x
 * layout: "256 bits ecdsa (nistp256)   0.0000s   0.0001s  47238.7  17975.8").
 */
export function parseOpensslSpeed(output: string, version: string): OpensslSpeed {
  const p256 = /ecdsa \(nistp256\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(output);
  const ed = /EdDSA \(Ed25519\)\s+[\d.]+s\s+[\d.]+s\s+([\d.]+)\s+([\d.]+)/.exec(output);
  const ecdh = /ecdh \(nistp256\)\s+[\d.]+s\s+([\d.]+)/.exec(output);
  if (!p256) throw new OpensslSpeedError('openssl_output_unrecognised', 'no "ecdsa (nistp256)" row');
  if (!ed) throw new OpensslSpeedError('openssl_output_unrecognised', 'no "EdDSA (Ed25519)" row');
  if (!ecdh) throw new OpensslSpeedError('openssl_output_unrecognised', 'no "ecdh (nistp256)" row');
  return {
    version,
    ecdsaP256SignPerS: number(p256[1], 'ECDSA P-256 sign/s'),
    ecdsaP256VerifyPerS: number(p256[2], 'ECDSA P-256 verify/s'),
    ed25519SignPerS: number(ed[1], 'Ed25519 sign/s'),
    ed25519VerifyPerS: number(ed[2], 'Ed25519 verify/s'),
    ecdhP256PerS: number(ecdh[1], 'ECDH P-256/s'),
  };
}

function run(args: string[], timeoutMs: number): string {
  try {
    return execFileSync('openssl', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { status?: number | null; signal?: string | null; stderr?: string };
    if (failure.code === 'ENOENT') throw new OpensslSpeedError('openssl_missing', 'the openssl binary is not on PATH', { cause: error });
    const why = failure.signal ? `killed by ${failure.signal}${failure.code === 'ETIMEDOUT' ? ' (timeout)' : ''}` : `exit status ${failure.status ?? '?'}`;
    throw new OpensslSpeedError('openssl_failed', `openssl ${args.join(' ')}: ${why}; ${String(failure.stderr ?? '').trim().split('\n').slice(-2).join(' / ')}`, { cause: error });
  }
}

/** One `openssl speed` run of `seconds` per operation (five operations). Throws OpensslSpeedError. */
export function runOpensslSpeed(seconds: number): OpensslSpeed {
  const version = run(['version'], 10_000).trim();
  const output = run(['speed', '-seconds', String(seconds), 'ecdsap256', 'ed25519', 'ecdhp256'], 30_000 + 20_000 * seconds);
  return parseOpensslSpeed(output, version);
}

/** Ceiling for two sequential verifies: 1 / (1/a + 1/b). */
export function twoVerifyBound(a: number, b: number): number {
  return 1 / (1 / a + 1 / b);
}
