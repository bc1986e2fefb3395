import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileToJson } from '../../firmware-model/hardware/load.ts';
import { esp32c3, nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { parseScenario } from '../../src/harness/scenario/schema.ts';
import { runScenario } from '../../src/harness/scenario/runner.ts';
import { VirtualBackend } from '../../src/harness/scenario/virtual-backend.ts';
import { nodeCrypto } from '../helpers/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-scn-hw-'));
writeFileSync(join(dir, 'board.json'), profileToJson({ ...esp32c3, name: 'our-board' }));
writeFileSync(join(dir, 'bad.json'), profileToJson(nrf52840).replace('"p256EcdhMicroseconds": 14200', '"p256EcdhMicroseconds": -5'));

const text = (top: string, door: string) => `name: hw
${top}
doors:
  - { id: a, position: [0, 0]${door} }
  - { id: b, position: [30, 0] }
phones:
  - { id: p, position: [0, 1] }
steps:
  - grant: { phone: p, doors: [a] }
  - unlock: { phone: p, door: a, expect: unlocked }
`;

describe('scenario hardware', () => {
  it('a scenario sets the profile at the top and per door (a file relative to the scenario)', async () => {
    const scenario = parseScenario(join(dir, 's.yaml'), text('hardware: nrf52840', ', hardware: board.json'));
    expect(scenario.hardware?.name).toBe('nrf52840');
    expect(scenario.doors[0]!.hardware?.name).toBe('our-board');
    const backend = new VirtualBackend(scenario, { seed: 1, crypto: nodeCrypto });
    expect(backend.world.locks.get('a')!.lock.hardware.name).toBe('our-board');
    expect(backend.world.locks.get('b')!.lock.hardware.name).toBe('nrf52840');
    const result = await runScenario(scenario, { seed: 1, crypto: nodeCrypto });
    expect(result.passed).toBe(true);
  });

  it('the run\'s --hardware applies where the scenario names none', () => {
    const scenario = parseScenario(join(dir, 's.yaml'), text('', ''));
    const backend = new VirtualBackend(scenario, { seed: 1, crypto: nodeCrypto, hardware: esp32c3 });
    expect(backend.world.locks.get('a')!.lock.hardware.name).toBe('esp32c3');
  });

  it('a bad profile is an error on its line naming the field', () => {
    expect(() => parseScenario(join(dir, 's.yaml'), text('', ', hardware: bad.json'))).toThrow(/s\.yaml:4: doors\[0\]\.hardware: hardware_profile_invalid: p256EcdhMicroseconds/);
    expect(() => parseScenario(join(dir, 's.yaml'), text('hardware: z80', ''))).toThrow(/s\.yaml:2: hardware: hardware_profile_unknown/);
  });
});
