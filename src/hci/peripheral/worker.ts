/**
 * Worker-thread entry: one unmodified bleno peripheral whose GATT behaviour comes from a module.
 *
 * Why a worker per peripheral: bleno is a process-wide singleton (module.exports = new Bleno()),
 * but each worker thread has its own module cache, so N workers give N independent bleno
 * instances in one process. Steps: install the require hook, bind the HCI port, load the
 * handler module, require bleno, wait for poweredOn, set the service, advertise, say 'ready'.
 * bleno's poll timer never stops, so the spawner ends this thread with terminate().
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { bindNextHciSocket } from '../host/hci-socket-shim.ts';
import { createPortBackend } from '../host/port-transport.ts';
import { installHciSocketHook, requireHost } from '../host/require-hook.ts';
import type { ControllerSetting } from '../host/require-hook.ts';
import { buildAdvertisingData, buildScanResponseData } from './advertising-data.ts';
import { AttErrorCode } from './definition.ts';
import type { CharacteristicDefinition, CreatePeripheral, PeripheralControlMessage, PeripheralDefinition, PeripheralWorkerMessage } from './definition.ts';

export interface PeripheralWorkerData {
  readonly label: string;
  readonly controller: ControllerSetting;
  /** Present when controller is 'virtual'. */
  readonly hciPort: MessagePort | null;
  readonly handlerModuleUrl: string;
  readonly options: unknown;
}

type ReadCallback = (result: number, data: Buffer | null) => void;
type WriteCallback = (result: number) => void;

interface Bleno {
  state: string;
  Characteristic: new (options: object) => object;
  PrimaryService: new (options: object) => object;
  on(event: string, listener: (...args: never[]) => void): void;
  setServices(services: object[], callback: (error?: Error | null) => void): void;
  startAdvertising(name: string, serviceUuids: string[], callback?: (error?: Error | null) => void): void;
  startAdvertisingWithEIRData(advertisementData: Buffer, scanData: Buffer, callback?: (error?: Error | null) => void): void;
  stopAdvertising(callback?: () => void): void;
  disconnect(): void;
}

function requireParentPort(): MessagePort {
  if (parentPort === null) throw new Error('peripheral worker must run in a worker thread');
  return parentPort;
}

const port = requireParentPort();
const data = workerData as PeripheralWorkerData;
const post = (message: PeripheralWorkerMessage): void => port.postMessage(message);
let peerAddress: string | null = null;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function fail(error: unknown): void {
  post({ type: 'failed', message: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error) });
}

function makeCharacteristic(bleno: Bleno, definition: CharacteristicDefinition): object {
  let cached: Uint8Array = new Uint8Array(0);
  const onReadRequest = (offset: number, callback: ReadCallback): void => {
    if (offset > 0) {
      if (offset > cached.length) callback(AttErrorCode.InvalidOffset, null);
      else callback(0, toBuffer(cached.subarray(offset)));
      return;
    }
    if (definition.onRead === undefined) return callback(AttErrorCode.ReadNotPermitted, null);
    Promise.resolve(definition.onRead({ peerAddress }))
      .then((result) => {
        if (!result.ok) return callback(result.attErrorCode, null);
        cached = result.value.slice();
        callback(0, toBuffer(cached));
      })
      .catch((error: unknown) => {
        fail(error);
        callback(AttErrorCode.UnlikelyError, null);
      });
  };
  const onWriteRequest = (value: Buffer, offset: number, withoutResponse: boolean, callback: WriteCallback): void => {
    if (definition.onWrite === undefined) return callback(AttErrorCode.WriteNotPermitted);
    Promise.resolve(definition.onWrite({ peerAddress, value: Uint8Array.from(value), offset, withoutResponse }))
      .then((result) => callback(result.ok ? 0 : result.attErrorCode))
      .catch((error: unknown) => {
        fail(error);
        callback(AttErrorCode.UnlikelyError);
      });
  };
  return new bleno.Characteristic({ uuid: definition.uuid, properties: [...definition.properties], onReadRequest, onWriteRequest });
}

function advertise(bleno: Bleno, definition: PeripheralDefinition): void {
  const service = new bleno.PrimaryService({
    uuid: definition.serviceUuid,
    characteristics: definition.characteristics.map((characteristic) => makeCharacteristic(bleno, characteristic)),
  });
  bleno.setServices([service], (error) => {
    if (error) return fail(error);
    if (definition.manufacturerData === undefined) bleno.startAdvertising(definition.localName, [definition.serviceUuid.replaceAll('-', '')]);
    else bleno.startAdvertisingWithEIRData(buildAdvertisingData(definition.serviceUuid), buildScanResponseData(definition.localName, definition.manufacturerData));
  });
}

function watch(bleno: Bleno, definition: PeripheralDefinition): void {
  let started = false;
  bleno.on('advertisingStart', ((error?: Error | null) => {
    if (error) return fail(error);
    if (!started) post({ type: 'ready', address: (bleno as unknown as { address: string }).address });
    started = true;
  }) as (...args: never[]) => void);
  bleno.on('accept', ((address: string) => {
    peerAddress = address;
    definition.onConnect?.(address);
    post({ type: 'accept', peerAddress: address });
  }) as (...args: never[]) => void);
  bleno.on('disconnect', ((address: string) => {
    peerAddress = null;
    definition.onDisconnect?.(address);
    post({ type: 'disconnect', peerAddress: address });
  }) as (...args: never[]) => void);
  bleno.on('mtuChange', ((mtu: number) => {
    definition.onMtuChange?.(mtu);
    post({ type: 'mtu', mtu });
  }) as (...args: never[]) => void);
  bleno.on('stateChange', ((state: string) => {
    if (state === 'poweredOn') advertise(bleno, definition);
    else if (state !== 'unknown') fail(new Error(`bleno state ${state}`));
  }) as (...args: never[]) => void);
}

async function main(): Promise<void> {
  installHciSocketHook(data.controller);
  if (data.controller === 'virtual') {
    if (data.hciPort === null) throw new Error('virtual controller needs an HCI port');
    bindNextHciSocket(createPortBackend(data.hciPort));
  }
  const handler = (await import(data.handlerModuleUrl)) as { createPeripheral?: CreatePeripheral };
  if (typeof handler.createPeripheral !== 'function') throw new Error(`${data.handlerModuleUrl} does not export createPeripheral`);
  const controlListeners: ((message: unknown) => void)[] = [];
  const definition = await handler.createPeripheral({
    label: data.label,
    options: data.options,
    report: (message) => post({ type: 'report', message }),
    onControl: (listener) => controlListeners.push(listener),
  });
  const bleno = requireHost<Bleno>('@abandonware/bleno');
  port.on('message', (message: PeripheralControlMessage) => {
    if (message.type === 'control') for (const listener of controlListeners) listener(message.message);
    if (message.type !== 'stop') return;
    bleno.stopAdvertising();
    bleno.disconnect();
    post({ type: 'stopped' });
  });
  watch(bleno, definition);
}

main().catch(fail);
