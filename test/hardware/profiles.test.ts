import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HardwareProfileError, hardwareReplayFlag, parseProfileJson, profileArgument, profileToJson, resolveProfile, validateProfile } from '../../firmware-model/hardware/load.ts';
import { replayCommand } from '../../src/harness/scenario/runner.ts';
import { hardwareProfiles, nrf52840, profileFields } from '../../firmware-model/hardware/profiles.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-hw-'));

function errorOf(run: () => unknown): HardwareProfileError {
  try {
    run();
  } catch (error) {
    if (error instanceof HardwareProfileError) return error;
    throw error;
  }
  throw new Error('expected a HardwareProfileError');
}

describe('hardware profiles', () => {
  it('every built-in profile is valid and round-trips through its JSON file', () => {
    for (const [name, profile] of Object.entries(hardwareProfiles)) {
      expect(profile.name).toBe(name);
      expect(parseProfileJson(profileToJson(profile))).toEqual(profile);
      // A file carries its own name (a built-in's is refused: see below).
      const path = join(dir, `${name}.json`);
      writeFileSync(path, profileToJson({ ...profile, name: `board-${name}` }));
      expect(resolveProfile(path)).toEqual({ ...profile, name: `board-${name}` });
    }
  });

  it('resolves built-in names', () => {
    expect(resolveProfile('nrf52840')).toBe(nrf52840);
    expect(errorOf(() => resolveProfile('nrf99')).code).toBe('hardware_profile_unknown');
  });

  it('names the bad field', () => {
    const good = JSON.parse(profileToJson(nrf52840)) as Record<string, unknown>;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, p256EcdhMicroseconds: -1 }, 'p256EcdhMicroseconds'],
      [{ ...good, sha256BlockMicroseconds: 5.5 }, 'sha256BlockMicroseconds'],
      [{ ...good, activeMicroamps: '3300' }, 'activeMicroamps'],
      [{ ...good, extra: 1 }, 'extra'],
      [{ ...good, name: 'Bad Name' }, 'name'],
    ];
    for (const [value, field] of cases) {
      const error = errorOf(() => validateProfile(value));
      expect(error.code).toBe('hardware_profile_invalid');
      expect(error.field).toBe(field);
      expect(error.message).toContain(field);
    }
    for (const field of profileFields) {
      const missing = { ...good };
      delete missing[field];
      expect(errorOf(() => validateProfile(missing)).field).toBe(field);
    }
  });

  it('refuses unreadable files and non-JSON', () => {
    expect(errorOf(() => resolveProfile(join(dir, 'absent.json'))).code).toBe('hardware_profile_unreadable');
    expect(errorOf(() => parseProfileJson('{ nope')).code).toBe('hardware_profile_unreadable');
    expect(errorOf(() => parseProfileJson('[]')).code).toBe('hardware_profile_invalid');
  });

  // From the independent attack on issue 15 (findings 6 and 7).
  it('refuses a file that takes a built-in name (the name would replay as the built-in)', () => {
    for (const name of ['ideal', 'nrf52840', 'phone']) {
      const path = join(dir, `shadow-${name}.json`);
      writeFileSync(path, profileToJson({ ...nrf52840, name, p256EcdhMicroseconds: 1 }));
      const error = errorOf(() => resolveProfile(path));
      expect([error.code, error.field]).toEqual(['hardware_profile_invalid', 'name']);
      expect(error.message).toContain('built-in');
    }
  });

  it('replay commands name a file profile by its path, which resolves to the same profile', () => {
    const path = join(dir, 'our board.json');
    writeFileSync(path, profileToJson({ ...nrf52840, name: 'our-board', p256EcdhMicroseconds: 9_999 }));
    const loaded = resolveProfile(path);
    expect(profileArgument(loaded)).toBe(`'${path}'`);
    expect(profileArgument(nrf52840)).toBe('nrf52840');
    expect(hardwareReplayFlag(hardwareProfiles.ideal)).toBe('');
    expect(hardwareReplayFlag(undefined)).toBe('');
    const command = replayCommand('scenarios/01.yaml', 7, 'virtual', loaded);
    expect(command).toBe(`npx latchkey scenario run scenarios/01.yaml --seed 7 --hardware '${path}'`);
    // What the replay passes to --hardware loads the file's numbers again, not a built-in.
    expect(resolveProfile(path)).toEqual(loaded);
    expect(replayCommand('s.yaml', 1, 'virtual', nrf52840)).toBe('npx latchkey scenario run s.yaml --seed 1 --hardware nrf52840');
  });

  it('says a number is not finite (1e400), refuses control characters in the description, reads -0 as 0', () => {
    const text = profileToJson({ ...nrf52840, name: 'x' });
    const infinite = errorOf(() => parseProfileJson(text.replace('"p256EcdhMicroseconds": 14200', '"p256EcdhMicroseconds": 1e400')));
    expect([infinite.code, infinite.field]).toEqual(['hardware_profile_invalid', 'p256EcdhMicroseconds']);
    expect(infinite.message).toContain('not finite');
    expect(infinite.message).not.toContain('null');
    for (const description of ['\u001b[31mred\u001b[0m', 'two\nlines', 'tab\there', 'bidi \u202e', 'del \u007f', 'sep \u2028']) {
      const error = errorOf(() => validateProfile({ ...JSON.parse(text), description }));
      expect([error.code, error.field, error.message]).toEqual(['hardware_profile_invalid', 'description', 'hardware_profile_invalid: description: contains control characters']);
    }
    const zero = parseProfileJson(text.replace('"p256EcdhMicroseconds": 14200', '"p256EcdhMicroseconds": -0'));
    expect(Object.is(zero.p256EcdhMicroseconds, 0)).toBe(true);
  });
});
