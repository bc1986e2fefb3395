/** Renders bench results as the BENCHMARKS.md tables (each figure beside its reference and goal) and two SVG charts. */
import { readFileSync } from 'node:fs';
import { barChart, lineChart } from './charts.ts';
import { decide, describeVerdict, formatRatio, type Goal } from './verdict.ts';
import type { Spread } from './cpu-rate.ts';
import type { LockPath, PathOperations } from './lock-paths.ts';
import type { BenchResults } from './suite.ts';
import type { LatencyRow } from './unlock-latency.ts';

const n = (value: number | undefined): string => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));
const ms = (value: number): string => value.toFixed(1);
/** Every goal is decided on the unrounded figure (verdict.ts); the shown figure never rounds across it. */
const goalText = (label: string, comparison: Goal['comparison'], threshold: number, value: number | undefined, decimals = 3): string => {
  if (value === undefined) return '–';
  return describeVerdict(decide({ label, comparison, threshold }, value), decimals);
};

export function renderBenchmarksMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '', `Measured ${r.measuredAt} with \`npm run bench\` at commit ${r.commit ?? 'unknown'} on ${r.cpu}, Node ${r.node}; load average ${r.loadAverageAtStart.join(' / ')} at start, ${r.loadAverageAtEnd.join(' / ')} at end. **This machine is shared** (up to 5 sessions on 2 cores): every absolute figure here is understated, and wall-clock figures (latency in ms of the API, unlocks/s) the most. The crypto figures are medians of interleaved rounds against \`openssl speed\` in the same units (user-CPU seconds); compare those **ratios**, not the absolute rates. Verdicts are decided on unrounded figures. Raw numbers: \`bench/results.json\`.`, '');
  lines.push(...renderCrypto(r));
  lines.push('## Unlock latency (virtual time, from connection established)', '');
  lines.push('**These latencies exclude the lock\'s computation** (the `ideal` hardware profile: radio time only). The section "Hardware profiles" below gives the same paths with each MCU\'s compute (`npm run bench:hardware`).', '');
  lines.push('Round trips (RT) to the lock\'s decision / to the phone holding the lock\'s signed result. Reference: a 4-round-trip exchange shaped like Aliro STANDARD on the same simulator.', '');
  lines.push('| interval ms | MTU | first: RT | decision ms | verified ms | bytes | repeat: RT | decision ms | verified ms | bytes | Aliro-shaped: RT | decision ms | bytes |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of r.latency.filter((l) => l.centralContinuesEvent && !l.advertisedChallenge)) {
    const aliro = r.aliroShaped.find((a) => a.connIntervalMs === row.connIntervalMs && a.mtu === row.mtu);
    lines.push(`| ${row.connIntervalMs} | ${row.mtu} | ${row.first.roundTripsToDecision}/${row.first.roundTripsTotal} | ${ms(row.first.decisionMs)} | ${ms(row.first.verifiedMs)} | ${row.first.bytesOnAir} | ${row.repeat.roundTripsToDecision}/${row.repeat.roundTripsTotal} | ${ms(row.repeat.decisionMs)} | ${ms(row.repeat.verifiedMs)} | ${row.repeat.bytesOnAir} | ${aliro?.roundTrips ?? '–'} | ${aliro ? ms(aliro.decisionMs) : '–'} | ${aliro?.bytesOnAir ?? '–'} |`);
  }
  const variants = r.latency.filter((l) => !l.centralContinuesEvent || l.advertisedChallenge);
  if (variants.length > 0) {
    lines.push('', 'Variants at 15 ms: conservative radio model (every request waits for the next connection event) and the challenge carried in extended advertising (native phones):', '', '| variant | MTU | first RT | decision ms | repeat RT | decision ms |', '|---|---|---|---|---|---|');
    for (const row of variants) lines.push(`| ${row.advertisedChallenge ? 'advertised challenge' : 'conservative model'} | ${row.mtu} | ${row.first.roundTripsToDecision} | ${ms(row.first.decisionMs)} | ${row.repeat.roundTripsToDecision} | ${ms(row.repeat.decisionMs)} |`);
  }
  const first247 = r.latency.find((l) => l.connIntervalMs === 15 && l.mtu === 247 && l.centralContinuesEvent && !l.advertisedChallenge);
  const repeat23 = r.latency.find((l) => l.connIntervalMs === 15 && l.mtu === 23 && l.centralContinuesEvent && !l.advertisedChallenge);
  const maxRt = Math.max(...r.latency.map((l) => Math.max(l.first.roundTripsToDecision, l.repeat.roundTripsToDecision)));
  lines.push('', `Goals: round trips to the decision — ${goalText('round trips', 'at-most', 2, maxRt, 0)}; first unlock ms at 15 ms / MTU 247 — ${goalText('first unlock ms', 'at-most', 60, first247?.first.decisionMs, 1)}; repeat unlock ms at 15 ms / MTU 23 — ${goalText('repeat unlock ms', 'at-most', 45, repeat23?.repeat.decisionMs, 1)}.`, '');
  lines.push('![unlock latency against connection interval](docs/bench-latency.svg)', '');
  lines.push(...renderV1Comparison(r.latency));
  const s = r.scale;
  const doorsProvisioned = s.wings.reduce((a, w) => a + w.doors, 0);
  lines.push('## Simulator scale', '', `${n(doorsProvisioned)} doors over ${s.workers} worker threads (one virtual radio each), ${s.wings.reduce((a, w) => a + w.unlocks, 0).toLocaleString('en-US')} unlocks (${s.wings.reduce((a, w) => a + w.full, 0)} full exchanges, the rest repeat), ${s.wings.reduce((a, w) => a + w.failed, 0)} failed. Memory per door is the heap growth between two forced full GCs around provisioning (retained objects only), per wing; provisioning is wall time per wing (the wings build in parallel on the 2 cores); unlocks/s is wall-clock over the run, including the phones\' own work.`, '');
  lines.push('| heap per door after GC (per wing) | heap after provisioning (per wing) | provisioning s (per wing) | doors provisioned per s (sum) | unlocks/s (wall) | full/s | repeat/s | goal |', '|---|---|---|---|---|---|---|---|');
  lines.push(`| ${s.wings.map((w) => `${n(w.heapBytesPerDoor)} B`).join(', ')} | ${s.wings.map((w) => `${(w.heapUsedAfterBytes / 2 ** 20).toFixed(0)} MiB`).join(', ')} | ${s.wings.map((w) => (w.provisionMs / 1000).toFixed(1)).join(', ')} | ${n(s.wings.reduce((a, w) => a + (w.doors * 1000) / w.provisionMs, 0))} | ${n(s.unlocksPerS)} | ${n(s.fullPerS)} | ${n(s.repeatPerS)} | unlocks/s ${goalText('unlocks/s', 'at-least', 2000, s.unlocksPerS, 0)} |`, '');
  lines.push('## Access API', '', `\`access_grants/create\` over loopback, SQLite file (WAL), concurrency ${r.api.concurrency}, ${n(r.api.count)} grants, ${r.api.errors} errors. The clients run in a worker thread (their own event loop); the server's event loop only serves. Wall-clock latency, so on this shared machine it includes waiting for a core.`, '');
  lines.push('| grants/s | p50 ms | p99 ms | max ms | goal |', '|---|---|---|---|---|', `| ${n(r.api.grantsPerSecond)} | ${ms(r.api.p50Ms)} | ${ms(r.api.p99Ms)} | ${ms(r.api.maxMs)} | grants/s ${goalText('grants/s', 'at-least', 1000, r.api.grantsPerSecond, 0)}; p99 ms ${goalText('p99 ms', 'below', 20, r.api.p99Ms, 1)} |`, '');
  lines.push('## Fuzzing', '', 'Each row is the user\'s own command, run as a child process exactly as shown (plus `--json` and an empty `--corpus` directory, as on a fresh checkout): a cold process, one target, seed 5. The seed fixes the case sequence; the digest covers the cases run in the time given, so it matches another run only at the same case count (`--cases N` fixes it). The rate moves with the machine\'s load. Cases per CPU second count user + system time of the whole process, as `latchkey fuzz` reports it.', '');
  lines.push('| target | command | cases | cases/s (wall) | cases per CPU second | findings | sequence digest | goal |', '|---|---|---|---|---|---|---|---|');
  for (const f of r.fuzz) lines.push(`| ${f.target} | \`${f.command}\` | ${n(f.cases)} | ${n(f.casesPerS)} | ${n(f.casesPerCpuS)} | ${f.findings} | ${f.sequenceDigest} | ${f.target === 'lock' ? 'no goal (each valid exchange runs real crypto)' : `cases per CPU s ${goalText('cases per CPU s', 'at-least', 20_000, f.casesPerCpuS, 0)}`} |`);
  lines.push('');
  const fr = r.fuzzRounds;
  if (fr !== undefined) {
    const spread = (x: { median: number; min: number; max: number }, format: (v: number) => string): string => `**${format(x.median)}** (${format(x.min)}–${format(x.max)})`;
    lines.push(`The credential figure again, in ${fr.casesPerCpuS.rounds} interleaved rounds (\`${fr.command}\`, then \`openssl speed\` Ed25519 verify, repeated; \`npx tsx src/harness/bench/fuzz-rounds.ts 5\`): median (min–max) over the rounds; load average ${fr.loadAverageAtStart.map((v) => v.toFixed(2)).join(' / ')} at start, ${fr.loadAverageAtEnd.map((v) => v.toFixed(2)).join(' / ')} at end. The verdict is on the unrounded median.`, '');
    lines.push('| cases per CPU second | openssl Ed25519 verify/s | cases per CPU s ÷ verify/s | sequence digests | goal |', '|---|---|---|---|---|');
    lines.push(`| ${spread(fr.casesPerCpuS, n)} | ${spread(fr.opensslEd25519VerifyPerS, n)} | ${spread(fr.ratio, (v) => v.toFixed(2))} | ${[...new Set(fr.rounds.map((round) => round.fuzz.sequenceDigest))].join(', ')} | cases per CPU s ${goalText('cases per CPU s', 'at-least', 20_000, fr.casesPerCpuS.median, 0)} |`, '');
  }
  return lines.join('\n');
}

