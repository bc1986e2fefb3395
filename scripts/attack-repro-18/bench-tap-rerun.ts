/**
 * Attack repro (issue 18): rerun the corridor benchmark small and off its tuning seed, and once the
 * way the SDK actually feeds the ranker (src/sdk/phone.ts unlockWithTap: 100 ms scan slices, the
 * transport keeps the strongest report per device per slice (ble-adapter.ts / noble), every sample
 * stamped with the slice's end, one decision per slice, then UnlockClient's 300 ms re-scan before
 * connecting). Does not touch BENCHMARKS.md. Run: nice npx tsx scripts/attack-repro-18/bench-tap-rerun.ts [walks] [seeds…]
 */
import { TapRanker, tapDefaults } from '../../src/phone/tap.ts';
import { createCorridor } from '../../src/radio/rf/corridor.ts';
import { exchangeMs, percentile, runWalk, runWalks, walkStream, type WalkStream } from '../../src/harness/bench/tap.ts';

const walks = Number(process.argv[2] ?? 2000);
const seeds = process.argv.slice(3).map(Number);
const corridor = createCorridor();
const show = (label: string, s: ReturnType<typeof runWalks>) =>
  console.log(`${label}: walks ${s.walks} walk-past ${s.walkPastUnlocks} wrong ${s.wrongDoorUnlocks} noUnlock ${s.noUnlock} ambiguous ${s.ambiguousAnswers} unlocked-after-tap p50/p95 ${s.unlockedAfterTapMs.p50}/${s.unlockedAfterTapMs.p95}`);

/** The SDK's loop over one walk's stream. */
function runWalkSdk(stream: WalkStream, sliceMs = 100, rescanMs = 300) {
  const ranker = new TapRanker(stream.plan.granted, tapDefaults);
  const { arriveMs, tapMs } = stream.timeline;
  let walkPast = 0, wrong = 0, unlockedAfterTap: number | undefined;
  let i = 0;
  for (let end = sliceMs; end <= stream.timeline.endMs; end += sliceMs) {
    const strongest = new Map<string, number>();
    for (; i < stream.samples.length && stream.samples[i]!.timeMs < end; i++) {
      const s = stream.samples[i]!;
      strongest.set(s.entranceId, Math.max(strongest.get(s.entranceId) ?? -Infinity, s.rssiDbm));
    }
    for (const [entranceId, rssiDbm] of strongest) ranker.observe({ entranceId, rssiDbm, timeMs: end });
    const d = ranker.decide(end);
    if (d.result !== 'unlock') continue;
    if (end < arriveMs) walkPast++;
    else if (d.entranceId !== stream.plan.target) wrong++;
    else {
      unlockedAfterTap = end + rescanMs + exchangeMs(stream, end + rescanMs) - tapMs;
      break;
    }
  }
  return { walkPast, wrong, unlockedAfterTap };
}

for (const seed of seeds) {
  const t0 = Date.now();
  show(`bench runWalks seed ${seed}`, runWalks(corridor, seed, walks, tapDefaults));
  let walkPast = 0, wrong = 0, never = 0;
  const times: number[] = [];
  for (let w = 0; w < walks; w++) {
    const r = runWalkSdk(walkStream(corridor, seed, w));
    walkPast += r.walkPast; wrong += r.wrong;
    if (r.unlockedAfterTap === undefined || r.unlockedAfterTap - 0 > 3_000 + 400) { never++; times.push(Infinity); } else times.push(r.unlockedAfterTap);
  }
  console.log(`SDK-loop seed ${seed}: walks ${walks} walk-past ${walkPast} wrong ${wrong} noUnlock ${never} unlocked-after-tap p50/p95 ${percentile(times, 50).toFixed(0)}/${percentile(times, 95).toFixed(0)}  (${Date.now() - t0} ms)`);
}
void runWalk;
