/**
 * The hardware table: lock profile × path (first, hash-only, repeat) × MTU (23, 247) × issuer
 * algorithm → decision ms (virtual time, 15 ms interval, from connection established), of which
 * lock compute ms, and the lock's compute charge µC. All in virtual time and deterministic: the
 * figures come from the firmware model's own primitive counts on each profile, not from this host.
 * Also the projected battery life at N unlocks a day (idle, radio, crypto and motor shares).
 */
import { batteryLoads } from '../../../firmware-model/battery.ts';
import { lockConfigDefaults } from '../../../firmware-model/config.ts';
import { computeMicroseconds, computeNanocoulombs, zeroCounts, type PrimitiveCounts } from '../../../firmware-model/hardware/meter.ts';
import { hardwareProfiles, lockProfileNames, phone as phoneProfile, type HardwareProfile } from '../../../firmware-model/hardware/profiles.ts';
import { p256SecretFromSeed, type CryptoProvider, type SignatureAlgorithm } from '../../protocol/crypto/provider.ts';
import { concatBytes } from '../../protocol/bytes.ts';
import { createSeededRandom } from '../../protocol/random.ts';
import { World } from '../../sim/world.ts';

/** `repeat` reads a challenge (2 round trips); `repeat-1rt` answers the lock's advertised resume nonce (docs/PROTOCOL.md §7.4). */
export const hardwarePaths = ['first', 'hash-only', 'repeat', 'repeat-1rt'] as const;
/** BENCHMARKS.md keeps the hardware table between these markers (`latchkey bench` leaves it in place). */
export const hardwareSectionBegin = '<!-- hardware:begin (npm run bench:hardware) -->';
export const hardwareSectionEnd = '<!-- hardware:end -->';
export type HardwarePath = (typeof hardwarePaths)[number];

export interface HardwareCell {
  profile: string;
  issuerAlgorithm: SignatureAlgorithm;
  mtu: number;
  path: HardwarePath;
  outcome: string;
  roundTripsToDecision: number;
  decisionMs: number;
  /** The phone holds the lock's signed result (one round trip after the decision). */
  verifiedMs: number;
  /** Lock compute for the visit (foreground and background, not the idle precomputation), ms. */
  computeMs: number;
  /** Idle precomputation after the visit (next key pair and its signature), ms. */
  idleComputeMs: number;
  /** Lock compute charge of the visit including the idle precomputation, µC. */
  chargeMicrocoulombs: number;
  /** Primitives of the visit, idle precomputation included. */
  counts: PrimitiveCounts;
  /** The phone's compute for the attempt on the `phone` profile (estimates), ms; not in decisionMs. */
  phoneComputeMs: number;
  /** What the lock signs its result and form-3 challenge with (its certificate declares it). */
  lockAlgorithm: SignatureAlgorithm;
  /**
   * When the lock's deciding compute was done and the bolt moved, ms from connection established
   * (not rounded to a connection event: the phone hears the decision at decisionMs, the next event).
   */
  boltMs: number | undefined;
}

const diff = (after: PrimitiveCounts, before: PrimitiveCounts): PrimitiveCounts => {
  const out = zeroCounts();
  for (const key of Object.keys(out) as (keyof PrimitiveCounts)[]) out[key] = after[key] - before[key];
  return out;
};

