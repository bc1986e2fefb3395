/**
 * The HCI events the virtual controller emits, declared as in the Core spec tables.
 *
 * Why: like commands.ts, one declarative table drives both the encoder used by the controller
 * and the decoder used by tests and captures. LE Meta events carry their Subevent_Code as the
 * first parameter octet; the table keeps it out of the field list and the codec adds it.
 *
 * Simplification (allowed by the spec): the controller sends one report per
 * HCI_LE_Advertising_Report and one handle per HCI_Number_Of_Completed_Packets, so those events
 * are declared with Num_Reports / Num_Handles followed by a single entry.
 * Sections: Core v5.3, Vol 4, Part E.
 */
import { defineStruct } from './fields.ts';
import type { DecodeResult, FieldSpec, Struct, StructValue } from './fields.ts';
import { EventCode, LeSubeventCode } from './constants.ts';

export interface EventDefinition<P extends readonly FieldSpec[]> {
  readonly name: string;
  readonly eventCode: number;
  /** Present for LE Meta events (§7.7.65). */
  readonly subeventCode: number | null;
  readonly section: string;
  readonly parameters: Struct<P>;
}

export type AnyEventDefinition = EventDefinition<any>;

function event<const P extends readonly FieldSpec[]>(
  name: string,
  eventCode: number,
  subeventCode: number | null,
  section: string,
  parameters: P,
): EventDefinition<P> {
  return Object.freeze({ name, eventCode, subeventCode, section, parameters: defineStruct(parameters) });
}

const { LeMeta } = EventCode;

export const events = {
  HCI_Disconnection_Complete: event('HCI_Disconnection_Complete', EventCode.DisconnectionComplete, null, '7.7.5', [
    ['Status', 'u8'],
    ['Connection_Handle', 'u16'],
    ['Reason', 'u8'],
  ]),
  HCI_Command_Complete: event('HCI_Command_Complete', EventCode.CommandComplete, null, '7.7.14', [
    ['Num_HCI_Command_Packets', 'u8'],
    ['Command_Opcode', 'u16'],
    ['Return_Parameters', 'rest'],
  ]),
  HCI_Command_Status: event('HCI_Command_Status', EventCode.CommandStatus, null, '7.7.15', [
    ['Status', 'u8'],
    ['Num_HCI_Command_Packets', 'u8'],
    ['Command_Opcode', 'u16'],
  ]),
  HCI_Number_Of_Completed_Packets: event('HCI_Number_Of_Completed_Packets', EventCode.NumberOfCompletedPackets, null, '7.7.19', [
    ['Num_Handles', 'u8'],
    ['Connection_Handle', 'u16'],
    ['Num_Completed_Packets', 'u16'],
  ]),
  HCI_LE_Connection_Complete: event('HCI_LE_Connection_Complete', LeMeta, LeSubeventCode.LeConnectionComplete, '7.7.65.1', [
    ['Status', 'u8'],
    ['Connection_Handle', 'u16'],
    ['Role', 'u8'],
    ['Peer_Address_Type', 'u8'],
    ['Peer_Address', 'bdAddr'],
    ['Connection_Interval', 'u16'],
    ['Peripheral_Latency', 'u16'],
    ['Supervision_Timeout', 'u16'],
    ['Central_Clock_Accuracy', 'u8'],
  ]),
  HCI_LE_Advertising_Report: event('HCI_LE_Advertising_Report', LeMeta, LeSubeventCode.LeAdvertisingReport, '7.7.65.2', [
    ['Num_Reports', 'u8'],
    ['Event_Type', 'u8'],
    ['Address_Type', 'u8'],
    ['Address', 'bdAddr'],
    ['Data_Length', 'u8'],
    ['Data', 'len:Data_Length'],
    ['RSSI', 'i8'],
  ]),
  HCI_LE_Connection_Update_Complete: event('HCI_LE_Connection_Update_Complete', LeMeta, LeSubeventCode.LeConnectionUpdateComplete, '7.7.65.3', [
    ['Status', 'u8'],
    ['Connection_Handle', 'u16'],
    ['Connection_Interval', 'u16'],
    ['Peripheral_Latency', 'u16'],
    ['Supervision_Timeout', 'u16'],
  ]),
} as const;

export type EventName = keyof typeof events;

export type EventParameters<N extends EventName> =
  (typeof events)[N] extends EventDefinition<infer P> ? StructValue<P> : never;

const byCode = new Map<string, AnyEventDefinition>();
for (const definition of Object.values(events) as AnyEventDefinition[]) {
  const key = `${definition.eventCode}/${definition.subeventCode ?? '-'}`;
  if (byCode.has(key)) throw new Error(`duplicate event code ${key}`);
  byCode.set(key, definition);
}

/** Encodes an event's parameters (Subevent_Code included for LE Meta events), without header. */
export function encodeEventParameters<N extends EventName>(name: N, parameters: EventParameters<N>): Uint8Array {
  const definition: AnyEventDefinition = events[name];
  const body = definition.parameters.encode(parameters);
  if (definition.subeventCode === null) return body;
  const withSubevent = new Uint8Array(body.length + 1);
  withSubevent[0] = definition.subeventCode;
  withSubevent.set(body, 1);
  return withSubevent;
}

export interface DecodedEvent {
  readonly definition: AnyEventDefinition;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Decodes event parameters; `unknown_event` for codes this table does not declare. */
export function decodeEventParameters(
  eventCode: number,
  parameters: Uint8Array,
): DecodeResult<DecodedEvent> | { readonly ok: false; readonly code: 'unknown_event'; readonly detail: string } {
  const subeventCode = eventCode === LeMeta ? parameters[0] : undefined;
  const definition = byCode.get(`${eventCode}/${subeventCode ?? '-'}`);
  if (definition === undefined) {
    return { ok: false, code: 'unknown_event', detail: `event 0x${eventCode.toString(16)} subevent ${String(subeventCode)}` };
  }
  const body = definition.subeventCode === null ? parameters : parameters.subarray(1);
  const decoded = definition.parameters.decode(body);
  if (!decoded.ok) return decoded;
  return { ok: true, value: { definition, parameters: decoded.value as Record<string, unknown> } };
}
