/**
 * The "unlock with tap" corridor benchmark (issue 18): seeded walks down the corridor model
 * (src/radio/rf/) with the tap ranker (src/phone/tap.ts) listening the whole way. Each walk: a
 * guest steps out of the elevator, walks at 1.4 m/s down the corridor past their door by two
 * doors, turns back, stops at the door, (takes the phone out of the pocket,) raises it to the lock
 * and holds it there. Counted:
 * - walk-past unlocks: any unlock decided before the guest stops at their door (they walked past
 *   it once, past the lobby and elevator readers, and past the second room if they hold two);
 * - wrong-door unlocks: an unlock of any entrance but the target once the guest stands at it;
 * - early unlocks: the target opening while the guest stands at it, phone out, not yet raised;
 * - time to decision from the tap (the phone at the lock) and from arriving at the door, p50/p95;
 *   and to "unlocked", adding the radio exchange (connect on the next advertisement + the 2 round
 *   trips the latency bench measures at a 15 ms interval).
 * Virtual time only; the same seed gives the same figures on any machine. The sample stream of a
 * walk does not depend on the ranker's options (common random numbers), so a threshold sweep
 * compares settings on identical walks.
 */
import { createSeededRandom, type SeededRandom } from '../../protocol/random.ts';
import { TapRanker, tapDefaults, type RssiSample, type TapOptions } from '../../phone/tap.ts';
import { Advertiser, RfChannel, uniform, type Carry, type PhonePose } from '../../radio/rf/channel.ts';
import { createCorridor, facingRoom, sameSideNeighbour, type Corridor, type Point3 } from '../../radio/rf/corridor.ts';
import { rfDefaults, type RfParams } from '../../radio/rf/params.ts';
import { radioDefaults } from '../../radio/options.ts';

export const walkSpeedMps = 1.4;
/** (L) Estimated human timings: taking a phone out of a trouser pocket, and raising it from chest height to a lock. */
export const pocketTakeOutMs = 1_000;
export const raiseMs = 500;
/** Give up (the guest would tap again) this long after the tap. */
export const holdMaxMs = 3_000;
/** (L) Phone height: in hand, reading the screen; in a trouser pocket. */
const handHeightM = 1.2;
const pocketHeightM = 0.8;
/** How far beyond the target door the guest first walks (two doors), then turns back. */
const overshootDoors = 2;

export type GrantCase = 'single' | 'adjacent' | 'facing';

export interface WalkPlan {
  index: number;
  target: string;
  granted: string[];
  grantCase: GrantCase;
  carry: Carry;
  /** Phone-to-lock distance at the tap (m). */
  touchDistanceM: number;
}

export interface WalkTimeline {
  /** Phone starts moving to the lock (raise begins; the phone is still at the guest's side before). */
  raiseStartMs: number;
  /** Guest reaches the door (stops on the walking line). */
  arriveMs: number;
  /** The phone is at the lock. */
  tapMs: number;
  endMs: number;
}

export interface WalkStream {
  plan: WalkPlan;
  timeline: WalkTimeline;
  /** Every advertisement heard, from granted and other locks, in time order. */
  samples: RssiSample[];
  /** Advertising times of the target lock after the tap (for the connection that follows a decision). */
  targetAdvertisingMs: number[];
}

export interface WalkOutcome {
  walkPastUnlocks: number;
  wrongDoorUnlocks: number;
  ambiguousAnswers: number;
  /** The target unlocked while the guest stood at it before raising the phone (phone in hand, taken out of the pocket). */
  earlyUnlocks: number;
  /** Decision time after the tap (ms; negative: decided while the phone was still on its way), or undefined when none within holdMaxMs. */
  decisionAfterTapMs: number | undefined;
  decisionAfterArriveMs: number | undefined;
  unlockedAfterTapMs: number | undefined;
}

function pick<T>(random: SeededRandom, items: readonly T[]): T {
  return items[random.below(items.length)]!;
}