export function renderCharts(r: BenchResults): { latencySvg: string; verifySvg: string } {
  const base = r.latency.filter((l) => l.centralContinuesEvent && !l.advertisedChallenge);
  const series = (label: string, mtu: number, pick: (l: (typeof base)[number]) => number) => ({ label, points: base.filter((l) => l.mtu === mtu).map((l) => ({ x: l.connIntervalMs, y: pick(l) })) });
  const latencySvg = lineChart('Unlock latency to the lock\'s decision (virtual time)', 'connection interval (ms)', 'ms', [
    series('first, MTU 247', 247, (l) => l.first.decisionMs),
    series('first, MTU 23', 23, (l) => l.first.decisionMs),
    series('repeat, MTU 23', 23, (l) => l.repeat.decisionMs),
    { label: 'Aliro-shaped, MTU 247', points: r.aliroShaped.filter((a) => a.mtu === 247).map((a) => ({ x: a.connIntervalMs, y: a.decisionMs })) },
  ]);
  const verifySvg = barChart(
    'First-unlock credential verify per CPU second (median of the rounds)',
    'ops per CPU s',
    r.crypto.verify.map((v) => ({ label: `${v.provider}, ${v.issuerAlgorithm} issuer`, value: v.firstUnlockPerCpuS.median, ...(v.opensslTwoVerifyBoundPerS !== undefined ? { reference: v.opensslTwoVerifyBoundPerS.median } : {}) })),
  );
  return { latencySvg, verifySvg };
}

