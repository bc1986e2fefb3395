/**
 * `latchkey phone list|unlock`: a real phone made of the SDK (`latchkey/phone`, src/sdk) for
 * hardware-in-the-loop and for trying a server: it logs in with a client-session token, syncs, and
 * lists or unlocks doors. The radio is the server's virtual air (`--sim TOKEN`: the simulator
 * socket of `latchkey up`, standing `--at` a door) or a BLE controller through noble (`--hci SPEC`:
 * hciN, usb:…, tcp:HOST:PORT, serial:…; docs/HIL.md; default hci0). The phone's holder key and
 * keys persist in `--store FILE` (default ~/.latchkey/phones/<endpoint+token hash>.json), so a
 * second run is the same phone.
 *
 * Exit codes (context.ts): 0 listed / unlocked; 1 the door did not open (refused, out of range,
 * ambiguous tap); 2 usage; 3 no adapter or controller, server unreachable, crash; 4 the server
 * refused the token or this phone (401, phone removed); 5 no doors on this key.
 */
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createPhone, FileCredentialStore, PhoneError, simulatorTransport, type Phone, type UnlockResult } from '../sdk/node.ts';
import type { Entrance } from '../sdk/bundle.ts';
import type { Transport } from '../radio/transport.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export const phoneFlags = ['endpoint', 'token', 'door', 'tap', 'hci', 'sim', 'at', 'store', 'timeout-ms', 'json', 'log-level'] as const;
export const phoneBooleanFlags = ['tap'] as const;

const phoneUsage = 'usage: latchkey phone list|unlock --endpoint URL --token CLIENT_SESSION_TOKEN [--door NAME | --tap] [--sim SIM_TOKEN [--at DOOR] | --hci SPEC] [--store FILE] [--timeout-ms N] [--json]';

interface Radio {
  transport: Transport;
  describe: string;
  close(): Promise<void>;
}

