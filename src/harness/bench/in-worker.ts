/**
 * Runs one exported async function of a TypeScript module in a worker thread (its own event loop
 * and V8 heap) and resolves with its result. Used where the measured thing must not share an event
 * loop with the measurement: the scale wings, and the API load driver (the server's loop serves only).
 */
import { Worker } from 'node:worker_threads';

export function runInWorker<T>(moduleUrl: URL, exportName: string, argument: unknown): Promise<T> {
  const source = `
    const { parentPort, workerData } = require('node:worker_threads');
    (async () => {
      const { register } = await import('tsx/esm/api');
      register();
      const module = await import(workerData.module);
      parentPort.postMessage({ result: await module[workerData.exportName](workerData.argument) });
    })().catch((error) => { parentPort.postMessage({ error: String(error && error.stack || error) }); });
  `;
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, { eval: true, workerData: { module: moduleUrl.href, exportName, argument } });
    worker.once('message', (message: { result?: T; error?: string }) => {
      void worker.terminate();
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.result as T);
    });
    worker.once('error', reject);
  });
}