interface V1Baseline {
  commit: string;
  command: string;
  rows: { connIntervalMs: number; mtu: number; advertisedChallenge: boolean; first: LatencyRow['first']; repeat: LatencyRow['repeat'] }[];
}

/**
 * Protocol v2 beside v1: this run's rows against the v1 figures recorded at the last v1 commit
 * (bench/v1-latency.json; virtual time is deterministic, so they do not go stale with the machine).
 */
function renderV1Comparison(latency: LatencyRow[]): string[] {
  const baseline = JSON.parse(readFileSync(new URL('../../../bench/v1-latency.json', import.meta.url), 'utf8')) as V1Baseline;
  const lines = ['### Protocol v2 beside v1', '', `v1 figures: recorded at commit ${baseline.commit} (${baseline.command}). v2 reads the richest challenge form the MTU allows: form 1 (commitment) at MTU 23, form 3 (ephemeral key + lock signature) from MTU 101; the repeat path reads form 1. Bytes on air include LL headers and empty packets.`, ''];
  lines.push('| interval ms | MTU | path | v1 RT | v1 decision / verified ms | v1 bytes | v2 RT | v2 decision / verified ms | v2 bytes | Δ bytes |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const v2 of latency.filter((row) => row.centralContinuesEvent)) {
    const v1 = baseline.rows.find((row) => row.connIntervalMs === v2.connIntervalMs && row.mtu === v2.mtu && row.advertisedChallenge === v2.advertisedChallenge);
    if (v1 === undefined) continue;
    for (const path of ['first', 'repeat'] as const) {
      const a = v1[path];
      const b = v2[path];
      const name = `${path}${v2.advertisedChallenge ? ' (advertised)' : ''}`;
      lines.push(`| ${v2.connIntervalMs} | ${v2.mtu} | ${name} | ${a.roundTripsToDecision}/${a.roundTripsTotal} | ${ms(a.decisionMs)} / ${ms(a.verifiedMs)} | ${a.bytesOnAir} | ${b.roundTripsToDecision}/${b.roundTripsTotal} | ${ms(b.decisionMs)} / ${ms(b.verifiedMs)} | ${b.bytesOnAir} | ${b.bytesOnAir - a.bytesOnAir >= 0 ? '+' : ''}${b.bytesOnAir - a.bytesOnAir} |`);
    }
  }
  lines.push('', 'These figures are on the `ideal` hardware profile: the lock computes in zero time. Per-MCU figures (compute charged where it happens) are in the hardware section below and docs/HARDWARE.md. Per visit a v2 lock makes one more Ed25519 signature than v1: the form-3 challenge signature, which it makes while idle with the next ephemeral key pair, whether or not the phone then reads form 3 (docs/HARDWARE.md); the phone does one more Ed25519 verify and the ECDH with EL before sending instead of after.', '');
  return lines;
}

