/**
 * Hardware profiles: what one primitive costs on a lock MCU (time, µs) and what the part draws
 * (current, µA). Data only: the firmware model counts the primitives it runs (meter.ts) and a
 * profile turns the counts into compute time and charge. Every constant cites its source and its
 * confidence, as collected in the research note mcu-costs.md (summarised in docs/HARDWARE.md):
 *   H = measured and published on this chip and configuration; M = published, but on a sibling
 *   chip or clock (scaled), or a bound; L = an estimate (reasoning given next to it).
 * No device was measured for this project: every figure is someone else's measurement or arithmetic.
 *
 * Integers only (µs, µA, ms): compute × current / 1000 = nC, the battery model's unit, exactly.
 */

/** The numbers of one profile; the JSON file form is the same object (see load.ts). */
export interface HardwareProfile {
  /** Lower-case id: [a-z0-9-], 1–40 characters. */
  name: string;
  description: string;
  /** CPU current while computing (crypto), µA. */
  activeMicroamps: number;
  /** Average idle current (sleep + advertising), µA. */
  idleMicroamps: number;
  /** Radio share of one phone visit (one accepted connection): average current over its duration. */
  connectionMicroamps: number;
  connectionMs: number;
  p256KeyGenMicroseconds: number;
  p256EcdhMicroseconds: number;
  /**
   * Checking a peer's P-256 point (decompression and the curve equation) that turns out invalid:
   * a lock stops there, before any scalar multiplication. A valid point's check is part of the ECDH figure.
   */
  p256PointCheckMicroseconds: number;
  ecdsaP256SignMicroseconds: number;
  ecdsaP256VerifyMicroseconds: number;
  ed25519KeyGenMicroseconds: number;
  ed25519SignMicroseconds: number;
  ed25519VerifyMicroseconds: number;
  /** One SHA-256 compression (64-byte block). */
  sha256BlockMicroseconds: number;
  /** Fixed cost per hash call (accelerator request set-up; 0 in software). */
  sha256CallMicroseconds: number;
  /** AES-256-GCM per 16-byte block (AES + GHASH). */
  aesGcmBlockMicroseconds: number;
  /** AES-256-GCM per call (key schedule, GHASH table). */
  aesGcmCallMicroseconds: number;
}

export const profileFields = [
  'activeMicroamps',
  'idleMicroamps',
  'connectionMicroamps',
  'connectionMs',
  'p256KeyGenMicroseconds',
  'p256EcdhMicroseconds',
  'p256PointCheckMicroseconds',
  'ecdsaP256SignMicroseconds',
  'ecdsaP256VerifyMicroseconds',
  'ed25519KeyGenMicroseconds',
  'ed25519SignMicroseconds',
  'ed25519VerifyMicroseconds',
  'sha256BlockMicroseconds',
  'sha256CallMicroseconds',
  'aesGcmBlockMicroseconds',
  'aesGcmCallMicroseconds',
] as const satisfies readonly (keyof HardwareProfile)[];

/**
 * Zero-cost compute: reproduces the figures from before profiles existed (lockComputeMs = 0) and
 * bills the battery exactly as firmware-model/battery.ts always did (20 µA idle, 3 mA × 600 ms per
 * visit, which then stood for radio and crypto together).
 */
export const ideal: HardwareProfile = {
  name: 'ideal',
  description: 'zero-time compute; battery figures of the original model (visit 3 mA × 600 ms includes crypto)',
  activeMicroamps: 0,
  idleMicroamps: 20, // battery.ts: nRF52-class sleep 2–3 µA + advertising 10–20 µA (Nordic online power profiler) — L
  connectionMicroamps: 3_000, // battery.ts visit figure — L
  connectionMs: 600,
  p256KeyGenMicroseconds: 0,
  p256EcdhMicroseconds: 0,
  p256PointCheckMicroseconds: 0,
  ecdsaP256SignMicroseconds: 0,
  ecdsaP256VerifyMicroseconds: 0,
  ed25519KeyGenMicroseconds: 0,
  ed25519SignMicroseconds: 0,
  ed25519VerifyMicroseconds: 0,
  sha256BlockMicroseconds: 0,
  sha256CallMicroseconds: 0,
  aesGcmBlockMicroseconds: 0,
  aesGcmCallMicroseconds: 0,
};

