/**
 * The air model (src/radio/air) is one piece of code whichever clock drives it: the virtual radio's
 * event queue (virtual time) or the HCI link's Scheduler (wall time; here a manual clock so the
 * test does not sleep). Same seed, same loss ratio, same sends: the same packets are lost and
 * everything arrives at the same times.
 */
import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/protocol/random.ts';
import { EventQueue } from '../../src/radio/event-queue.ts';
import { airClockOf, type AirClock } from '../../src/radio/air/clock.ts';
import { ConnectionEvents, type AirTally, type Side } from '../../src/radio/air/connection-events.ts';
import { sampleRssiDbm } from '../../src/radio/air/rssi.ts';
import { radioDefaults } from '../../src/radio/options.ts';
import { createManualScheduler } from '../../src/hci/scheduler.ts';

type Log = string[];

/** 40 PDUs each way, 3 LL packets each, sent every 20 ms; returns what happened, in order. */
function drive(clock: AirClock, run: (untilMs: number) => void, seed: number): { log: Log; tally: AirTally } {
  const log: Log = [];
  const tally: AirTally = { llPackets: 0, llPacketsAtRisk: 0, llPacketsLost: 0 };
  const events = new ConnectionEvents<string>({
    clock,
    anchorMs: 10,
    intervalMs: 7.5,
    packetsPerEventMax: 6,
    supervisionTimeoutMs: 2000,
    loss: { numerator: 1, denominator: 5 },
    random: createSeededRandom(seed).fork('link'),
    centralContinuesEvent: false,
    tally,
    hooks: {
      deliver: (from: Side, item) => log.push(`${clock.now()} ${from} got ${item}`),
      lost: (from: Side, item) => log.push(`${clock.now()} ${from} lost ${item}`),
      supervisionTimeout: () => log.push(`${clock.now()} timeout`),
    },
  });
  for (let i = 0; i < 40; i++) {
    clock.at(i * 20, () => {
      events.enqueue('central', `c${i}`, 60, 27);
      events.enqueue('peripheral', `p${i}`, 60, 27);
    });
  }
  run(2000);
  return { log, tally };
}

function virtualClock(): { clock: AirClock; run: (untilMs: number) => void } {
  const queue = new EventQueue();
  let now = 0;
  return {
    clock: { now: () => now, at: (atMs, task) => void queue.push(Math.max(atMs, now), task) },
    run(untilMs) {
      for (let event = queue.pop(); event !== undefined && event.timeMs <= untilMs; event = queue.pop()) {
        now = event.timeMs;
        void event.fire();
      }
    },
  };
}

describe('one air model, two clocks', () => {
  it('virtual time and a scheduler give the same losses and arrival times for the same seed', () => {
    const virtual = virtualClock();
    const a = drive(virtual.clock, virtual.run, 3);
    const scheduler = createManualScheduler();
    const b = drive(airClockOf(scheduler), (untilMs) => scheduler.advance(untilMs), 3);
    expect(b.log).toEqual(a.log);
    expect(b.tally).toEqual(a.tally);
    expect(a.log.filter((line) => line.includes('lost')).length).toBeGreaterThan(10);
    expect(a.log.filter((line) => line.includes('got'))).toHaveLength(80);
    const other = virtualClock();
    expect(drive(other.clock, other.run, 4).log).not.toEqual(a.log);
  });

  it('events sit on the interval grid; a loss costs one interval', () => {
    const virtual = virtualClock();
    const { log } = drive(virtual.clock, virtual.run, 3);
    for (const line of log) expect(((Number(line.split(' ')[0]) - 10) / 7.5) % 1).toBe(0);
  });

  it('RSSI: the path-loss rule at a distance, noise only when asked for', () => {
    const random = createSeededRandom(1);
    const quiet = { ...radioDefaults, rssiNoiseDb: 0 };
    expect(sampleRssiDbm(quiet, random, 'p', 'l', { xM: 4, yM: 0 }, { xM: 0, yM: 0 }, 0)).toBe(-74); // −59 − 25·log10(4)
    expect(sampleRssiDbm(quiet, random, 'p', 'l', { xM: 0.5, yM: 0 }, { xM: 0, yM: 0 }, 0)).toBe(-51);
    const noisy = Array.from({ length: 200 }, () => sampleRssiDbm(radioDefaults, random, 'p', 'l', { xM: 4, yM: 0 }, { xM: 0, yM: 0 }, 0));
    expect(new Set(noisy)).toEqual(new Set([-76, -75, -74, -73, -72]));
  });
});