export function planWalk(corridor: Corridor, seed: number, index: number): WalkPlan {
  const random = createSeededRandom(seed).fork(`tap-walk:${index}:plan`);
  const rooms = corridor.entrances.filter((e) => e.kind === 'room').map((e) => e.id);
  const target = pick(random, rooms);
  const grantCase = pick<GrantCase>(random, ['single', 'adjacent', 'facing']);
  const second = grantCase === 'adjacent' ? sameSideNeighbour(corridor, target) : grantCase === 'facing' ? facingRoom(corridor, target) : undefined;
  const granted = ['lobby', 'elevator', target, ...(second === undefined ? [] : [second])];
  const carry: Carry = random.below(2) === 0 ? 'hand' : 'pocket';
  const touchDistanceM = 0.02 + uniform(random) * 0.08;
  return { index, target, granted, grantCase, carry, touchDistanceM };
}

interface Leg {
  fromMs: number;
  toMs: number;
  from: Point3;
  to: Point3;
  carry: Carry;
  headingRad: number;
}

function legsOf(corridor: Corridor, plan: WalkPlan): { legs: Leg[]; timeline: WalkTimeline } {
  const target = corridor.byId.get(plan.target)!;
  const walkZ = plan.carry === 'hand' ? handHeightM : pocketHeightM;
  const y = corridor.walkLineYM;
  const turnX = target.approach.xM + overshootDoors * corridor.options.doorSpacingM;
  const points: Point3[] = [
    { xM: corridor.elevatorExit.xM, yM: corridor.elevatorExit.yM, zM: walkZ },
    { xM: 0, yM: y, zM: walkZ },
    { xM: turnX, yM: y, zM: walkZ },
    { xM: target.approach.xM, yM: y, zM: walkZ },
  ];
  const legs: Leg[] = [];
  let t = 0;
  for (let i = 1; i < points.length; i++) {
    const from = points[i - 1]!;
    const to = points[i]!;
    const duration = (Math.hypot(to.xM - from.xM, to.yM - from.yM) / walkSpeedMps) * 1000;
    legs.push({ fromMs: t, toMs: t + duration, from, to, carry: plan.carry, headingRad: Math.atan2(to.yM - from.yM, to.xM - from.xM) });
    t += duration;
  }
  const arriveMs = t;
  const atDoor: Point3 = { xM: target.approach.xM, yM: y, zM: handHeightM };
  const facing = Math.atan2(target.lock.yM - y, 0);
  if (plan.carry === 'pocket') {
    legs.push({ fromMs: t, toMs: t + pocketTakeOutMs, from: atDoor, to: atDoor, carry: 'hand', headingRad: facing });
    t += pocketTakeOutMs;
  }
  const raiseStartMs = t;
  // The phone ends `touchDistanceM` in front of the lock, on the corridor side.
  const towardsCorridor = Math.sign(y - target.lock.yM);
  const touch: Point3 = { xM: target.lock.xM, yM: target.lock.yM + towardsCorridor * plan.touchDistanceM, zM: target.lock.zM };
  legs.push({ fromMs: t, toMs: t + raiseMs, from: atDoor, to: touch, carry: 'hand', headingRad: facing });
  t += raiseMs;
  const tapMs = t;
  legs.push({ fromMs: t, toMs: t + holdMaxMs, from: touch, to: touch, carry: 'hand', headingRad: facing });
  return { legs, timeline: { raiseStartMs, arriveMs, tapMs, endMs: t + holdMaxMs } };
}

function poseAt(legs: Leg[], timeMs: number): PhonePose {
  let leg = legs[legs.length - 1]!;
  for (const candidate of legs) {
    if (timeMs < candidate.toMs) {
      leg = candidate;
      break;
    }
  }
  const span = leg.toMs - leg.fromMs;
  const f = span <= 0 ? 1 : Math.min(1, Math.max(0, (timeMs - leg.fromMs) / span));
  return {
    position: { xM: leg.from.xM + (leg.to.xM - leg.from.xM) * f, yM: leg.from.yM + (leg.to.yM - leg.from.yM) * f, zM: leg.from.zM + (leg.to.zM - leg.from.zM) * f },
    carry: leg.carry,
    headingRad: leg.headingRad,
  };
}

