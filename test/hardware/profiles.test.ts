import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HardwareProfileError, parseProfileJson, profileToJson, resolveProfile, validateProfile } from '../../firmware-model/hardware/load.ts';
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
      const path = join(dir, `${name}.json`);
      writeFileSync(path, profileToJson(profile));
      expect(resolveProfile(path)).toEqual(profile);
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
});
