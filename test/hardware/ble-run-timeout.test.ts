/**
 * `ble run` gives its phones the timeout World phones get for the locks' hardware profile
 * (firmware-model/hardware/phone-timeout.ts), not a flat 3 s: an esp32c3 lock's worst case is
 * longer than that margin alone would allow for.
 */
import { describe, expect, it } from 'vitest';
import { phoneTimeoutMs } from '../../firmware-model/hardware/phone-timeout.ts';
import { esp32c3, ideal, nrf52840 } from '../../firmware-model/hardware/profiles.ts';
import { bleRunTimeoutMs } from '../../src/ble/run.ts';

describe('ble run phone timeout', () => {
  it('follows the profile; ideal keeps 3 s; an explicit --timeout wins', () => {
    expect(bleRunTimeoutMs({})).toBe(3000);
    expect(bleRunTimeoutMs({ hardware: ideal })).toBe(3000);
    expect(bleRunTimeoutMs({ hardware: nrf52840 })).toBe(phoneTimeoutMs(nrf52840));
    expect(bleRunTimeoutMs({ hardware: esp32c3 })).toBe(phoneTimeoutMs(esp32c3));
    expect(phoneTimeoutMs(esp32c3)).toBeGreaterThan(3000);
    expect(bleRunTimeoutMs({ hardware: esp32c3, timeoutMs: 1234 })).toBe(1234);
  });
});