/** Every advertisement the phone hears during one walk (independent of the ranker's options). */
export function walkStream(corridor: Corridor, seed: number, index: number, rf: Partial<RfParams> = {}): WalkStream {
  const plan = planWalk(corridor, seed, index);
  const { legs, timeline } = legsOf(corridor, plan);
  const walkRandom = createSeededRandom(seed).fork(`tap-walk:${index}:rf`);
  const channel = new RfChannel(walkRandom, rf);
  const phoneId = `guest-${index}`;
  const samples: RssiSample[] = [];
  const targetAdvertisingMs: number[] = [];
  // Granted locks are heard the whole walk; of the others, those within two doors of the target
  // (the ones a leaky filter would open by mistake) are sampled too and must be dropped by the ranker.
  const targetX = corridor.byId.get(plan.target)!.lock.xM;
  const nearTargetM = 2 * corridor.options.doorSpacingM + 0.1;
  for (const entrance of corridor.entrances) {
    if (!plan.granted.includes(entrance.id) && Math.abs(entrance.lock.xM - targetX) > nearTargetM) continue;
    const streamRandom = walkRandom.fork(`adv:${entrance.id}`);
    // Locks have advertised since long before the walk: the first event lands anywhere in one interval.
    const advertiser = new Advertiser(channel.params, streamRandom, 0);
    for (let t = advertiser.pop(); t < timeline.endMs; t = advertiser.pop()) {
      if (entrance.id === plan.target && t >= timeline.tapMs - raiseMs) targetAdvertisingMs.push(t);
      const rssi = channel.sample(phoneId, poseAt(legs, t), entrance.id, entrance.lock, streamRandom);
      if (rssi !== undefined) samples.push({ entranceId: entrance.id, rssiDbm: rssi, timeMs: t });
    }
  }
  samples.sort((a, b) => a.timeMs - b.timeMs || (a.entranceId < b.entranceId ? -1 : 1));
  return { plan, timeline, samples, targetAdvertisingMs };
}

/** Radio time from a decision to the unlocked door: CONNECT_IND on the target's next advertisement, the first connection event, 2 round trips. */
export function exchangeMs(stream: WalkStream, decisionMs: number): number {
  const next = stream.targetAdvertisingMs.find((t) => t >= decisionMs) ?? decisionMs + rfDefaults.advIntervalMs;
  return next - decisionMs + 1.25 + radioDefaults.connIntervalMs + 2 * radioDefaults.connIntervalMs;
}

/** Feeds a walk's samples to a fresh ranker, deciding on every granted advertisement; stops at the first unlock after the raise began. */
export function runWalk(stream: WalkStream, options: Partial<TapOptions> = {}): WalkOutcome {
  const ranker = new TapRanker(stream.plan.granted, options);
  const { raiseStartMs, tapMs, arriveMs } = stream.timeline;
  const outcome: WalkOutcome = { walkPastUnlocks: 0, wrongDoorUnlocks: 0, ambiguousAnswers: 0, earlyUnlocks: 0, decisionAfterTapMs: undefined, decisionAfterArriveMs: undefined, unlockedAfterTapMs: undefined };
  for (const sample of stream.samples) {
    if (!ranker.observe(sample)) continue;
    const decision = ranker.decide(sample.timeMs);
    if (decision.result === 'tap_ambiguous') outcome.ambiguousAnswers++;
    if (decision.result !== 'unlock') continue;
    if (sample.timeMs < arriveMs) outcome.walkPastUnlocks++;
    else if (decision.entranceId !== stream.plan.target) outcome.wrongDoorUnlocks++;
    else {
      // Standing at their own door with the phone out but not yet raised: counted apart, not a walk-past.
      if (sample.timeMs < raiseStartMs) outcome.earlyUnlocks++;
      outcome.decisionAfterTapMs = sample.timeMs - tapMs;
      outcome.decisionAfterArriveMs = sample.timeMs - arriveMs;
      outcome.unlockedAfterTapMs = sample.timeMs + exchangeMs(stream, sample.timeMs) - tapMs;
      break;
    }
  }
  return outcome;
}

