/**
 * Attack repro (issue 18): FileCredentialStore (src/sdk/node.ts) creates the holder key with a
 * read-then-write (no lock, no O_EXCL): two `latchkey phone` runs started together on a fresh store
 * (e.g. a script running `phone list` and `phone unlock`, or two app processes) each make their own
 * key; one process registers with a key the file no longer holds (its phone on the server is bound to a
 * key nobody has). Run: nice npx tsx scripts/attack-repro-18/file-store-race.ts [trials]
 * Exit 1 when any trial gave the two processes different holder keys.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const trials = Number(process.argv[2] ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'a18-race-'));
const child = (path: string, at: number) => new Promise<string>((resolve) => {
  const p = spawn(process.execPath, ['--import', 'tsx', 'scripts/attack-repro-18/file-store-race-child.ts', path, String(at)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (c) => (out += c));
  p.on('close', () => resolve(out));
});
let split = 0;
for (let i = 0; i < trials; i++) {
  const path = join(dir, `phone-${i}.json`);
  const at = Date.now() + 2_500;
  const [a, b] = await Promise.all([child(path, at), child(path, at)]);
  const inFile = JSON.parse(readFileSync(path, 'utf8')).holderSeed as string;
  if (a !== b) split++;
  console.log(`trial ${i}: ${a === b ? 'same key' : `DIFFERENT keys ${a.slice(0, 12)}… vs ${b.slice(0, 12)}… (file keeps one seed ${inFile.slice(0, 8)}…)`}`);
}
console.log(`${split}/${trials} trials: the two processes hold different holder keys`);
process.exit(split > 0 ? 1 : 0);