const spreadText = (s: Spread | undefined): string => (s === undefined ? '–' : `${n(s.median)} (${n(s.min)}–${n(s.max)})`);
const ratioSpreadText = (s: Spread | undefined, goal?: Goal): string => (s === undefined ? '–' : `${formatRatio(s.median, 3, goal)} (${formatRatio(s.min, 2)}–${formatRatio(s.max, 2)})`);
const operationNames: [keyof PathOperations, string][] = [['ecdsaP256Verify', 'ES256 verify'], ['ed25519Verify', 'Ed25519 verify'], ['ed25519Sign', 'Ed25519 sign'], ['ecdhP256', 'ECDH'], ['p256KeyGen', 'P-256 keygen']];
const operationsText = (ops: PathOperations): string => operationNames.filter(([key]) => ops[key] > 0).map(([key, name]) => `${Number(ops[key].toFixed(2))} ${name}`).join(', ') || 'none';
const pathNames: Record<LockPath, string> = { first: 'first unlock (new credential, new holder key)', hashOnly: 'hash-only full exchange (cached credential)', resume: 'HMAC resume (ticket)' };

function renderCrypto(r: BenchResults): string[] {
  const c = r.crypto;
  const lines = ['## Crypto: credential verify, the lock\'s unlock paths, issuance', ''];
  const loads = c.rounds.map((round) => round.loadAverage[0]?.toFixed(2) ?? '?').join(', ');
  lines.push(`Reference: \`${c.opensslVersion ?? 'openssl (not run)'}\` \`openssl speed -seconds 1 ecdsap256 ed25519 ecdhp256\`, run in ${c.rounds.length} interleaved rounds with latchkey (openssl, then latchkey, repeated); each ratio is taken within its round, and the tables give the **median over the rounds with the spread (min–max)** in brackets. Rates are per **user-CPU second** on both sides (openssl speed's own unit), so another session's load changes how long a round takes more than the figures; it still costs cache and memory bandwidth, so figures on this shared machine are understated. 1-minute load average at the start of each round: ${loads}.`, '');
  lines.push('### Full credential verify (parse + issuer signature + holder proof)', '');
  lines.push('The goal figure is a **first unlock**: every case has its own holder key, verified once, on a provider that has imported only the issuer key (as a lock meeting a new phone). The cached figure cycles 64 cases, so from the second pass every holder key is already imported: a cache a lock meeting new phones does not have, shown for comparison only. Two-verify bound: 1/(1/a + 1/b) of openssl\'s issuer and ES256 verify rates.', '');
  lines.push('| provider | issuer | first unlock verify/s | openssl 2-verify bound/s | ratio | goal (node ≥ 0.85, median) | cached holder keys, verify/s | ratio |', '|---|---|---|---|---|---|---|---|');
  const goal: Goal = { label: 'first-unlock verify ratio', comparison: 'at-least', threshold: 0.85 };
  for (const v of c.verify) {
    const node = v.provider === 'node';
    lines.push(`| ${v.provider} | ${v.issuerAlgorithm} | ${spreadText(v.firstUnlockPerCpuS)} | ${spreadText(v.opensslTwoVerifyBoundPerS)} | ${ratioSpreadText(v.firstUnlockRatio, node ? goal : undefined)} | ${node ? (v.firstUnlockRatio ? goalText(goal.label, 'at-least', 0.85, v.firstUnlockRatio.median) : '–') : 'pure JS, no goal'} | ${spreadText(v.cachedPerCpuS)} | ${ratioSpreadText(v.cachedRatio)} |`);
  }
  lines.push('', '![verify throughput per provider](docs/bench-verify.svg)', '');
  lines.push('### The lock\'s unlock paths, end to end through `lock.step`', '');
  lines.push('What the lock model computes per unlock (node provider), timed over the lock\'s steps only: connect, challenge read (form 3 for the full exchanges, which makes an ephemeral key and signs it; form 1 for resume), the request\'s chunks at MTU 247, the result read, disconnect. The phone\'s work happens between steps, untimed. Phones come 30 to a fresh lock (its credential cache holds 32), after a warm-up unlock that loads the issuer and lock keys; the hash-only pass runs on a fresh provider, so holder keys are imported for the first time on every path. The public-key operations are counted on the lock\'s provider; the openssl bound is 1/Σ(count ÷ openssl rate), key generation taken at the ECDH rate. Everything else (CBOR, HKDF, AES-GCM, HMAC, NV commits with their MAC, audit records) is what the ratio leaves to latchkey. The old "cached repeat" figure (one ES256 verify) is gone: no lock path does only that.', '');
  lines.push('| issuer | path | unlocks per CPU s | public-key operations per unlock | openssl bound/s | ratio |', '|---|---|---|---|---|---|');
  for (const p of c.lockPaths) lines.push(`| ${p.issuerAlgorithm} | ${pathNames[p.path]} | ${spreadText(p.perCpuS)} | ${operationsText(p.operations)} | ${spreadText(p.opensslBoundPerS)} | ${ratioSpreadText(p.ratio)} |`);
  lines.push('', 'No goal is set for these paths yet; on a lock MCU their cost is the hardware profile\'s, not this machine\'s.', '');
  lines.push('### Credential issuance (server-side signing, node provider)', '', '| issuer | credentials per CPU s | openssl sign/s | ratio |', '|---|---|---|---|');
  for (const i of c.issuance) lines.push(`| ${i.algorithm} | ${spreadText(i.perCpuS)} | ${spreadText(i.opensslSignPerS)} | ${ratioSpreadText(i.ratio)} |`);
  lines.push('', 'ES256 issuance signs with @noble/curves (RFC 6979, deterministic: simulations must replay byte for byte), not OpenSSL.', '');
  return lines;
}