export interface TapSummary {
  walks: number;
  walkPastUnlocks: number;
  wrongDoorUnlocks: number;
  /** Walks with no unlock within holdMaxMs after the tap (the guest taps again). */
  noUnlock: number;
  ambiguousAnswers: number;
  earlyUnlocks: number;
  decisionAfterTapMs: { p50: number; p95: number; max: number };
  decisionAfterArriveMs: { p50: number; p95: number };
  unlockedAfterTapMs: { p50: number; p95: number };
  /** The same safety counts for the hard case alone (two adjacent rooms, same wall or facing). */
  twoRooms: { walks: number; walkPastUnlocks: number; wrongDoorUnlocks: number; noUnlock: number };
}

/** Nearest-rank percentile (no interpolation: a figure that some walk actually took). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarise(outcomes: { plan: WalkPlan; outcome: WalkOutcome }[]): TapSummary {
  const decided = outcomes.filter((o) => o.outcome.decisionAfterTapMs !== undefined).map((o) => o.outcome);
  // Percentiles over all walks: a walk with no unlock counts as never (+∞), so it can only push them up.
  const never = (values: number[]): number[] => [...values, ...Array<number>(outcomes.length - values.length).fill(Number.POSITIVE_INFINITY)];
  const afterTap = never(decided.map((o) => o.decisionAfterTapMs!));
  const hard = outcomes.filter((o) => o.plan.grantCase !== 'single');
  const sum = (list: typeof outcomes, key: 'walkPastUnlocks' | 'wrongDoorUnlocks' | 'ambiguousAnswers' | 'earlyUnlocks'): number => list.reduce((n, o) => n + o.outcome[key], 0);
  const round = (v: number): number => Math.round(v * 10) / 10;
  return {
    walks: outcomes.length,
    walkPastUnlocks: sum(outcomes, 'walkPastUnlocks'),
    wrongDoorUnlocks: sum(outcomes, 'wrongDoorUnlocks'),
    noUnlock: outcomes.length - decided.length,
    ambiguousAnswers: sum(outcomes, 'ambiguousAnswers'),
    earlyUnlocks: sum(outcomes, 'earlyUnlocks'),
    decisionAfterTapMs: { p50: round(percentile(afterTap, 50)), p95: round(percentile(afterTap, 95)), max: round(decided.length === 0 ? Number.NaN : Math.max(...decided.map((o) => o.decisionAfterTapMs!))) },
    decisionAfterArriveMs: { p50: round(percentile(never(decided.map((o) => o.decisionAfterArriveMs!)), 50)), p95: round(percentile(never(decided.map((o) => o.decisionAfterArriveMs!)), 95)) },
    unlockedAfterTapMs: { p50: round(percentile(never(decided.map((o) => o.unlockedAfterTapMs!)), 50)), p95: round(percentile(never(decided.map((o) => o.unlockedAfterTapMs!)), 95)) },
    twoRooms: {
      walks: hard.length,
      walkPastUnlocks: sum(hard, 'walkPastUnlocks'),
      wrongDoorUnlocks: sum(hard, 'wrongDoorUnlocks'),
      noUnlock: hard.filter((o) => o.outcome.decisionAfterTapMs === undefined).length,
    },
  };
}

export interface TapBenchConfig {
  seed: number;
  walks: number;
  /** Walks per point of the threshold sweep (the same walks for every threshold). */
  sweepWalks: number;
  sweepTouchDbm: number[];
  tap: TapOptions;
}

export const tapBenchDefaults: TapBenchConfig = {
  seed: 18,
  walks: 10_000,
  sweepWalks: 2_000,
  sweepTouchDbm: [-60, -57, -54, -51, -48, -45, -42, -39, -36, -33, -30],
  tap: tapDefaults,
};

export interface TapBenchResults {
  config: TapBenchConfig;
  rf: RfParams;
  corridor: Corridor['options'];
  main: TapSummary;
  sweep: { touchDbm: number; summary: TapSummary }[];
  /** The default ranker on the sweep's walks with one RF parameter changed: how close the model's choices sit to the edge. */
  variants: { label: string; rf: Partial<RfParams>; summary: TapSummary }[];
}

