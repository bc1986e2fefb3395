/** One flat options object for the virtual radio (TigerBeetle packet-simulator style). */

export interface RadioOptions {
  seed: number;
  /** Virtual time starts here (ms since the Unix epoch). */
  epochMs: number;
  connIntervalMs: number;
  /** LL data packets each side may send in one connection event. */
  packetsPerEventMax: number;
  /** LL data payload: 27 bytes (BLE 4.0/4.1) or up to 251 with Data Length Extension. */
  llPayloadBytesMax: number;
  /** Largest ATT MTU the lock side accepts. */
  lockMtuMax: number;
  advIntervalMs: number;
  /** Probability that one LL packet is lost, as an integer ratio. */
  lossNumerator: number;
  lossDenominator: number;
  /** Added before every lock response (e.g. a relay in the path). */
  extraLatencyMs: number;
  supervisionTimeoutMs: number;
  /** RSSI model: rssi = rssiAt1mDbm − 10·n·log10(d) ± noise; n = pathLossExponentTenths / 10. */
  rssiAt1mDbm: number;
  pathLossExponentTenths: number;
  rssiNoiseDb: number;
  sensitivityDbm: number;
  /** Virtual compute time the lock spends per handled request (0 = instant; see docs). */
  lockComputeMs: number;
  /**
   * A central that receives a response may send its next request in the same connection event
   * (MD bit), so a round trip costs one interval; false = every request waits for the next event
   * (the conservative model: two intervals per sequential round trip).
   */
  centralContinuesEvent: boolean;
  /** Keep a full text trace (for determinism tests and --trace); a hash is always kept. */
  trace: boolean;
  /**
   * Optional RSSI model (the corridor model: src/radio/rf/rssi-model.ts). Absent (the default), the
   * formula above with its noise applies and traces are unchanged; present, it gives every RSSI
   * (scans per advertising event, the range check on connect) and the radio's range.
   */
  rssiModel?: RssiModel;
}

export interface RssiModel {
  /** RSSI (dBm) of one advertisement `deviceId` sends at `timeMs`, as phone `phoneId` reports it; undefined when not heard. */
  sampleDbm(phoneId: string, deviceId: string, phone: { xM: number; yM: number }, lock: { xM: number; yM: number }, timeMs: number): number | undefined;
  /** Beyond this distance (m) nothing is heard (sizes the radio's spatial index). */
  readonly rangeM: number;
}

export const radioDefaults: RadioOptions = {
  seed: 1,
  epochMs: Date.UTC(2026, 10, 23, 12, 0, 0),
  connIntervalMs: 15,
  packetsPerEventMax: 6,
  llPayloadBytesMax: 251,
  lockMtuMax: 517,
  advIntervalMs: 100,
  lossNumerator: 0,
  lossDenominator: 1000,
  extraLatencyMs: 0,
  supervisionTimeoutMs: 2000,
  rssiAt1mDbm: -59,
  pathLossExponentTenths: 25,
  rssiNoiseDb: 2,
  sensitivityDbm: -90,
  lockComputeMs: 0,
  centralContinuesEvent: true,
  trace: false,
};
