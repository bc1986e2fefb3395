/**
 * Attack repro (issue 18): the benchmark's own runWalks (src/harness/bench/tap.ts) with the shipped
 * ranker on seeds other than 18 (the seed the -42 dBm threshold was chosen on). BENCHMARKS.md says "no
 * walk-past unlock in 10,000 walks — met". Run: nice npx tsx scripts/attack-repro-18/bench-tap-seeds.ts WALKS SEED…
 */
import { tapDefaults } from '../../src/phone/tap.ts';
import { createCorridor } from '../../src/radio/rf/corridor.ts';
import { runWalks } from '../../src/harness/bench/tap.ts';
const walks = Number(process.argv[2] ?? 10_000);
for (const seed of process.argv.slice(3).map(Number)) {
  const s = runWalks(createCorridor(), seed, walks, tapDefaults);
  console.log(`seed ${seed}: walks ${s.walks} walk-past ${s.walkPastUnlocks} wrong ${s.wrongDoorUnlocks} noUnlock ${s.noUnlock} (two-room: ${JSON.stringify(s.twoRooms)}) unlocked-after-tap p50/p95 ${s.unlockedAfterTapMs.p50}/${s.unlockedAfterTapMs.p95}`);
}
