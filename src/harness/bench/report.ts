/** Renders bench results as the BENCHMARKS.md tables (each figure beside its reference and goal) and two SVG charts. */
import { readFileSync } from 'node:fs';
import { barChart, lineChart } from './charts.ts';
import type { BenchResults } from './suite.ts';
import type { LatencyRow } from './unlock-latency.ts';

const n = (value: number | undefined): string => (value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));
const ms = (value: number): string => value.toFixed(1);
const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**');

export function renderBenchmarksMarkdown(r: BenchResults): string {
  const lines: string[] = [];
  lines.push('# Benchmarks', '', `Measured ${r.measuredAt} with \`npm run bench\` on ${r.cpu}, Node ${r.node}; load average ${r.loadAverageAtStart.join(' / ')} at start, ${r.loadAverageAtEnd.join(' / ')} at end. One run; on this shared machine compare the **ratios** (ours ÷ reference, same run), not absolute figures. Raw numbers: \`bench/results.json\`.`, '');
  lines.push('## Crypto hot path: full credential verify (parse + issuer signature + holder proof)', '');
  lines.push(`Reference: \`${r.openssl?.version ?? 'openssl (not run)'}\` \`openssl speed ecdsap256 ed25519\` in the same run; the two-verify bound is 1/(1/a + 1/b).`, '');
  lines.push('| provider | issuer | full verify/s | openssl 2-verify bound/s | ratio | goal (node ≥ 0.85) | cached repeat/s | 1-verify bound/s | ratio | goal (node ≥ 1.0) |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const v of r.verify) {
    const node = v.provider === 'node';
    lines.push(`| ${v.provider} | ${v.issuerAlgorithm} | ${n(v.fullVerifyPerS)} | ${n(v.opensslTwoVerifyBoundPerS)} | ${v.ratioToTwoVerifyBound ?? '–'} | ${node && v.ratioToTwoVerifyBound !== undefined ? verdict(v.ratioToTwoVerifyBound >= 0.85) : 'pure JS, no goal'} | ${n(v.cachedRepeatVerifyPerS)} | ${n(v.opensslOneVerifyBoundPerS)} | ${v.ratioToOneVerifyBound ?? '–'} | ${node && v.ratioToOneVerifyBound !== undefined ? verdict(v.ratioToOneVerifyBound >= 1) : 'pure JS, no goal'} |`);
  }
  lines.push('', '![verify throughput per provider](docs/bench-verify.svg)', '');
  lines.push('## Credential issuance (server-side signing, node provider)', '', '| issuer | credentials/s | openssl sign/s | ratio |', '|---|---|---|---|');
  for (const i of r.issuance) lines.push(`| ${i.algorithm} | ${n(i.perS)} | ${n(i.opensslSignPerS)} | ${i.ratio ?? '–'} |`);
  lines.push('', 'ES256 issuance signs with @noble/curves (RFC 6979, deterministic: simulations must replay byte for byte), not OpenSSL.', '');
  lines.push('## Unlock latency (virtual time, from connection established)', '');
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
  lines.push('', `Goals: ≤ 2 round trips to the decision — ${verdict(maxRt <= 2)} (max ${maxRt}); first unlock ≤ 60 ms at 15 ms / MTU 247 — ${first247 ? `${verdict(first247.first.decisionMs <= 60)} (${ms(first247.first.decisionMs)} ms)` : '–'}; repeat unlock ≤ 45 ms at 15 ms / MTU 23 — ${repeat23 ? `${verdict(repeat23.repeat.decisionMs <= 45)} (${ms(repeat23.repeat.decisionMs)} ms)` : '–'}.`, '');
  lines.push('![unlock latency against connection interval](docs/bench-latency.svg)', '');
  lines.push(...renderV1Comparison(r.latency));
  const s = r.scale;
  lines.push('## Simulator scale', '', `${n(s.doors)} doors over ${s.workers} worker threads (one virtual radio each), ${s.wings.reduce((a, w) => a + w.unlocks, 0).toLocaleString('en-US')} unlocks (${s.wings.reduce((a, w) => a + w.full, 0)} full exchanges, the rest repeat), ${s.wings.reduce((a, w) => a + w.failed, 0)} failed.`, '');
  lines.push('| memory per door | provisioning (s, per wing) | unlocks/s (wall) | full/s | repeat/s | goal |', '|---|---|---|---|---|---|');
  const heap = s.wings.reduce((a, w) => a + w.heapBytesPerDoor, 0) / s.wings.length;
  lines.push(`| ${n(heap)} B | ${s.wings.map((w) => (w.provisionMs / 1000).toFixed(1)).join(', ')} | ${n(s.unlocksPerS)} | ${n(s.fullPerS)} | ${n(s.repeatPerS)} | ≥ 10,000 doors ${verdict(s.doors >= 10_000)}; ≥ 2,000 unlocks/s ${verdict(s.unlocksPerS >= 2000)} |`, '');
  lines.push('## Access API', '', `\`access_grants/create\` over loopback, SQLite file (WAL), concurrency ${r.api.concurrency}, ${n(r.api.count)} grants, ${r.api.errors} errors.`, '');
  lines.push('| grants/s | p50 ms | p99 ms | max ms | goal |', '|---|---|---|---|---|', `| ${n(r.api.grantsPerSecond)} | ${ms(r.api.p50Ms)} | ${ms(r.api.p99Ms)} | ${ms(r.api.maxMs)} | ≥ 1,000/s ${verdict(r.api.grantsPerSecond >= 1000)}; p99 < 20 ms ${verdict(r.api.p99Ms < 20)} |`, '');
  lines.push('## Fuzzing', '', '| target | cases | cases/s (wall) | cases per CPU second | findings | goal |', '|---|---|---|---|---|---|');
  for (const f of r.fuzz) lines.push(`| ${f.target} | ${n(f.cases)} | ${n(f.casesPerS)} | ${n(f.casesPerCpuS)} | ${f.findings} | ${f.target === 'lock' ? 'no goal (each valid exchange runs real crypto)' : `≥ 20,000/s ${verdict(f.casesPerS >= 20_000)}`} |`);
  lines.push('');
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
    'Full credential verify per second',
    'ops/s',
    r.verify.map((v) => ({ label: `${v.provider}, ${v.issuerAlgorithm} issuer`, value: v.fullVerifyPerS, ...(v.opensslTwoVerifyBoundPerS !== undefined ? { reference: v.opensslTwoVerifyBoundPerS } : {}) })),
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
  lines.push('', 'These figures are on the `ideal` hardware profile: the lock computes in zero time. Per-MCU figures (compute charged where it happens) are in the hardware section below and docs/HARDWARE.md. Per first unlock a v2 lock does one more Ed25519 signature than v1 when the phone reads form 3 (the challenge signature, made once per challenge); the phone does one more Ed25519 verify and the ECDH with EL before sending instead of after.', '');
  return lines;
}
