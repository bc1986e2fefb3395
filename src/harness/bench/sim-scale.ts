/**
 * Simulator scale: doors in one process (memory per door, provisioning rate) and unlock throughput
 * with many doors, one virtual radio per worker thread (a building split into wings), each worker
 * running many phones concurrently in virtual time. Throughput is wall-clock unlocks per second.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createNodeProvider } from '../../protocol/crypto/node.ts';
import { World } from '../../sim/world.ts';
import { runInWorker } from './in-worker.ts';

export interface ScaleOptions {
  doors: number;
  phones: number;
  unlocksPerPhone: number;
  /** Of each phone's unlocks, the first is a full exchange; the rest use the repeat path. */
  seed: number;
}

export interface WingResult {
  doors: number;
  provisionMs: number;
  /** Heap growth per door between two forced full GCs around provisioning (retained memory, not garbage). */
  heapBytesPerDoor: number;
  /** Heap used after the forced GC that followed provisioning. */
  heapUsedAfterBytes: number;
  unlocks: number;
  full: number;
  repeat: number;
  failed: number;
  wallMs: number;
}

/**
 * A full garbage collection on demand: `gc` when node runs with --expose-gc, else the flag is set
 * at run time and the function taken from a fresh context (V8 installs `gc` on contexts created
 * after the flag).
 */
export function forcedGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === 'function') return exposed;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('forcedGc: V8 did not expose gc after --expose-gc');
  return gc as () => void;
}

/** Builds one wing (doors on a 5 m grid) and runs the phones; pure measurement, no assertions. */
export async function runWing(options: ScaleOptions): Promise<WingResult> {
  const crypto = createNodeProvider();
  const gc = forcedGc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const provisionStart = performance.now();
  const world = new World({ seed: options.seed, crypto, radio: { rssiNoiseDb: 0 } });
  const columns = Math.ceil(Math.sqrt(options.doors));
  const doorIds: string[] = [];
  for (let i = 0; i < options.doors; i++) {
    const id = `door-${i}`;
    world.addLock(id, id, { xM: (i % columns) * 5, yM: Math.floor(i / columns) * 5 });
    doorIds.push(id);
  }
  const provisionMs = performance.now() - provisionStart;
  gc();
  const heapUsedAfterBytes = process.memoryUsage().heapUsed;
  const heapBytesPerDoor = (heapUsedAfterBytes - heapBefore) / options.doors;
  // One guest per door (distinct doors): a lock serves two connections at once, and contention
  // for one door is a scenario of its own, not what this throughput figure measures.
  const pick = world.random.fork('scale-doors');
  const free = doorIds.slice();
  const phones = Array.from({ length: options.phones }, (_, p) => {
    const door = free.splice(pick.below(free.length), 1)[0]!;
    const phone = world.addPhone(`phone-${p}`, world.radio.lockPosition(world.locks.get(door)!.deviceId));
    world.grant(phone, [door], { subject: `guest-${p}` });
    return { phone, door };
  });
  let full = 0;
  let repeat = 0;
  let failed = 0;
  const started = performance.now();
  const runPhone = async ({ phone, door }: (typeof phones)[number]): Promise<void> => {
    const lockId = world.locks.get(door)!.provisioned.identity.lockId;
    for (let i = 0; i < options.unlocksPerPhone; i++) {
      const outcome = await phone.client.unlock({ lockId, scanMs: 100 });
      if (outcome.outcome !== 'unlocked') failed++;
      else if (outcome.path === 'full') full++;
      else repeat++;
      await world.radio.advance(0);
    }
  };
  await world.radio.runUntil(Promise.all(phones.map(runPhone)));
  const wallMs = performance.now() - started;
  return { doors: options.doors, provisionMs, heapBytesPerDoor, heapUsedAfterBytes, unlocks: full + repeat + failed, full, repeat, failed, wallMs };
}

/** Splits the doors over `workers` threads and sums their throughput. */
export async function runScale(totalDoors: number, workers: number, phonesPerWorker: number, unlocksPerPhone: number): Promise<{ wings: WingResult[]; unlocksPerS: number; fullPerS: number; repeatPerS: number; wallMs: number }> {
  const started = performance.now();
  const wings = await Promise.all(
    Array.from({ length: workers }, (_, index) => runWingInWorker({ doors: Math.ceil(totalDoors / workers), phones: phonesPerWorker, unlocksPerPhone, seed: 1000 + index })),
  );
  const wallMs = Math.max(...wings.map((wing) => wing.wallMs));
  const sum = (key: 'unlocks' | 'full' | 'repeat'): number => wings.reduce((n, wing) => n + wing[key], 0);
  return { wings, unlocksPerS: (sum('unlocks') * 1000) / wallMs, fullPerS: (sum('full') * 1000) / wallMs, repeatPerS: (sum('repeat') * 1000) / wallMs, wallMs: performance.now() - started };
}

function runWingInWorker(options: ScaleOptions): Promise<WingResult> {
  return runInWorker<WingResult>(new URL('./sim-scale.ts', import.meta.url), 'runWing', options);
}