/** nRF52840 (Cortex-M4F @ 64 MHz), crypto in software with the best published Cortex-M4 code. */
export const nrf52840: HardwareProfile = {
  name: 'nrf52840',
  description: 'nRF52840 Cortex-M4F 64 MHz, software crypto (Emill P256-Cortex-M4; Ed25519 at wolfSSL ARMASM cycles)',
  activeMicroamps: 3_300, // Nordic nRF52840 PS, CPU running CoreMark from flash, DC/DC — H (crypto current itself not measured)
  idleMicroamps: 20, // battery.ts figure: System ON 3 µA (PS, H) + connectable advertising ≈10–20 µA (L)
  connectionMicroamps: 1_000, // L: mcu-costs.md §5, ≈40 events × 0.5 ms × 8 mA + 1.5 KB in 27-byte PDUs ≈ 0.4–0.6 mC per visit
  connectionMs: 600,
  p256KeyGenMicroseconds: 5_100, // Emill/P256-Cortex-M4 README (ecd3ec2, 2021-03), measured on nRF52840 — H
  p256EcdhMicroseconds: 14_200, // same, shared secret incl. point check — H
  p256PointCheckMicroseconds: 750, // same README, point decompression 0.75 ms (48k cycles) — H
  ecdsaP256SignMicroseconds: 5_900, // same — H
  ecdsaP256VerifyMicroseconds: 15_300, // same — H
  ed25519KeyGenMicroseconds: 20_100, // L: a fixed-base multiplication, taken as one sign
  ed25519SignMicroseconds: 20_100, // wolfSSL 5.6.4 ARMASM, STM32L4A6Z M4 @80 MHz 16.05 ms, cycles scaled to 64 MHz — M
  ed25519VerifyMicroseconds: 45_800, // same, 36.57 ms @80 MHz scaled — M
  sha256BlockMicroseconds: 55, // mbed TLS software SHA-256 1,158 KB/s on nRF52840 (mbed-os PR #6794, 2018) — H
  sha256CallMicroseconds: 0, // software: no set-up beyond the blocks — L
  aesGcmBlockMicroseconds: 70, // L: AES-256 ≈41 µs/block (from AES-128-CCM 274 KB/s, H) + 4-bit-table GHASH ≈25–30 µs
  aesGcmCallMicroseconds: 200, // L: key schedule + GHASH table
};

/** nRF52840 with its CryptoCell-310 doing P-256 and SHA-256 (AES-256 and Ed25519 stay in software). */
export const nrf52840Cc310: HardwareProfile = {
  name: 'nrf52840-cc310',
  description: 'nRF52840 with CryptoCell-310 (wolfSSL + nrf_cc310, nRF5 SDK 15.2) for P-256 and SHA-256; Ed25519 and AES-256 in software',
  activeMicroamps: 3_300, // CPU CoreMark figure (Nordic PS) — H; CC310 active current not found — L (bound 3.3–5 mA)
  idleMicroamps: 20, // as nrf52840 — L
  connectionMicroamps: 1_000, // as nrf52840 — L
  connectionMs: 600,
  p256KeyGenMicroseconds: 18_491, // wolfSSL IDE/CRYPTOCELL/README.md, PCA10056, wolfSSL 3.15.7 — H
  p256EcdhMicroseconds: 18_161, // same — H
  p256PointCheckMicroseconds: 750, // L: decompression in software, as nrf52840 (CC310 figure not found)
  ecdsaP256SignMicroseconds: 20_080, // same — H
  ecdsaP256VerifyMicroseconds: 21_417, // same — H
  ed25519KeyGenMicroseconds: 20_100, // software, as nrf52840 — L
  ed25519SignMicroseconds: 20_100, // software (CC310 Ed25519 timing not found), as nrf52840 — M
  ed25519VerifyMicroseconds: 45_800, // as nrf52840 — M
  sha256BlockMicroseconds: 3, // CC310 SHA-256 25.9 MB/s bulk ⇒ 2.5 µs/block (wolfSSL CRYPTOCELL README) — H
  sha256CallMicroseconds: 30, // L: per-request overhead not published
  aesGcmBlockMicroseconds: 70, // CC310 does AES-128 only (openthread PR #4267, H): AES-256 in software — L
  aesGcmCallMicroseconds: 200, // L
};

/** nRF54L15 (Cortex-M33 @ 128 MHz, CRACEN): every compute figure is an estimate. */
export const nrf54l15: HardwareProfile = {
  name: 'nrf54l15',
  description: 'nRF54L15 Cortex-M33 128 MHz: software P-256/Ed25519 at Cortex-M4 cycle counts, CRACEN SHA-256/AES',
  activeMicroamps: 2_600, // Nordic blog "Next-level nRF54L Series", CoreMark @128 MHz — H (vendor)
  idleMicroamps: 18, // L: System ON 2.9 µA (datasheet, H) + advertising, a little under nRF52840's radio currents
  connectionMicroamps: 700, // L: nrf52840 estimate scaled by radio currents (RX 3.4 / TX 4.8 mA datasheet, H)
  connectionMs: 600,
  p256KeyGenMicroseconds: 2_550, // L: Emill's 327k M4 cycles at 128 MHz (README lists nRF5340 M33 as tested)
  p256EcdhMicroseconds: 7_080, // L: 906k cycles at 128 MHz
  p256PointCheckMicroseconds: 375, // L: Emill's 48k decompression cycles at 128 MHz
  ecdsaP256SignMicroseconds: 2_930, // L: 375k cycles
  ecdsaP256VerifyMicroseconds: 7_630, // L: 976k cycles
  ed25519KeyGenMicroseconds: 10_000, // L: as sign
  ed25519SignMicroseconds: 10_000, // L: wolfSSL M4 cycles (≈1.28M) at 128 MHz
  ed25519VerifyMicroseconds: 22_900, // L: ≈2.93M cycles at 128 MHz
  sha256BlockMicroseconds: 3, // PebbleOS nrf_cracen notes: ≈330 cycles/block — M/L
  sha256CallMicroseconds: 6, // same: ≈800 cycles per request — M/L
  aesGcmBlockMicroseconds: 3, // L: CRACEN AES ≈160 cycles/block (PebbleOS notes, M/L) + GHASH
  aesGcmCallMicroseconds: 50, // L
};