/** One profile, one MTU, one issuer algorithm: the three paths in order on one door. */
export async function measureHardwarePaths(crypto: CryptoProvider, profile: HardwareProfile, mtu: number, issuerAlgorithm: SignatureAlgorithm, seed = 7, lockAlgorithm: SignatureAlgorithm = 'EdDSA'): Promise<HardwareCell[]> {
  const world = new World({ seed, crypto, radio: { connIntervalMs: 15, llPayloadBytesMax: mtu <= 23 ? 27 : 251, rssiNoiseDb: 0 }, hardware: profile, issuerAlgorithm, lockSigningAlgorithm: lockAlgorithm });
  // The lock advertises a resume nonce (no crypto); only the repeat-1rt path's phone answers it.
  const door = world.addLock('door', 'Door', { xM: 0, yM: 0 }, { advertiseResumeNonce: true });
  const phone = world.addPhone('phone', { xM: 1, yM: 0 });
  world.grant(phone, ['door'], { subject: 'bench' });
  const cells: HardwareCell[] = [];
  let actuatedAtMs: number | undefined;
  world.radio.observe(({ timeMs, output }) => {
    if (output.type === 'actuate') actuatedAtMs ??= timeMs;
  });
  for (const path of hardwarePaths) {
    const startedAtMs = world.radio.now();
    actuatedAtMs = undefined;
    const before = { ...door.lock.meter.total };
    phone.meter.discard();
    const phoneBefore = { ...phone.meter.total };
    const idleBefore = { ...door.lock.meter.idleTotal };
    const outcome = await world.radio.runUntil(phone.client.unlock({ mtu, allowResume: path === 'repeat' || path === 'repeat-1rt', useAdvertisedNonce: path === 'repeat-1rt' }));
    await world.radio.advance(6000); // the link drops, the idle refill runs, the bolt relocks
    const counts = diff(door.lock.meter.total, before);
    phone.meter.discard();
    const phoneComputeMs = computeMicroseconds(phoneProfile, diff(phone.meter.total, phoneBefore)) / 1000;
    const microseconds = computeMicroseconds(profile, counts);
    const idleMicroseconds = computeMicroseconds(profile, diff(door.lock.meter.idleTotal, idleBefore));
    cells.push({ profile: profile.name, issuerAlgorithm, mtu, path, outcome: outcome.outcome, roundTripsToDecision: outcome.roundTripsToDecision, decisionMs: outcome.decisionMs, verifiedMs: outcome.verifiedMs, computeMs: (microseconds - idleMicroseconds) / 1000, idleComputeMs: idleMicroseconds / 1000, chargeMicrocoulombs: computeNanocoulombs(profile, microseconds) / 1000, counts, phoneComputeMs, lockAlgorithm, boltMs: actuatedAtMs === undefined ? undefined : Math.round((actuatedAtMs - startedAtMs - outcome.setupMs) * 1000) / 1000 });
  }
  return cells;
}

/** What one stranger round costs the lock, measured (not estimated): µC and its primitives. */
export interface StrangerRound {
  /** connect, Read of the form-3 challenge, disconnect (the key pair and signature it spends). */
  readOnlyMicrocoulombs: number;
  /** … plus the first chunk of a full request carrying a valid phone key: the lock starts both ECDHs on it (early-ecdh.ts). */
  withChunk0Microcoulombs: number;
  withChunk0Counts: PrimitiveCounts;
}

/**
 * Runs `rounds` stranger rounds on one door, one per refill (each finds a token), and returns the
 * lock's crypto charge per round, as the battery billed it. The chunk 0 is a well-formed start of a
 * full request (map header, type, versions, a valid 33-byte P-256 key) and nothing more.
 */
