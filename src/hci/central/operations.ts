/**
 * noble operations with a deadline each.
 *
 * Why: noble's `connect` has no timeout, a write answered by an ATT error never calls back, and
 * a failed read calls back with an empty buffer — so an unguarded await can hang a run forever.
 * Every helper here settles exactly once: with the result, noble's error, or a
 * CentralTimeoutError carrying the stable code 'central_timeout' and the operation's name.
 * The deadline is a real timer: it guards a real-time library, it decides no outcome of the
 * simulation.
 */
import type { Characteristic, Peripheral } from '@abandonware/noble';
import { centralOperationTimeoutMsDefault } from '../limits.ts';
import type { Noble } from './central.ts';

export class CentralTimeoutError extends Error {
  readonly code = 'central_timeout' as const;
  readonly operation: string;
  constructor(operation: string, timeoutMs: number) {
    super(`${operation}: no answer within ${timeoutMs} ms`);
    this.name = 'CentralTimeoutError';
    this.operation = operation;
  }
}

/** Runs `start(settle)` and settles once: by `settle`, or by timeout (then `onTimeout` runs). */
export function withDeadline<T>(
  operation: string,
  timeoutMs: number,
  start: (resolve: (value: T) => void, reject: (error: unknown) => void) => void,
  onTimeout?: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      onTimeout?.();
      reject(new CentralTimeoutError(operation, timeoutMs));
    }, timeoutMs);
    const finish = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    try {
      start((value) => finish(() => resolve(value)), (error) => finish(() => reject(error)));
    } catch (error) {
      finish(() => reject(error));
    }
  });
}

function toError(error: unknown): Error | null {
  if (error === null || error === undefined) return null;
  return error instanceof Error ? error : new Error(String(error));
}

export function waitForPoweredOn(noble: Noble, timeoutMs = centralOperationTimeoutMsDefault): Promise<void> {
  return withDeadline('poweredOn', timeoutMs, (resolve) => {
    if (noble._state === 'poweredOn') return resolve();
    const onState = (state: string): void => {
      if (state !== 'poweredOn') return;
      noble.removeListener('stateChange', onState);
      resolve();
    };
    noble.on('stateChange', onState);
  });
}

/** Scans until `count` distinct peripherals advertising one of `serviceUuids` were seen. */
export function scanForPeripherals(
  noble: Noble,
  options: { serviceUuids: string[]; count: number; timeoutMs?: number; accept?: (peripheral: Peripheral) => boolean },
): Promise<Peripheral[]> {
  const found = new Map<string, Peripheral>();
  let onDiscover: ((peripheral: Peripheral) => void) | null = null;
  const stop = (): void => {
    if (onDiscover !== null) noble.removeListener('discover', onDiscover);
    noble.stopScanning();
  };
  const scanning = withDeadline<Peripheral[]>(`scan for ${options.count}`, options.timeoutMs ?? centralOperationTimeoutMsDefault, (resolve, reject) => {
    onDiscover = (peripheral: Peripheral) => {
      if (options.accept && !options.accept(peripheral)) return;
      found.set(peripheral.id, peripheral);
      if (found.size >= options.count) resolve([...found.values()]);
    };
    noble.on('discover', onDiscover);
    noble.startScanning(options.serviceUuids, false, (error?: Error) => {
      if (error) reject(error);
    });
  });
  return scanning.finally(stop);
}

export function connectPeripheral(peripheral: Peripheral, timeoutMs = centralOperationTimeoutMsDefault): Promise<void> {
  return withDeadline(
    `connect ${peripheral.address}`,
    timeoutMs,
    (resolve, reject) => peripheral.connect((error) => (toError(error) ? reject(toError(error)) : resolve())),
    () => peripheral.cancelConnect(),
  );
}

export function disconnectPeripheral(peripheral: Peripheral, timeoutMs = centralOperationTimeoutMsDefault): Promise<void> {
  return withDeadline(`disconnect ${peripheral.address}`, timeoutMs, (resolve) => {
    if (peripheral.state === 'disconnected') return resolve();
    peripheral.disconnect(() => resolve());
  });
}

export function discoverCharacteristics(
  peripheral: Peripheral,
  serviceUuids: string[],
  characteristicUuids: string[],
  timeoutMs = centralOperationTimeoutMsDefault,
): Promise<Characteristic[]> {
  return withDeadline(`discover ${peripheral.address}`, timeoutMs, (resolve, reject) => {
    peripheral.discoverSomeServicesAndCharacteristics(serviceUuids, characteristicUuids, (error, _services, characteristics) => {
      const failure = toError(error);
      if (failure) reject(failure);
      else resolve(characteristics);
    });
  });
}

export function readCharacteristic(characteristic: Characteristic, timeoutMs = centralOperationTimeoutMsDefault): Promise<Uint8Array> {
  return withDeadline(`read ${characteristic.uuid}`, timeoutMs, (resolve, reject) => {
    characteristic.read((error, data) => {
      const failure = toError(error);
      if (failure) reject(failure);
      else resolve(Uint8Array.from(data));
    });
  });
}

export function writeCharacteristic(
  characteristic: Characteristic,
  value: Uint8Array,
  withoutResponse: boolean,
  timeoutMs = centralOperationTimeoutMsDefault,
): Promise<void> {
  return withDeadline(`write ${characteristic.uuid}`, timeoutMs, (resolve, reject) => {
    characteristic.write(Buffer.from(value), withoutResponse, (error) => {
      const failure = toError(error);
      if (failure) reject(failure);
      else resolve();
    });
  });
}
