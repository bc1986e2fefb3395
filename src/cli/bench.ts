/**
 * `latchkey bench`: crypto hot path (full credential verify per provider vs `openssl speed`) and
 * unlock latency in virtual time. Writes bench/results.json and prints a table (or JSON).
 * `--quick` runs a smoke (tiny iterations, no openssl) — what `npm test` uses; its numbers mean nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeProvider } from '../protocol/crypto/node.ts';
import { createNobleProvider } from '../protocol/crypto/noble.ts';
import { makeVerifyCases, opsPerSecond, verifyHolderOnly, verifyOnce } from '../harness/bench/credential-verify.ts';
import { runOpensslSpeed, twoVerifyBound } from '../harness/bench/openssl-speed.ts';
import { measureUnlockLatency, type LatencyRow } from '../harness/bench/unlock-latency.ts';
import { parseCredential } from '../protocol/credential.ts';
import { rejectUnknownFlags, stringFlag, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export async function benchCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, ['quick', 'json', 'out', 'log-level']);
  const quick = args.flags.has('quick');
  const outPath = stringFlag(args, 'out', quick ? 'bench/results.quick.json' : 'bench/results.json');
  const durationMs = quick ? 20 : 2000;
  const openssl = quick ? undefined : runOpensslSpeed(2);
  context.log.info({ quick, openssl }, 'openssl reference');

  const verify: Record<string, unknown>[] = [];
  for (const crypto of [createNodeProvider(), createNobleProvider()]) {
    for (const issuerAlgorithm of ['EdDSA', 'ES256'] as const) {
      const { cases, trusted } = makeVerifyCases(crypto, issuerAlgorithm, quick ? 4 : 64, 42);
      const full = opsPerSecond(cases, durationMs, (input) => verifyOnce(crypto, trusted, input));
      const withKeys = cases.map((input) => ({ input, holderKey: parseCredential(input.credential).claims.holderKey }));
      const cached = opsPerSecond(withKeys, durationMs, (entry) => verifyHolderOnly(crypto, entry.holderKey, entry.input));
      const issuerVerify = openssl ? (issuerAlgorithm === 'EdDSA' ? openssl.ed25519VerifyPerS : openssl.ecdsaP256VerifyPerS) : undefined;
      const twoBound = openssl && issuerVerify ? twoVerifyBound(issuerVerify, openssl.ecdsaP256VerifyPerS) : undefined;
      verify.push({
        provider: crypto.name,
        issuerAlgorithm,
        fullVerifyPerS: Math.round(full),
        cachedRepeatVerifyPerS: Math.round(cached),
        opensslTwoVerifyBoundPerS: twoBound && Math.round(twoBound),
        ratioToTwoVerifyBound: twoBound && round(full / twoBound),
        opensslOneVerifyBoundPerS: openssl?.ecdsaP256VerifyPerS,
        ratioToOneVerifyBound: openssl && round(cached / openssl.ecdsaP256VerifyPerS),
      });
      context.log.info(verify.at(-1), 'verify measured');
    }
  }

  const latency: LatencyRow[] = [];
  const node = createNodeProvider();
  for (const connIntervalMs of quick ? [15] : [7.5, 15, 30, 50]) {
    for (const mtu of quick ? [23] : [23, 247, 517]) latency.push(await measureUnlockLatency(node, connIntervalMs, mtu));
  }
  if (!quick) {
    for (const mtu of [23, 247]) latency.push(await measureUnlockLatency(node, 15, mtu, { centralContinuesEvent: false }));
    for (const mtu of [23, 247]) latency.push(await measureUnlockLatency(node, 15, mtu, { advertisedChallenge: true }));
  }

  const results = { quick, measuredAt: new Date().toISOString(), node: process.version, openssl, verify, latency };
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, `${JSON.stringify(results, null, 2)}\n`);
  context.out(args.flags.has('json') ? JSON.stringify(results, null, 2) : formatBench(results, outPath));
  return exitCodes.ok;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function formatBench(results: { openssl: unknown; verify: Record<string, unknown>[]; latency: LatencyRow[] }, outPath: string): string {
  const lines = ['Full credential verify (parse + issuer signature + holder proof), ops/s on this machine, one run:', ''];
  lines.push('provider  issuer  full verify/s  ratio to openssl 2-verify bound  cached repeat/s  ratio to 1-verify bound');
  for (const row of results.verify) {
    lines.push(`${String(row.provider).padEnd(8)}  ${String(row.issuerAlgorithm).padEnd(6)}  ${String(row.fullVerifyPerS).padStart(13)}  ${String(row.ratioToTwoVerifyBound ?? '-').padStart(30)}  ${String(row.cachedRepeatVerifyPerS).padStart(15)}  ${String(row.ratioToOneVerifyBound ?? '-').padStart(23)}`);
  }
  lines.push('', 'Unlock latency, virtual time from connection established (MTU exchanged):', '');
  lines.push('interval ms  MTU  LL bytes  same-event  adv-chal  first: RT→decision/total  decision ms  verified ms  bytes   repeat: RT  decision ms  verified ms  bytes');
  for (const row of results.latency) {
    lines.push(
      `${String(row.connIntervalMs).padStart(11)}  ${String(row.mtu).padStart(3)}  ${String(row.llPayloadBytesMax).padStart(8)}  ${String(row.centralContinuesEvent).padStart(10)}  ${String(row.advertisedChallenge).padStart(8)}  ${`${row.first.roundTripsToDecision}/${row.first.roundTripsTotal}`.padStart(24)}  ${row.first.decisionMs.toFixed(1).padStart(11)}  ${row.first.verifiedMs.toFixed(1).padStart(11)}  ${String(row.first.bytesOnAir).padStart(5)}   ${`${row.repeat.roundTripsToDecision}/${row.repeat.roundTripsTotal}`.padStart(10)}  ${row.repeat.decisionMs.toFixed(1).padStart(11)}  ${row.repeat.verifiedMs.toFixed(1).padStart(11)}  ${String(row.repeat.bytesOnAir).padStart(5)}`,
    );
  }
  lines.push('', `written to ${outPath}`);
  return lines.join('\n');
}
