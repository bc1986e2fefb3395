/**
 * Starts a bleno peripheral in its own worker thread and gives back a handle to it.
 *
 * Why this file: starting a TypeScript worker needs a small bootstrap (register tsx's loader in
 * the new thread, then import worker.ts), the worker's first HCI port has to be transferred, and
 * "nothing left running" means every worker is terminated and awaited — all of which callers
 * should not have to repeat. The handle is an EventEmitter of the worker's messages.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { ControllerSetting } from '../host/require-hook.ts';
import type { PeripheralControlMessage, PeripheralWorkerMessage } from './definition.ts';
import type { PeripheralWorkerData } from './worker.ts';

export interface SpawnPeripheralOptions {
  readonly label: string;
  /** Path or file URL of a module exporting createPeripheral (see definition.ts). */
  readonly handlerModule: string | URL;
  /** Passed to createPeripheral as context.options (structured clone). */
  readonly options?: unknown;
  /** bleno's advertising interval (BLENO_ADVERTISING_INTERVAL), ms. Default 20. */
  readonly advertisingIntervalMs?: number;
  /** How long to wait for 'ready' (advertising started). Default 10 000 ms. */
  readonly readyTimeoutMs?: number;
}

export interface PeripheralHandle extends EventEmitter {
  readonly label: string;
  readonly worker: Worker;
  /** Resolves with the peripheral's BD_ADDR once it advertises. */
  readonly ready: Promise<string>;
  /** Sends `message` to the handler's onControl listeners (structured clone, in order). */
  control(message: unknown): void;
  /** Terminates the worker (its controller powers off); resolves when the thread is gone. */
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * CommonJS bootstrap evaluated in the worker: import the TS entry; if this thread cannot load
 * TypeScript yet (parent not started under tsx, e.g. vitest), register tsx's ESM hooks first.
 */
const bootstrap = `
const { workerData, parentPort } = require('node:worker_threads');
const { tsxApiUrl, entryUrl } = workerData.bootstrap;
import(entryUrl)
  .catch(async (error) => {
    if (!error || error.code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    (await import(tsxApiUrl)).register();
    return import(entryUrl + '?tsx');
  })
  .catch((error) => parentPort.postMessage({ type: 'failed', message: String((error && error.stack) || error) }));
`;

/** File URL of tsx's ESM API, read from tsx's own exports map (its CJS build cannot register). */
function tsxApiUrl(): string {
  const packagePath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(packagePath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const target = manifest.exports['./esm/api']?.import?.default;
  if (target === undefined) throw new Error('tsx: no ./esm/api import export');
  return pathToFileURL(join(dirname(packagePath), target)).href;
}

function toUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^file:/.test(module)) return module;
  return new URL(module, `file://${process.cwd()}/`).href;
}

export function spawnPeripheralWorker(
  setting: ControllerSetting,
  hciPort: MessagePort | null,
  options: SpawnPeripheralOptions,
): PeripheralHandle {
  const workerData: PeripheralWorkerData & { bootstrap: { tsxApiUrl: string; entryUrl: string } } = {
    label: options.label,
    controller: setting,
    hciPort,
    handlerModuleUrl: toUrl(options.handlerModule),
    options: options.options ?? null,
    bootstrap: { tsxApiUrl: tsxApiUrl(), entryUrl: new URL('./worker.ts', import.meta.url).href },
  };
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData,
    transferList: hciPort === null ? [] : [hciPort],
    env: { ...process.env, BLENO_ADVERTISING_INTERVAL: String(options.advertisingIntervalMs ?? 20) },
    stdout: false,
    stderr: false,
  });
  const handle = new EventEmitter() as PeripheralHandle & { label: string; worker: Worker; ready: Promise<string> };
  let stopping = false;
  let ready = false;
  handle.label = options.label;
  handle.worker = worker;
  handle.ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.label}: not advertising after ${options.readyTimeoutMs ?? 10_000} ms`)), options.readyTimeoutMs ?? 10_000);
    const settle = (action: () => void): void => {
      clearTimeout(timer);
      action();
    };
    worker.on('message', (message: PeripheralWorkerMessage) => {
      if (message.type === 'ready') settle(() => ((ready = true), resolve(message.address)));
      if (message.type === 'failed') settle(() => reject(new Error(`${options.label}: ${message.message}`)));
      handle.emit(message.type, message);
    });
    worker.on('error', (error) => {
      // After 'ready' nobody awaits `ready`: a worker that dies then must not vanish silently (second
      // attack on issue 16: bleno threw on a malformed ATT PDU and the lock left the air unnoticed).
      if (ready) process.stderr.write(`latchkey: peripheral ${options.label} crashed: ${error instanceof Error ? error.message : String(error)}\n`);
      handle.emit('crash', error);
      settle(() => reject(error));
    });
    worker.on('exit', (code) => {
      settle(() => reject(new Error(`${options.label}: worker exited (${code})`)));
      if (!stopping) handle.emit('exit', code);
    });
  });
  handle.ready.catch(() => undefined); // Observed by the caller; avoid an unhandled rejection on stop.
  handle.control = (message) => worker.postMessage({ type: 'control', message } satisfies PeripheralControlMessage);
  handle.stop = async () => {
    stopping = true;
    await worker.terminate();
  };
  return handle;
}