export async function measureStrangerRound(crypto: CryptoProvider, profile: HardwareProfile, rounds = 8): Promise<StrangerRound> {
  const run = async (withChunk0: boolean) => {
    const world = new World({ seed: 13, crypto, radio: { rssiNoiseDb: 0 }, hardware: profile });
    const door = world.addLock('door', 'Door', { xM: 0, yM: 0 });
    const random = createSeededRandom(13).fork('stranger');
    await world.radio.advance(lockConfigDefaults.challengeKeyRefillMs);
    const cryptoBefore = door.lock.batterySpent.crypto;
    const countsBefore = { ...door.lock.meter.total };
    for (let round = 0; round < rounds; round++) {
      const connectionId = 500 + round;
      world.radio.stepLock('door', { type: 'connect', connectionId });
      world.radio.stepLock('door', { type: 'read', connectionId, characteristic: 'challenge_signed', offset: 0 });
      if (withChunk0) {
        const key = crypto.publicKeyOf('ES256', p256SecretFromSeed(random.bytes(48)));
        const chunk = concatBytes(new Uint8Array([0x80, 0x85, 0x01, 0x02, 0x02, 0x58, 33]), key, random.bytes(40));
        world.radio.stepLock('door', { type: 'write', connectionId, characteristic: 'exchange', data: chunk, withResponse: false });
      }
      world.radio.stepLock('door', { type: 'disconnect', connectionId });
      await world.radio.advance(lockConfigDefaults.challengeKeyRefillMs);
    }
    return { microcoulombs: (door.lock.batterySpent.crypto - cryptoBefore) / 1000 / rounds, counts: diff(door.lock.meter.total, countsBefore) };
  };
  const readOnly = await run(false);
  const withChunk0 = await run(true);
  for (const key of Object.keys(withChunk0.counts) as (keyof PrimitiveCounts)[]) withChunk0.counts[key] /= rounds;
  return { readOnlyMicrocoulombs: readOnly.microcoulombs, withChunk0Microcoulombs: withChunk0.microcoulombs, withChunk0Counts: withChunk0.counts };
}

export interface BatteryLife {
  profile: string;
  unlocksPerDay: number;
  /** Share of unlocks that are first unlocks (the rest are repeats on a ticket). */
  firstShare: number;
  capacityMah: number;
  days: number;
  /** Per day, mC. */
  perDay: { idle: number; radio: number; crypto: number; motor: number };
  /**
   * A stranger churning connect / challenge Read / chunk 0 of a request / disconnect at the lock's
   * challenge key budget all day (config challengeKeyRefillMs): the key pairs, form-3 signatures and
   * the two ECDHs each chunk 0 starts, as measured (measureStrangerRound), and the radio of those
   * visits, mC per day; and the days the pack lasts with the crypto on top (the budget bounds it;
   * not the radio of connections, which a stranger may make without reading).
   */
  churnPerDay: { keys: number; crypto: number; radio: number };
  /**
   * With `advertiseChallenge` on, nobody visiting: the renewals the budget allows (the same bucket
   * as connection challenges, so churn and advertising together stay within `keys` a day), each a
   * key pair and a signature (the measured read-only round), mC per day.
   */
  advertisedPerDay: { keys: number; crypto: number };
  daysUnderChurn: number;
  /** The same mix with a heavier motor: 500 mA × 1 s per movement (`heavyMotor`) instead of 90 mC. */
  daysHeavyMotor: number;
}

/** A heavier motor than battery.ts's 90 mC: 500 mA for 1 s per bolt movement (the research note's bound is 60–1,200 mC). */
export const heavyMotor = { microamps: 500_000, durationMs: 1_000 } as const;