export const tapRfVariants: { label: string; rf: Partial<RfParams> }[] = [
  { label: 'shadowing σ 6 dB (top of the indoor range)', rf: { shadowingSigmaDb: 6 } },
  { label: 'corridor exponent 2.2', rf: { pathLossExponent: 2.2 } },
  { label: 'Rician K 0 dB at 1 m (more scatter)', rf: { ricianK1mDb: 0 } },
  { label: 'lock advertising every 250 ms', rf: { advIntervalMs: 250 } },
  { label: '30 % of advertisements missed', rf: { missProbability: 0.3 } },
];

export function runWalks(corridor: Corridor, seed: number, count: number, tap: Partial<TapOptions>, rf: Partial<RfParams> = {}): TapSummary {
  const outcomes: { plan: WalkPlan; outcome: WalkOutcome }[] = [];
  for (let i = 0; i < count; i++) {
    const stream = walkStream(corridor, seed, i, rf);
    outcomes.push({ plan: stream.plan, outcome: runWalk(stream, tap) });
  }
  return summarise(outcomes);
}

export function runTapBench(partial: Partial<TapBenchConfig> = {}): TapBenchResults {
  const config = { ...tapBenchDefaults, ...partial };
  const corridor = createCorridor();
  const main = runWalks(corridor, config.seed, config.walks, config.tap);
  // The sweep replays the same walks (seeded by index) for every threshold: streams are built once.
  const streams = Array.from({ length: config.sweepWalks }, (_, i) => walkStream(corridor, config.seed, i));
  const sweep = config.sweepTouchDbm.map((touchDbm) => ({
    touchDbm,
    summary: summarise(streams.map((stream) => ({ plan: stream.plan, outcome: runWalk(stream, { ...config.tap, touchDbm }) }))),
  }));
  const variants = tapRfVariants.map((variant) => ({ ...variant, summary: runWalks(corridor, config.seed, config.sweepWalks, config.tap, variant.rf) }));
  return { config, rf: { ...rfDefaults }, corridor: corridor.options, main, sweep, variants };
}

export const tapSectionBegin = '<!-- tap:begin (npm run bench:tap) -->';
export const tapSectionEnd = '<!-- tap:end -->';

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : v > 0 ? 'never' : '–');