/** ESP32-C3 (RISC-V @ 160 MHz; no ECC accelerator) with wolfSSL as published. */
export const esp32c3: HardwareProfile = {
  name: 'esp32c3',
  description: 'ESP32-C3 RISC-V 160 MHz, wolfSSL 5.6.3 SP RISC-V (no ECC hardware on the C3), HW SHA/AES',
  activeMicroamps: 25_000, // L: ESP-IDF modem-sleep 160 MHz min 20.5 mA (H) .. dev-board busy loop 26.8 mA (M)
  idleMicroamps: 34, // ESP-IDF low-power BLE docs, auto light-sleep with 32 kHz crystal ≈34 µA — M
  connectionMicroamps: 6_000, // L: XTAL on ≈3.3 mA (ESP-IDF, M) + radio 60–100 mA (L) × ≈0.5 ms per 15 ms event
  connectionMs: 600,
  p256KeyGenMicroseconds: 144_875, // gojimmypi/wolfssl ESP32C3-WOLFSSL_SP_MATH_ALL-WOLFSSL_SP_RISCV32-160MHz.md (2023-07) — H
  p256EcdhMicroseconds: 144_250, // same — H
  p256PointCheckMicroseconds: 7_600, // L: the nrf52840 decompression-to-ECDH ratio (0.75 / 14.2) applied to this ECDH
  ecdsaP256SignMicroseconds: 147_000, // same — H
  ecdsaP256VerifyMicroseconds: 279_750, // same — H
  ed25519KeyGenMicroseconds: 13_750, // same — H
  ed25519SignMicroseconds: 16_240, // same — H
  ed25519VerifyMicroseconds: 25_830, // same — H
  sha256BlockMicroseconds: 3, // wolfSSL ESP-IDF benchmark, HW SHA 20,275 KiB/s ⇒ ≈3.1 µs/block — M
  sha256CallMicroseconds: 20, // L: per-request overhead
  aesGcmBlockMicroseconds: 35, // HW AES + software GHASH 445 KiB/s (wolfSSL benchmark log) — M
  aesGcmCallMicroseconds: 20, // L
};

/**
 * The phone (WebCrypto / Android Keystore-free software keys on a 2020s application processor).
 * Assumed, not measured here: native P-256 and Ed25519 run in tens to hundreds of µs on a phone
 * SoC (OpenSSL/BoringSSL speed on ARMv8 cores: ≈20–60k ECDSA verifies/s single core), so every
 * figure below is an estimate (L) rounded up for WebCrypto's promise and JS overhead.
 */
export const phone: HardwareProfile = {
  name: 'phone',
  description: 'smartphone application processor through WebCrypto or a native library (all figures L, rounded up)',
  activeMicroamps: 300_000, // L: a big core awake, ≈300 mA at the battery
  idleMicroamps: 0, // not billed: the phone's battery is not modelled
  connectionMicroamps: 0,
  connectionMs: 0,
  p256KeyGenMicroseconds: 300, // L
  p256EcdhMicroseconds: 300, // L
  p256PointCheckMicroseconds: 20, // L
  ecdsaP256SignMicroseconds: 300, // L
  ecdsaP256VerifyMicroseconds: 400, // L
  ed25519KeyGenMicroseconds: 200, // L
  ed25519SignMicroseconds: 200, // L
  ed25519VerifyMicroseconds: 400, // L
  sha256BlockMicroseconds: 1, // L: ARMv8 SHA extensions, >1 GB/s
  sha256CallMicroseconds: 10, // L: call overhead
  aesGcmBlockMicroseconds: 1, // L: ARMv8 AES + PMULL
  aesGcmCallMicroseconds: 20, // L
};

/** Built-in profiles by name. */
export const hardwareProfiles: Readonly<Record<string, HardwareProfile>> = Object.freeze({
  ideal,
  nrf52840,
  'nrf52840-cc310': nrf52840Cc310,
  nrf54l15,
  esp32c3,
  phone,
});

/** The lock profiles a bench reports (the phone profile is for the phone side). */
export const lockProfileNames = ['ideal', 'nrf52840', 'nrf52840-cc310', 'nrf54l15', 'esp32c3'] as const;