/** Days a pack lasts at `unlocksPerDay` (first/repeat mix) on a profile, from a measured first and repeat charge. */
export function projectBatteryLife(profile: HardwareProfile, cells: HardwareCell[], options: { unlocksPerDay: number; firstShare: number; capacityMah: number; stranger: StrangerRound }): BatteryLife {
  const charge = (path: HardwarePath) => cells.find((cell) => cell.profile === profile.name && cell.mtu === 247 && cell.issuerAlgorithm === 'EdDSA' && cell.path === path)!.chargeMicrocoulombs;
  const n = options.unlocksPerDay;
  const perDay = {
    idle: (profile.idleMicroamps * 86_400) / 1000,
    radio: (n * profile.connectionMicroamps * profile.connectionMs) / 1e6,
    crypto: (n * (options.firstShare * charge('first') + (1 - options.firstShare) * charge('repeat'))) / 1000,
    motor: (n * 2 * batteryLoads.motor.microamps * batteryLoads.motor.durationMs) / 1e6,
  };
  const totalMc = perDay.idle + perDay.radio + perDay.crypto + perDay.motor;
  const days = (options.capacityMah * 3600) / totalMc;
  const keys = 86_400_000 / lockConfigDefaults.challengeKeyRefillMs;
  // Each churned visit, measured: the key pair and form-3 signature it spends, and both ECDHs its chunk 0 starts.
  const churnPerDay = { keys, crypto: (keys * options.stranger.withChunk0Microcoulombs) / 1000, radio: (keys * profile.connectionMicroamps * profile.connectionMs) / 1e6 };
  // The advertiser wants a renewal per lifetime (432,000 a day at 200 ms); the budget grants at most `keys`.
  const renewals = Math.min(86_400_000 / lockConfigDefaults.advertisedChallengeLifetimeMs, keys);
  const advertisedPerDay = { keys: renewals, crypto: (renewals * options.stranger.readOnlyMicrocoulombs) / 1000 };
  // The key budget bounds the crypto; the radio of the connections it does not bound (a stranger may connect without reading).
  const daysUnderChurn = (options.capacityMah * 3600) / (totalMc + churnPerDay.crypto);
  const heavyMotorMc = (n * 2 * heavyMotor.microamps * heavyMotor.durationMs) / 1e6;
  const daysHeavyMotor = (options.capacityMah * 3600) / (totalMc - perDay.motor + heavyMotorMc);
  return { profile: profile.name, unlocksPerDay: n, firstShare: options.firstShare, capacityMah: options.capacityMah, days: Math.round(days), perDay, churnPerDay, daysUnderChurn: Math.round(daysUnderChurn), daysHeavyMotor: Math.round(daysHeavyMotor), advertisedPerDay };
}

export interface HardwareResults {
  connIntervalMs: number;
  cells: HardwareCell[];
  batteryLife: BatteryLife[];
}

/** `profiles`: built-in names or loaded profiles (a --hardware file); `extra`: more names to compare with. */
export async function runHardwareBench(crypto: CryptoProvider, profiles: readonly (string | HardwareProfile)[] = lockProfileNames, extra: readonly string[] = []): Promise<HardwareResults> {
  const list = [...extra, ...profiles].map((entry) => (typeof entry === 'string' ? hardwareProfiles[entry]! : entry));
  const cells: HardwareCell[] = [];
  for (const profile of list) {
    for (const issuerAlgorithm of ['EdDSA', 'ES256'] as const) for (const mtu of [23, 247]) cells.push(...(await measureHardwarePaths(crypto, profile, mtu, issuerAlgorithm)));
    // The lock's own signature in ES256 too (its certificate declares it): MTU 247.
    cells.push(...(await measureHardwarePaths(crypto, profile, 247, 'ES256', 7, 'ES256')));
  }
  const batteryLife: BatteryLife[] = [];
  for (const profile of list) batteryLife.push(projectBatteryLife(profile, cells, { unlocksPerDay: 10, firstShare: 0.1, capacityMah: 3000, stranger: await measureStrangerRound(crypto, profile) }));
  return { connIntervalMs: 15, cells, batteryLife };
}

const fixed = (value: number, digits = 1): string => value.toFixed(digits);