/** The radio the phone uses; any failure to get one is `transport_unsupported` (no adapter). */
async function openRadio(args: ParsedArgs, context: CommandContext, endpoint: string): Promise<Radio> {
  const sim = args.flags.get('sim');
  if (sim !== undefined) {
    if (sim === true) throw new UsageError('--sim needs the simulator token (GET /sim/links, or the dashboard)');
    const transport = await simulatorTransport({ endpoint, simulatorToken: sim, WebSocket: WebSocket as never });
    const at = args.flags.get('at');
    if (at === true) throw new UsageError('--at needs a door name');
    if (at !== undefined) await transport.stand(at, { touch: args.flags.has('tap') }); // a tap holds the phone to the lock
    return { transport, describe: `virtual air of ${endpoint}${at ? ` at ${at}` : ''}`, close: async () => transport.close() };
  }
  if (args.flags.has('at')) throw new UsageError('--at needs --sim (a place on the virtual air)');
  const spec = stringFlag(args, 'hci', 'hci0');
  try {
    // Loaded only here: noble and the HCI host are the heavy, native-capable part.
    const { parseHciTransportSpec, startVirtualBle, waitForPoweredOn } = await import('../hci/index.ts');
    const { NobleTransport } = await import('../ble/noble-transport.ts');
    let parsed;
    try {
      parsed = parseHciTransportSpec(spec);
    } catch (error) {
      throw new UsageError(`--hci: ${(error as Error).message}`);
    }
    const ble = startVirtualBle({ phoneController: parsed, lockController: parsed });
    try {
      const central = ble.createCentral('phone', parsed);
      const transport = new NobleTransport({ central });
      await ble.hostsReady();
      await waitForPoweredOn(transport.noble, 5_000);
      return { transport, describe: `noble on ${spec}`, close: async () => (transport.close(), await ble.close()) };
    } catch (error) {
      await ble.close().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    context.log.debug({ err: error }, 'no BLE adapter');
    throw new PhoneError('transport_unsupported', `no Bluetooth adapter on --hci ${spec}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function entranceJson(entrance: Entrance) {
  return {
    acs_entrance_id: entrance.entranceId,
    display_name: entrance.displayName,
    is_shared: entrance.isShared,
    starts_at: entrance.notBeforeS === undefined ? null : new Date(entrance.notBeforeS * 1000).toISOString(),
    ends_at: entrance.expiresAtS === undefined ? null : new Date(entrance.expiresAtS * 1000).toISOString(),
  };
}

function exitOf(code: string): number {
  if (code === 'unauthorized' || code === 'device_not_found' || code === 'client_session_not_found') return exitCodes.denied;
  if (code === 'phone_no_entrances') return exitCodes.noDoors;
  if (code === 'invalid_input' || code === 'acs_entrance_not_found') return exitCodes.usage;
  return exitCodes.crash; // transport_unsupported, network_unavailable, storage_corrupt
}

export async function phoneCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [sub, ...rest] = args.positionals;
  if ((sub !== 'list' && sub !== 'unlock') || rest.length > 0) throw new UsageError(phoneUsage);
  rejectUnknownFlags(args, phoneFlags);
  const endpoint = stringFlag(args, 'endpoint', '');
  const token = stringFlag(args, 'token', '');
  if (endpoint === '' || token === '') throw new UsageError(`--endpoint and --token are required\n${phoneUsage}`);
  if (!/^https?:\/\/[^/]/i.test(endpoint)) throw new UsageError('--endpoint must be an http(s) URL');
  const json = args.flags.has('json');
  const door = args.flags.get('door');
  const tap = args.flags.has('tap');
  if (sub === 'unlock' && (door === undefined) === !tap) throw new UsageError('phone unlock needs exactly one of --door NAME or --tap');
  if (door === true) throw new UsageError('--door needs a door name');
  if (sub === 'list' && (door !== undefined || tap)) throw new UsageError('--door and --tap are for phone unlock');
  const timeoutMs = intFlag(args, 'timeout-ms', 5_000, 100, 60_000);
  const storePath = stringFlag(args, 'store', join(homedir(), '.latchkey', 'phones', `${createHash('sha256').update(`${endpoint}\n${token}`).digest('hex').slice(0, 16)}.json`));
  const fail = (error: PhoneError): number => {
    context.log.error({ code: error.code, status: error.status }, error.message);
    if (json) context.out(JSON.stringify({ ok: false, error: { code: error.code, message: error.message, ...(error.status !== undefined ? { status: error.status } : {}) } }));
    else process.stderr.write(`latchkey phone: ${error.message}\n`);
    return exitOf(error.code);
  };

  let radio: Radio | undefined;
  try {
    // `list` needs no radio: a stub transport that hears nothing.
    const transport: Transport = sub === 'list' ? { now: Date.now, scan: async () => [], connect: async () => Promise.reject(new PhoneError('transport_unsupported')) } : (radio = await openRadio(args, context, endpoint)).transport;
    const phone: Phone = createPhone({ endpoint, clientSessionToken: token, store: new FileCredentialStore(storePath), transport, deviceName: 'latchkey phone (CLI)' });
    phone.on('change', (state) => context.log.debug({ status: state.status }, 'phone state'));
    const entrances = await phone.sync();
    context.log.info({ deviceId: phone.state.deviceId, entrances: entrances.length, store: storePath }, 'synced');
    if (sub === 'list') {
      if (json) context.out(JSON.stringify({ ok: true, device_id: phone.state.deviceId, entrances: entrances.map(entranceJson) }));
      else context.out(entrances.length === 0 ? 'No doors on this key (access may not have started).' : entrances.map((e) => `${e.displayName}${e.isShared ? ' (shared)' : ''}  ${e.entranceId}`).join('\n'));
      return entrances.length === 0 ? exitCodes.noDoors : exitCodes.ok;
    }
    if (entrances.length === 0) throw new PhoneError('phone_no_entrances');
    let result: UnlockResult;
    if (tap) {
      result = await phone.unlockWithTap({ timeoutMs });
    } else {
      const wanted = String(door).toLowerCase();
      const entrance = entrances.find((e) => e.displayName.toLowerCase() === wanted || e.entranceId === wanted);
      if (entrance === undefined) throw new PhoneError('acs_entrance_not_found', `no door named ${JSON.stringify(door)} on this key; it has: ${entrances.map((e) => e.displayName).join(', ')}`);
      result = await phone.unlock(entrance.entranceId, { timeoutMs });
    }
    const name = (id: string | undefined) => entrances.find((e) => e.entranceId === id)?.displayName;
    const report = {
      ok: result.outcome === 'unlocked',
      outcome: result.outcome,
      code: result.code ?? null,
      acs_entrance_id: result.entranceId ?? null,
      display_name: name(result.entranceId) ?? null,
      ...(result.outcome === 'ambiguous' ? { ambiguous_between: result.entranceIds.map((id) => name(id) ?? id) } : {}),
      ...(result.detail ? { path: result.detail.path, round_trips: result.detail.roundTripsTotal, authenticated: result.detail.authenticated } : {}),
      radio: radio!.describe,
    };
    if (json) context.out(JSON.stringify(report));
    else if (result.outcome === 'unlocked') context.out(`Unlocked ${report.display_name} (${radio!.describe}; ${report.round_trips} round trips, ${report.path} path)`);
    else if (result.outcome === 'ambiguous') context.out(`Not unlocked: ${report.ambiguous_between!.join(' and ')} are equally close — hold the phone to one door (tap_ambiguous)`);
    else context.out(`Not unlocked${report.display_name ? ` ${report.display_name}` : ''}: ${result.outcome}${result.code ? ` (${result.code})` : ''}`);
    return result.outcome === 'unlocked' ? exitCodes.ok : exitCodes.failed;
  } catch (error) {
    if (error instanceof PhoneError) return fail(error);
    throw error;
  } finally {
    await radio?.close().catch(() => undefined);
  }
}
