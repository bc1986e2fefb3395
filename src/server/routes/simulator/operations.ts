/**
 * The operations a simulator socket may ask for (src/server/routes/simulator.ts): `{ id, op, ...input }`
 * → `{ id, ok, ...answer }`. Input is checked here (bad input → 400-style ApiError, the socket stays
 * open); radio work goes through the RadioScheduler.
 */
import { characteristicUuids } from '../../../protocol/gatt.ts';
import { TransportError, type CharacteristicName, type GattConnection } from '../../../radio/transport.ts';
import type { ServerContext } from '../../context.ts';
import { invalidInput, notFound } from '../../http/errors.ts';
import type { VirtualProperty } from '../../virtual-property.ts';
import type { RadioScheduler } from './radio-scheduler.ts';
import type { SimSession } from './tokens.ts';

/** One open socket (a page): its own links on the radio, so closing it ends exactly those. */
export interface SimClient {
  session: SimSession;
  connections: Map<number, GattConnection>;
  closed: boolean;
  inFlight: number;
}

export type SimOperation = (client: SimClient, input: Record<string, unknown>) => Promise<object> | object;

/** Where a phone that stands at no door is: out of range of every lock. */
export const away = { xM: -1_000, yM: 1_000 };
const maxScanMs = 5_000;

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function integer(input: Record<string, unknown>, name: string, min: number, max: number): number {
  const value = input[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw invalidInput(`${name} must be an integer in [${min}, ${max}]`, [{ path: name, message: 'invalid' }]);
  return value;
}

function characteristicOf(input: Record<string, unknown>): CharacteristicName {
  const value = input.characteristic;
  if (typeof value !== 'string' || !Object.hasOwn(characteristicUuids, value)) throw invalidInput(`characteristic must be one of ${Object.keys(characteristicUuids).join(', ')}`, [{ path: 'characteristic', message: 'invalid' }]);
  return value as CharacteristicName;
}

function connectionOf(client: SimClient, input: Record<string, unknown>): GattConnection | undefined {
  return client.connections.get(integer(input, 'connection_id', 1, Number.MAX_SAFE_INTEGER));
}

const disconnected = { failure: { transport: 'transport_disconnected' }, virtual_ms: 0 };

export function simulatorOperations(context: ServerContext, property: VirtualProperty, scheduler: RadioScheduler): Record<string, SimOperation> {
  const radio = property.radio;
  let nextConnection = 1;
  /** The workspace's virtual doors, by name. */
  const doorsOf = async (workspaceId: string) => {
    const doors = [];
    for (const door of property.doors.values()) if ((await context.repo.directory.getEntrance(workspaceId, door.acsEntranceId)) !== undefined) doors.push(door);
    return doors.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  };

  return {
    session: async ({ session }) => ({ doors: (await doorsOf(session.workspaceId)).map((door) => ({ device_id: door.deviceId, name: door.name })), standing: session.standing ?? null }),
    async stand({ session }, input) {
      const deviceId = input.device_id;
      if (deviceId === null) {
        session.standing = undefined;
        radio.placePhone(session.phoneId, away);
      } else {
        const door = (await doorsOf(session.workspaceId)).find((d) => d.deviceId === deviceId);
        if (door === undefined) throw notFound('virtual door');
        const touch = input.touch;
        if (touch !== undefined && typeof touch !== 'boolean') throw invalidInput('touch must be a boolean', [{ path: 'touch', message: 'invalid' }]);
        session.standing = door.deviceId;
        // Standing at the door (half a metre away), or with the phone held to the lock (a tap: src/phone/tap.ts).
        radio.placePhone(session.phoneId, touch === true ? door.position : radio.lockPosition(door.deviceId));
      }
      return { standing: session.standing ?? null };
    },
    async scan({ session }, input) {
      const durationMs = integer(input, 'duration_ms', 1, maxScanMs);
      const visible = new Set((await doorsOf(session.workspaceId)).map((door) => door.deviceId));
      return scheduler.call(async () => {
        const adverts = await radio.runUntil(radio.transportFor(session.phoneId).scan(durationMs));
        return { advertisements: adverts.filter((a) => visible.has(a.deviceId)).map((a) => ({ device_id: a.deviceId, lock_id: b64url(a.lockId), rssi_dbm: a.rssiDbm })) };
      });
    },
    async connect(client, input) {
      const { session } = client;
      const deviceId = input.device_id;
      if (typeof deviceId !== 'string' || !(await doorsOf(session.workspaceId)).some((door) => door.deviceId === deviceId)) throw notFound('virtual door');
      const mtu = integer(input, 'mtu', 23, 517);
      const timeoutMs = integer(input, 'timeout_ms', 1, 30_000);
      return scheduler.call(async () => {
        const connection = await radio.runUntil(radio.transportFor(session.phoneId).connect(deviceId, { mtu, timeoutMs }));
        if (client.closed) {
          // The page went away while connecting: nobody will use or close this link.
          await radio.runUntil(connection.disconnect());
          throw new TransportError('transport_disconnected', 'the simulator socket closed');
        }
        const id = nextConnection++;
        client.connections.set(id, connection);
        return { connection_id: id, mtu: connection.mtu };
      });
    },
    read(client, input) {
      const connection = connectionOf(client, input);
      const characteristic = characteristicOf(input);
      if (connection === undefined) return disconnected;
      return scheduler.call(async () => ({ value: b64url(await radio.runUntil(connection.read(characteristic))) }));
    },
    write(client, input) {
      const connection = connectionOf(client, input);
      const characteristic = characteristicOf(input);
      if (typeof input.value !== 'string' || input.value.length > 2_000 || !/^[A-Za-z0-9_-]*$/.test(input.value) || typeof input.with_response !== 'boolean') {
        throw invalidInput('value (base64url, ≤ 2000 characters) and with_response (boolean) are required');
      }
      const value = new Uint8Array(Buffer.from(input.value, 'base64url'));
      const withResponse = input.with_response;
      if (connection === undefined) return disconnected;
      return scheduler.call(async () => {
        await radio.runUntil(connection.write(characteristic, value, withResponse));
        return {};
      });
    },
    disconnect(client, input) {
      const id = integer(input, 'connection_id', 1, Number.MAX_SAFE_INTEGER);
      const connection = client.connections.get(id);
      client.connections.delete(id);
      if (connection === undefined) return {};
      return scheduler.call(async () => {
        await radio.runUntil(connection.disconnect());
        return {};
      });
    },
  };
}