export function renderHardwareMarkdown(results: HardwareResults): string {
  const lines = [
    '## Hardware profiles: unlock latency, lock compute and charge',
    '',
    'Virtual time at a 15 ms connection interval, from connection established; `npm run bench:hardware` (deterministic: no host timing). Each cell: **decision ms** / verified ms (the phone holds the lock’s signed result) / lock compute ms in the visit / lock compute charge µC (the charge also covers the idle precomputation after the visit: the next ephemeral key pair and its form-3 signature, shown in bench/hardware.json as idleComputeMs). Compute comes from the primitives the firmware model counted, priced on each profile (firmware-model/hardware/profiles.ts; sources and confidence in docs/HARDWARE.md). Issuer signature EdDSA unless stated; the lock signs its result and form-3 challenges with Ed25519, except in the ES256-lock table below (its certificate declares a P-256 key).',
    '',
    '| profile | issuer | MTU | first | hash-only | repeat (read challenge, 2 RT) | repeat (advertised nonce, 1 RT) |',
    '|---|---|---|---|---|---|---|',
  ];
  const profiles = [...new Set(results.cells.map((cell) => cell.profile))];
  for (const profile of profiles)
    for (const issuerAlgorithm of ['EdDSA', 'ES256'] as const)
      for (const mtu of [23, 247]) {
        const cell = (path: HardwarePath) => results.cells.find((c) => c.profile === profile && c.issuerAlgorithm === issuerAlgorithm && c.mtu === mtu && c.path === path && c.lockAlgorithm === 'EdDSA');
        if (cell('first') === undefined) continue;
        const text = (path: HardwarePath) => {
          const c = cell(path)!;
          return c.outcome === 'unlocked' ? `**${fixed(c.decisionMs)}** / ${fixed(c.verifiedMs)} / ${fixed(c.computeMs)} / ${fixed(c.chargeMicrocoulombs)}` : `${c.outcome}`;
        };
        lines.push(`| ${profile} | ${issuerAlgorithm} | ${mtu} | ${text('first')} | ${text('hash-only')} | ${text('repeat')} | ${text('repeat-1rt')} |`);
      }
  const esLock = results.cells.filter((c) => c.lockAlgorithm === 'ES256');
  if (esLock.length > 0) {
    lines.push('', 'The same with an ES256 lock (its certificate declares a P-256 signing key; it signs its result and form-3 challenges with ES256), ES256 issuer, MTU 247:', '', '| profile | first | hash-only | repeat | repeat, 1 RT |', '|---|---|---|---|---|');
    for (const profile of [...new Set(esLock.map((c) => c.profile))]) {
      const text = (path: HardwarePath) => {
        const c = esLock.find((cell) => cell.profile === profile && cell.path === path)!;
        return c.outcome === 'unlocked' ? `**${fixed(c.decisionMs)}** / ${fixed(c.verifiedMs)} / ${fixed(c.computeMs)} / ${fixed(c.chargeMicrocoulombs)}` : `${c.outcome}`;
      };
      lines.push(`| ${profile} | ${text('first')} | ${text('hash-only')} | ${text('repeat')} | ${text('repeat-1rt')} |`);
    }
  }
  const churnKeys = results.batteryLife[0]?.churnPerDay.keys ?? 0;
  lines.push('', `Projected battery life, 2×AA lithium (3,000 mAh), 10 unlocks a day (1 first, 9 repeat), motor 2 × 300 mA × 300 ms per unlock (battery.ts). The churn columns add a stranger churning connect / challenge Read / first chunk of a request (a valid phone key: the lock starts both ECDHs on it) / disconnect all day at the lock's challenge key budget (${churnKeys.toLocaleString('en-US')} key pairs, form-3 signatures and ECDH pairs a day; past it the lock refuses the key forms and serves form 1 as a nonce): the crypto the budget lets through, measured per round on each profile, and the years left with it; and the radio of that many visits, which the key budget does not bound (a stranger may connect without reading). The last column is \`advertiseChallenge\` with nobody visiting: the renewals the same budget grants (at most ${churnKeys.toLocaleString('en-US')} a day instead of one per 200 ms), each a key pair and a signature; churn and advertising share the budget, so together they stay within the churn figure:`, '', '| profile | days | years | idle mC/day | radio mC/day | crypto mC/day | motor mC/day | crypto share | churn crypto mC/day | years under churn | churn radio mC/day | advertising mC/day |', '|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const life of results.batteryLife) {
    const total = life.perDay.idle + life.perDay.radio + life.perDay.crypto + life.perDay.motor;
    lines.push(`| ${life.profile} | ${life.days.toLocaleString('en-US')} | ${fixed(life.days / 365.25)} | ${fixed(life.perDay.idle)} | ${fixed(life.perDay.radio)} | ${fixed(life.perDay.crypto, 2)} | ${fixed(life.perDay.motor)} | ${fixed((100 * life.perDay.crypto) / total, 2)} % | ${fixed(life.churnPerDay.crypto)} | ${fixed(life.daysUnderChurn / 365.25, 2)} | ${fixed(life.churnPerDay.radio)} | ${fixed(life.advertisedPerDay.crypto)} |`);
  }
  const heavy = results.batteryLife.map((l) => `${l.profile} ${fixed(l.daysHeavyMotor / 365.25)}`).join(', ');
  lines.push('', `The motor dominates: at 2 × 90 mC per unlock it is half the charge. With a heavier motor, 500 mA × 1 s = 500 mC per movement (the research note bounds a deadbolt motor at 60–1,200 mC; no measurement was found), the same mix lasts (years): ${heavy}.`);
  const at = (profile: string, path: HardwarePath, issuer: SignatureAlgorithm = 'EdDSA', lock: SignatureAlgorithm = 'EdDSA') => results.cells.find((c) => c.profile === profile && c.mtu === 247 && c.issuerAlgorithm === issuer && c.path === path && c.lockAlgorithm === lock);
  const first = at('nrf52840', 'first');
  const firstEs = at('nrf52840', 'first', 'ES256');
  const nordic = ['nrf52840', 'nrf52840-cc310', 'nrf54l15'].map((p) => at(p, 'repeat-1rt')).filter((c) => c !== undefined);
  const nordicRead = ['nrf52840', 'nrf52840-cc310', 'nrf54l15'].map((p) => at(p, 'repeat')).filter((c) => c !== undefined);
  const life = results.batteryLife.find((l) => l.profile === 'nrf52840');
  if (first && firstEs && life) {
    const repeatMax = Math.max(...nordic.map((c) => c.decisionMs));
    const readMax = Math.max(...nordicRead.map((c) => c.decisionMs));
    const bolts = nordic.map((c) => `${c.profile} ${fixed(c.boltMs ?? Number.NaN, 3)}`).join(', ');
    lines.push(
      '',
      `Goals (MTU 247): first unlock ≤ 100 ms on nrf52840 — with an ES256 issuer ${firstEs.decisionMs <= 100 ? 'met' : '**missed**'} (${fixed(firstEs.decisionMs)} ms), with an EdDSA issuer ${first.decisionMs <= 100 ? 'met' : '**missed**'} (${fixed(first.decisionMs)} ms) — the lock's deciding compute is done, and the bolt moves, at ${fixed(firstEs.boltMs ?? Number.NaN, 3)} ms (ES256) and ${fixed(first.boltMs ?? Number.NaN, 3)} ms (EdDSA), the phone hears it in the next connection event; repeat ≤ 35 ms on every Nordic profile — with the advertised resume nonce (1 round trip) ${repeatMax <= 35 ? 'met' : '**missed**'} (max ${fixed(repeatMax)} ms as the phone hears it; bolt at ${bolts} ms), reading a challenge (2 round trips) ${readMax <= 35 ? 'met' : '**missed**'} (max ${fixed(readMax)} ms); battery ≥ 2 years on nrf52840 at 10 unlocks a day — ${life.days >= 730 ? 'met' : '**missed**'} (${fixed(life.days / 365.25)} years).`,
    );
  }
  const esBoth = at('nrf52840', 'first', 'ES256', 'ES256');
  if (firstEs && esBoth) lines.push('', `ES256 lock signature on nrf52840 (ES256 issuer, MTU 247, first unlock): decision ${fixed(esBoth.decisionMs)} ms (bolt at ${fixed(esBoth.boltMs ?? Number.NaN, 3)} ms), verified ${fixed(esBoth.verifiedMs)} ms, lock compute ${fixed(esBoth.computeMs)} ms, charge ${fixed(esBoth.chargeMicrocoulombs)} µC; with the Ed25519 lock signature: ${fixed(firstEs.decisionMs)} ms (bolt ${fixed(firstEs.boltMs ?? Number.NaN, 3)}), verified ${fixed(firstEs.verifiedMs)} ms, ${fixed(firstEs.computeMs)} ms, ${fixed(firstEs.chargeMicrocoulombs)} µC. The result signature is made after the decision, so it moves verified, not the decision.`);
  const phoneAt = (path: HardwarePath) => results.cells.find((c) => c.mtu === 247 && c.issuerAlgorithm === 'EdDSA' && c.path === path)?.phoneComputeMs;
  if (phoneAt('first') !== undefined) lines.push('', `Phone compute on the \`phone\` profile (all figures estimates, MTU 247): first ${fixed(phoneAt('first')!)} ms, hash-only ${fixed(phoneAt('hash-only')!)} ms, repeat ${fixed(phoneAt('repeat')!)} ms, repeat on the advertised nonce ${fixed(phoneAt('repeat-1rt')!)} ms (computed before connecting). The radio delays the phone's requests by it as it delays the lock's responses: a request goes out in the first connection event after the phone's compute before it is done, so any compute between the challenge and the request costs the phone one event (docs/HARDWARE.md).`);
  lines.push('', '![decision latency per hardware profile](docs/bench-hardware.svg)', '');
  return lines.join('\n');
}

