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

/** A link with supervision timeout `supervisionMs` and loss `loss`, on virtual time; returns its log. */
function supervised(loss: { numerator: number; denominator: number }, supervisionMs: number, sends: Array<{ atMs: number; side: Side }>, seed: number): Log {
  const { clock, run } = virtualClock();
  const log: Log = [];
  const events = new ConnectionEvents<string>({
    clock, anchorMs: 0, intervalMs: 7.5, packetsPerEventMax: 6, supervisionTimeoutMs: supervisionMs, loss,
    random: createSeededRandom(seed).fork('link'), centralContinuesEvent: false,
    hooks: {
      deliver: (from: Side, item) => log.push(`${clock.now()} ${from} got ${item}`),
      supervisionTimeout: () => log.push(`${clock.now()} timeout`),
    },
  });
  sends.forEach(({ atMs, side }, i) => clock.at(atMs, () => events.enqueue(side, `m${i}`, 20, 27)));
  run(10_000);
  return log;
}

describe('supervision timeout (second attack on issue 16: the timer restarts on any packet heard; idle events are heard)', () => {
  it('an idle link does not die on the first loss after a quiet spell longer than the timeout', () => {
    // 800 ms quiet, then one PDU from the central at 1/2 loss: a loss costs an interval, not the link.
    for (let seed = 1; seed <= 40; seed++) {
      const log = supervised({ numerator: 1, denominator: 2 }, 500, [{ atMs: 800, side: 'central' }], seed);
      expect(log.filter((line) => line.endsWith('timeout')), `seed ${seed}`).toEqual([]);
      expect(log.some((line) => line.endsWith('got m0')), `seed ${seed}`).toBe(true);
    }
  });

  it('a busy lossy link lives while packets get through, and dies when nothing does for longer than the timeout', () => {
    // The peripheral sends every 5 ms at 1/2 loss: the central's empty packets are heard every event.
    const busy = Array.from({ length: 200 }, (_, i) => ({ atMs: 800 + 5 * i, side: 'peripheral' as Side }));
    for (let seed = 1; seed <= 20; seed++) expect(supervised({ numerator: 1, denominator: 2 }, 500, busy, seed).filter((l) => l.endsWith('timeout')), `seed ${seed}`).toEqual([]);
    // Every packet lost (central sending; nothing ever heard): the link ends once the timeout has passed.
    const dead = supervised({ numerator: 1, denominator: 1 }, 100, [{ atMs: 800, side: 'central' }], 1);
    expect(dead.filter((line) => line.endsWith('timeout'))).toHaveLength(1);
    const at = Number(dead.find((line) => line.endsWith('timeout'))!.split(' ')[0]);
    expect(at).toBeGreaterThan(800 + 100 - 7.5);
    expect(at).toBeLessThan(800 + 100 + 2 * 7.5);
  });
});