export function renderTapMarkdown(results: TapBenchResults): string {
  const { main, config, rf } = results;
  const t = config.tap;
  const goalSafety = main.walkPastUnlocks === 0 && main.wrongDoorUnlocks === 0;
  const goalTime = main.unlockedAfterTapMs.p95 <= 1000;
  const lines = [
    '## Unlock with tap: the corridor benchmark (virtual time)',
    '',
    `\`npm run bench:tap\`: ${config.walks.toLocaleString('en-US')} seeded walks (seed ${config.seed}) in the corridor model of [docs/RF.md](docs/RF.md) (${results.corridor.roomsPerSide} rooms a side, doors every ${results.corridor.doorSpacingM} m, corridor ${results.corridor.widthM} m wide, lobby and elevator readers). Each guest leaves the elevator, walks at ${walkSpeedMps} m/s past their door by two doors, turns back, stops, takes the phone out if it was in a pocket (half the walks), raises it to the lock (${raiseMs} ms) and holds it there; the tap ranker (src/phone/tap.ts) listens the whole walk. A third of the guests hold one room, a third two adjacent rooms on the same wall, a third two facing rooms (the hard cases); all hold the lobby and elevator. Locks advertise every ${rf.advIntervalMs} ms + advDelay 0–${rf.advDelayMaxMs} ms. Ranker: touch ${t.touchDbm} dBm, hysteresis ${t.hysteresisDb} dB, median of ${t.windowMs} ms with ≥ ${t.minSamples} samples, margin ${t.marginDb} dB. Raw numbers: \`bench/tap.json\`.`,
    '',
    '| walks | walk-past unlocks | wrong-door unlocks | two-room walks (walk-past / wrong door) | no unlock within 3 s of the tap | refused as ambiguous (answers) | early (at the door, before raising) |',
    '|---|---|---|---|---|---|---|',
    `| ${main.walks.toLocaleString('en-US')} | ${main.walkPastUnlocks} | ${main.wrongDoorUnlocks} | ${main.twoRooms.walks.toLocaleString('en-US')} (${main.twoRooms.walkPastUnlocks} / ${main.twoRooms.wrongDoorUnlocks}) | ${main.noUnlock} (${((100 * main.noUnlock) / main.walks).toFixed(1)} %) | ${main.ambiguousAnswers} | ${main.earlyUnlocks} |`,
    '',
    'Times over **all** walks (a walk without an unlock counts as never); "after the tap" runs from the moment the phone is at the lock (a negative time: decided while it was still on its way), "unlocked" adds the radio exchange (connection on the next advertisement, first connection event, 2 round trips at 15 ms).',
    '',
    '| figure | p50 ms | p95 ms |',
    '|---|---|---|',
    `| decision after the tap | ${fmt(main.decisionAfterTapMs.p50)} | ${fmt(main.decisionAfterTapMs.p95)} |`,
    `| unlocked after the tap | ${fmt(main.unlockedAfterTapMs.p50)} | ${fmt(main.unlockedAfterTapMs.p95)} |`,
    `| decision after reaching the door (includes taking the phone out and raising it) | ${fmt(main.decisionAfterArriveMs.p50)} | ${fmt(main.decisionAfterArriveMs.p95)} |`,
    '',
    `Goals: no wrong door and no walk-past unlock in ${config.walks.toLocaleString('en-US')} walks — ${goalSafety ? 'met' : '**missed**'}; p95 unlocked ≤ 1 s after the tap — ${fmt(main.unlockedAfterTapMs.p95)} ms, ${goalTime ? 'met' : '**missed**'}.`,
    '',
    `Threshold trade-off (the same ${config.sweepWalks.toLocaleString('en-US')} walks for every threshold; other settings as above):`,
    '',
    '| touch dBm | walk-past | wrong door | no unlock in 3 s | p50 / p95 unlocked after tap, ms |',
    '|---|---|---|---|---|',
    ...results.sweep.map(({ touchDbm, summary: s }) => `| ${touchDbm} | ${s.walkPastUnlocks} | ${s.wrongDoorUnlocks} | ${s.noUnlock} (${((100 * s.noUnlock) / s.walks).toFixed(1)} %) | ${fmt(s.unlockedAfterTapMs.p50)} / ${fmt(s.unlockedAfterTapMs.p95)} |`),
    '',
    '![tap threshold trade-off](docs/bench-tap.svg)',
    '',
    `Sensitivity: the default ranker on the same ${config.sweepWalks.toLocaleString('en-US')} walks with one RF parameter changed (docs/RF.md gives the ranges these come from):`,
    '',
    '| variant | walk-past | wrong door | no unlock in 3 s | p50 / p95 unlocked after tap, ms |',
    '|---|---|---|---|---|',
    ...results.variants.map(({ label, summary: s }) => `| ${label} | ${s.walkPastUnlocks} | ${s.wrongDoorUnlocks} | ${s.noUnlock} (${((100 * s.noUnlock) / s.walks).toFixed(1)} %) | ${fmt(s.unlockedAfterTapMs.p50)} / ${fmt(s.unlockedAfterTapMs.p95)} |`),
    '',
    'What the model leaves out (docs/RF.md): other people in the corridor, phone-model RSSI offsets beyond the per-link shadowing, doors that are not in line of sight, and the phone OS batching scan results. The figures are those of the model; a real corridor is the test that counts.',
  ];
  return lines.join('\n');
}

