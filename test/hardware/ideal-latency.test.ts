/**
 * The `ideal` profile reproduces the latency table from before hardware profiles (BENCHMARKS.md
 * of 2026-12-04, bench/results.json `latency`), row by row: compute costs nothing there.
 */
import { describe, expect, it } from 'vitest';
import { ideal } from '../../firmware-model/hardware/profiles.ts';
import { measureUnlockLatency } from '../../src/harness/bench/unlock-latency.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

type Figures = [roundTripsToDecision: number, roundTripsTotal: number, decisionMs: number, verifiedMs: number, bytesOnAir: number];
const before: [connIntervalMs: number, mtu: number, centralContinuesEvent: boolean, advertisedChallenge: boolean, first: Figures, repeat: Figures][] = [
  [7.5, 23, true, false, [2, 8, 37.5, 82.5, 1256], [2, 3, 15, 22.5, 228]],
  [7.5, 185, true, false, [2, 3, 15, 22.5, 733], [2, 3, 15, 22.5, 200]],
  [7.5, 247, true, false, [2, 3, 15, 22.5, 715], [2, 3, 15, 22.5, 200]],
  [7.5, 517, true, false, [2, 3, 15, 22.5, 707], [2, 3, 15, 22.5, 200]],
  [15, 23, true, false, [2, 8, 75, 165, 1256], [2, 3, 30, 45, 228]],
  [15, 185, true, false, [2, 3, 30, 45, 733], [2, 3, 30, 45, 200]],
  [15, 247, true, false, [2, 3, 30, 45, 715], [2, 3, 30, 45, 200]],
  [15, 517, true, false, [2, 3, 30, 45, 707], [2, 3, 30, 45, 200]],
  [30, 23, true, false, [2, 8, 150, 330, 1256], [2, 3, 60, 90, 228]],
  [30, 185, true, false, [2, 3, 60, 90, 733], [2, 3, 60, 90, 200]],
  [30, 247, true, false, [2, 3, 60, 90, 715], [2, 3, 60, 90, 200]],
  [30, 517, true, false, [2, 3, 60, 90, 707], [2, 3, 60, 90, 200]],
  [50, 23, true, false, [2, 8, 250, 550, 1256], [2, 3, 100, 150, 228]],
  [50, 185, true, false, [2, 3, 100, 150, 733], [2, 3, 100, 150, 200]],
  [50, 247, true, false, [2, 3, 100, 150, 715], [2, 3, 100, 150, 200]],
  [50, 517, true, false, [2, 3, 100, 150, 707], [2, 3, 100, 150, 200]],
  [15, 23, false, false, [2, 8, 90, 270, 1326], [2, 3, 45, 75, 248]],
  [15, 247, false, false, [2, 3, 60, 90, 745], [2, 3, 60, 90, 230]],
  [15, 23, true, true, [1, 6, 60, 135, 1114], [1, 2, 15, 30, 165]],
  [15, 247, true, true, [1, 2, 15, 30, 574], [1, 2, 15, 30, 137]],
];

const figures = (o: { roundTripsToDecision: number; roundTripsTotal: number; decisionMs: number; verifiedMs: number; bytesOnAir: number }): Figures => [o.roundTripsToDecision, o.roundTripsTotal, o.decisionMs, o.verifiedMs, o.bytesOnAir];

describe('ideal hardware profile', () => {
  it('reproduces the latency table exactly', async () => {
    for (const [connIntervalMs, mtu, centralContinuesEvent, advertisedChallenge, first, repeat] of before) {
      const row = await measureUnlockLatency(nodeCrypto, connIntervalMs, mtu, { centralContinuesEvent, advertisedChallenge, hardware: ideal });
      expect({ connIntervalMs, mtu, centralContinuesEvent, advertisedChallenge, first: figures(row.first), repeat: figures(row.repeat) }).toEqual({ connIntervalMs, mtu, centralContinuesEvent, advertisedChallenge, first, repeat });
    }
  }, 120_000);
});
