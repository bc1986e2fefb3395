/**
 * The contract between a peripheral worker and the module that supplies its GATT behaviour.
 *
 * Why: the bleno worker is generic; what a peripheral *does* (a latchkey lock, a test echo
 * device) lives in a module named by path, exporting `createPeripheral(context)`. That module
 * sees plain bytes and ATT result codes, never bleno objects, so the lock model can be plugged
 * in without knowing about bleno, and tested without it.
 */

/** ATT error codes a handler may answer with — Core v5.3, Vol 3, Part F, §3.4.1.1. */
export const AttErrorCode = {
  ReadNotPermitted: 0x02,
  WriteNotPermitted: 0x03,
  InvalidPdu: 0x04,
  InvalidOffset: 0x07,
  AttributeNotLong: 0x0b,
  InvalidAttributeValueLength: 0x0d,
  UnlikelyError: 0x0e,
  /** First application error code (0x80–0x9F are defined by the profile): latchkey's "refused". */
  ApplicationError: 0x80,
} as const;
export type AttErrorCode = (typeof AttErrorCode)[keyof typeof AttErrorCode];

export type ReadResult = { readonly ok: true; readonly value: Uint8Array } | { readonly ok: false; readonly attErrorCode: AttErrorCode };
export type WriteResult = { readonly ok: true } | { readonly ok: false; readonly attErrorCode: AttErrorCode };

export type CharacteristicProperty = 'read' | 'write' | 'writeWithoutResponse';

export interface WriteRequest {
  readonly peerAddress: string | null;
  readonly value: Uint8Array;
  readonly offset: number;
  readonly withoutResponse: boolean;
}

export interface CharacteristicDefinition {
  /** 128-bit UUID, with or without dashes. */
  readonly uuid: string;
  readonly properties: readonly CharacteristicProperty[];
  /** Called for a Read Request; Read Blob continuations are served from the value it returned. */
  readonly onRead?: (request: { readonly peerAddress: string | null }) => ReadResult | Promise<ReadResult>;
  /** Called for Write Request and Write Command; the ATT response waits for the promise. */
  readonly onWrite?: (request: WriteRequest) => WriteResult | Promise<WriteResult>;
}

export interface PeripheralDefinition {
  /** Complete Local Name, sent in the scan response (≤ 29 octets). */
  readonly localName: string;
  /** The primary service, advertised in the advertising data. */
  readonly serviceUuid: string;
  /**
   * Manufacturer Specific Data (AD type 0xFF, Core Supplement Part A §1.4): company id
   * (little-endian) then data. Sent in the scan response next to the local name, so the two
   * together must fit 31 octets: 2 + name + 2 + this ≤ 31.
   */
  readonly manufacturerData?: Uint8Array;
  readonly characteristics: readonly CharacteristicDefinition[];
  readonly onConnect?: (peerAddress: string) => void;
  readonly onDisconnect?: (peerAddress: string) => void;
  readonly onMtuChange?: (mtu: number) => void;
}

export interface PeripheralContext {
  /** The label the spawner gave this peripheral. */
  readonly label: string;
  /** Structured-clone data the spawner passed through (the `options` of spawnPeripheral). */
  readonly options: unknown;
  /** Posts a message to the spawner ('report' event of the PeripheralHandle). */
  report(message: unknown): void;
  /** Receives what the spawner sends with PeripheralHandle.control (structured clone), in order. */
  onControl(listener: (message: unknown) => void): void;
}

/** What a handler module must export. */
export type CreatePeripheral = (context: PeripheralContext) => PeripheralDefinition | Promise<PeripheralDefinition>;

/** Messages from the worker to the spawner. */
export type PeripheralWorkerMessage =
  | { readonly type: 'ready'; readonly address: string }
  | { readonly type: 'accept'; readonly peerAddress: string }
  | { readonly type: 'disconnect'; readonly peerAddress: string }
  | { readonly type: 'mtu'; readonly mtu: number }
  | { readonly type: 'report'; readonly message: unknown }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stopped' };

/** Messages from the spawner to the worker. */
export type PeripheralControlMessage = { readonly type: 'stop' } | { readonly type: 'control'; readonly message: unknown };
