/**
 * The phone side's view of a BLE radio. The virtual radio, noble (over the virtual HCI controller
 * or a real adapter) and Web Bluetooth all implement it, so the unlock client runs unchanged on
 * each. Only Read and Write are required (no notifications).
 */
import type { ErrorCode } from '../protocol/errors.ts';
import type { CharacteristicName } from '../protocol/gatt.ts';

export type { CharacteristicName };

export interface Advertisement {
  deviceId: string;
  lockId: Uint8Array;
  rssiDbm: number;
  /** The lock's current challenge, when it uses extended advertising (native phones only). */
  challenge?: Uint8Array;
  /** The lock's advertised resume nonce (form 4, 18 bytes; docs/PROTOCOL.md §7.4), when it runs the 1-round-trip repeat unlock. */
  resumeNonce?: Uint8Array;
}

export interface LinkStats {
  /** ATT requests that waited for a response (Read, Read Blob, Write Request, MTU exchange). */
  roundTrips: number;
  /** ATT PDUs sent without a response (Write Command chunks). */
  commands: number;
  /** Link-layer bytes on air both ways, headers and empty packets included. */
  bytesOnAir: number;
  /** Link-layer packets both ways. */
  packets: number;
}

export interface GattConnection {
  readonly deviceId: string;
  readonly mtu: number;
  /** Reads a whole value (issuing Read Blob requests while the response is full). */
  read(characteristic: CharacteristicName): Promise<Uint8Array>;
  /** Write Request (waits; rejects with AttError on an error response) or Write Command (no wait). */
  write(characteristic: CharacteristicName, data: Uint8Array, withResponse: boolean): Promise<void>;
  disconnect(): Promise<void>;
  stats(): LinkStats;
}

export interface Transport {
  /** Current time in ms since the Unix epoch (virtual for the simulator). */
  now(): number;
  scan(durationMs: number): Promise<Advertisement[]>;
  connect(deviceId: string, options: { mtu: number; timeoutMs: number }): Promise<GattConnection>;
}

/** An ATT Error Response (Core v5.4 Vol 3 Part F §3.4.1.1). */
export class AttError extends Error {
  readonly attError: number;
  constructor(attError: number) {
    super(`ATT error 0x${attError.toString(16).padStart(2, '0')}`);
    this.name = 'AttError';
    this.attError = attError;
  }
}

/** A transport-level failure with a code from the shared table. */
export class TransportError extends Error {
  readonly code: ErrorCode;
  constructor(code: Extract<ErrorCode, `transport_${string}` | 'lock_not_found' | 'lock_busy'>, message?: string) {
    super(message ?? code);
    this.name = 'TransportError';
    this.code = code;
  }
}