/** Grouped horizontal bars: per profile, first / hash-only / repeat decision ms at MTU 247 (EdDSA issuer), compute shaded. */
export function renderHardwareSvg(results: HardwareResults): string {
  const rows = results.cells.filter((c) => c.mtu === 247 && c.issuerAlgorithm === 'EdDSA');
  const width = 720;
  const left = 210;
  const rowHeight = 22;
  const top = 50;
  const height = top + rows.length * rowHeight + 50;
  const max = Math.ceil(Math.max(...rows.map((c) => c.decisionMs)) / 100) * 100;
  const px = (v: number): number => (v / max) * (width - left - 80);
  const colors: Record<HardwarePath, string> = { first: '#1f6feb', 'hash-only': '#8250df', repeat: '#1a7f37', 'repeat-1rt': '#bf8700' };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="#fff"/>',
    '<text x="10" y="22" font-size="15" font-weight="bold">Unlock decision per hardware profile (virtual ms, 15 ms interval, MTU 247)</text>',
    '<text x="10" y="40" fill="#57606a">bar = decision latency; dark part = lock compute; EdDSA issuer</text>',
  ];
  rows.forEach((c, i) => {
    const y = top + i * rowHeight;
    parts.push(
      `<text x="${left - 8}" y="${y + 13}" text-anchor="end">${c.profile} · ${c.path}</text>`,
      `<rect x="${left}" y="${y + 2}" width="${px(c.decisionMs).toFixed(1)}" height="14" fill="${colors[c.path]}" fill-opacity="0.45"/>`,
      `<rect x="${left}" y="${y + 2}" width="${px(Math.min(c.computeMs, c.decisionMs)).toFixed(1)}" height="14" fill="${colors[c.path]}"/>`,
      `<text x="${left + px(c.decisionMs) + 6}" y="${y + 13}">${c.decisionMs.toFixed(0)} ms</text>`,
    );
  });
  const axisY = top + rows.length * rowHeight + 10;
  for (let v = 0; v <= max; v += max / 5) parts.push(`<line x1="${left + px(v)}" y1="${top}" x2="${left + px(v)}" y2="${axisY}" stroke="#d0d7de"/>`, `<text x="${left + px(v)}" y="${axisY + 14}" text-anchor="middle">${v}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}