/** Two panels over the touch threshold: safety counts (walk-past, wrong door) and cost (no unlock %, p95 unlocked ms). */
export function renderTapSvg(results: TapBenchResults): string {
  const points = results.sweep;
  const width = 700;
  const left = 70;
  const right = 170;
  const panel = 200;
  const top = 50;
  const gap = 60;
  const height = top + 2 * panel + gap + 50;
  const xs = points.map((p) => p.touchDbm);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const px = (x: number): number => left + ((x - xMin) / (xMax - xMin || 1)) * (width - left - right);
  const walks = results.config.sweepWalks;
  const per10k = (n: number): number => (n * 10_000) / walks;
  const safetyMax = Math.max(10, ...points.map((p) => per10k(p.summary.walkPastUnlocks + p.summary.wrongDoorUnlocks)));
  const costMax = 100;
  const msMax = 2000;
  // Log scale (1 + v): the region that matters is 0 to a few per 10,000, next to thousands at loose thresholds.
  const y1 = (v: number): number => top + panel - (Math.log10(1 + Math.min(v, safetyMax)) / Math.log10(1 + safetyMax)) * panel;
  const y2 = (v: number, max: number): number => top + panel + gap + panel - (Math.min(v, max) / max) * panel;
  const path = (coords: [number, number][]): string => coords.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  const series: { label: string; color: string; coords: [number, number][] }[] = [
    { label: 'walk-past unlocks /10k', color: '#d1242f', coords: points.map((p) => [px(p.touchDbm), y1(per10k(p.summary.walkPastUnlocks))]) },
    { label: 'wrong-door unlocks /10k', color: '#9a6700', coords: points.map((p) => [px(p.touchDbm), y1(per10k(p.summary.wrongDoorUnlocks))]) },
    { label: 'no unlock in 3 s, %', color: '#8250df', coords: points.map((p) => [px(p.touchDbm), y2((100 * p.summary.noUnlock) / p.summary.walks, costMax)]) },
    { label: 'p95 unlocked after tap', color: '#1f6feb', coords: points.map((p) => [px(p.touchDbm), y2(Number.isFinite(p.summary.unlockedAfterTapMs.p95) ? p.summary.unlockedAfterTapMs.p95 : msMax, msMax)]) },
  ];
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    `<text x="10" y="22" font-size="15" font-weight="bold">Unlock with tap: touch threshold trade-off (${walks.toLocaleString('en-US')} seeded corridor walks)</text>`,
    `<text x="10" y="40" fill="#57606a">top: safety, unlocks per 10,000 walks (log scale); bottom: cost (no unlock within 3 s, %; p95 unlocked after tap, 0–2 s); chosen: ${results.config.tap.touchDbm} dBm</text>`,
  ];
  for (let tick = 1; tick <= safetyMax; tick *= 10) {
    parts.push(`<line x1="${left}" y1="${y1(tick).toFixed(1)}" x2="${width - right}" y2="${y1(tick).toFixed(1)}" stroke="#eaeef2"/>`, `<text x="${left - 6}" y="${(y1(tick) + 4).toFixed(1)}" text-anchor="end" fill="#57606a">${tick.toLocaleString('en-US')}</text>`);
  }
  for (const [base, high, low] of [[top, '/10k (log)', '0'], [top + panel + gap, '100 % | 2 s', '0']] as const) {
    parts.push(
      `<rect x="${left}" y="${base}" width="${width - left - right}" height="${panel}" fill="none" stroke="#d0d7de"/>`,
      `<text x="${left - 6}" y="${base - 6}" text-anchor="end" fill="#57606a">${high}</text>`,
      `<text x="${left - 6}" y="${base + panel}" text-anchor="end" fill="#57606a">${low}</text>`,
    );
  }
  const chosen = px(results.config.tap.touchDbm);
  parts.push(`<line x1="${chosen}" y1="${top}" x2="${chosen}" y2="${top + 2 * panel + gap}" stroke="#1a7f37" stroke-dasharray="4 3"/>`);
  for (const x of xs) parts.push(`<text x="${px(x)}" y="${top + 2 * panel + gap + 16}" text-anchor="middle">${x}</text>`);
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 8}" text-anchor="middle">touch threshold (dBm)</text>`);
  series.forEach((s, i) => {
    parts.push(`<path d="${path(s.coords)}" fill="none" stroke="${s.color}" stroke-width="2"/>`);
    for (const [x, y] of s.coords) parts.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = i < 2 ? top + 10 + i * 20 : top + panel + gap + 10 + (i - 2) * 20;
    parts.push(`<rect x="${width - right + 10}" y="${ly}" width="12" height="3" fill="${s.color}"/>`, `<text x="${width - right + 28}" y="${ly + 5}">${s.label}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
