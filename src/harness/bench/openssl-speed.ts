/** Runs `openssl speed` for the reference figures every ratio in the benchmarks is taken against. */
import { execFileSync } from 'node:child_process';

export interface OpensslSpeed {
  version: string;
  ecdsaP256VerifyPerS: number;
  ecdsaP256SignPerS: number;
  ed25519VerifyPerS: number;
  ed25519SignPerS: number;
}

export function runOpensslSpeed(seconds: number): OpensslSpeed | undefined {
  try {
    const version = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
    const output = execFileSync('openssl', ['speed', '-seconds', String(seconds), 'ecdsap256', 'ed25519'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    const p256 = /nistp256\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(output);
    const ed = /Ed25519\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)/.exec(output);
    if (!p256 || !ed) return undefined;
    return { version, ecdsaP256SignPerS: Number(p256[1]), ecdsaP256VerifyPerS: Number(p256[2]), ed25519SignPerS: Number(ed[1]), ed25519VerifyPerS: Number(ed[2]) };
  } catch {
    return undefined;
  }
}

/** Ceiling for two sequential verifies: 1 / (1/a + 1/b). */
export function twoVerifyBound(a: number, b: number): number {
  return 1 / (1 / a + 1 / b);
}
