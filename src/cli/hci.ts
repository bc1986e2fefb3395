/**
 * `latchkey hci serve`: N controllers of latchkey's virtual air as H4 endpoints (TCP, optionally
 * pseudo-terminals) for hosts in other processes. Prints the endpoints (or one JSON object with
 * --json) once listening, then serves until SIGINT/SIGTERM. Wiring only: src/hci/serve/serve.ts.
 */
import { startHciServer } from '../hci/serve/serve.ts';
import type { HciServer } from '../hci/serve/serve.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export const hciFlags = ['controllers', 'host', 'port', 'pty', 'pty-dir', 'acl-buffer', 'zero-address', 'zephyr', 'reassemble', 'seed', 'loss', 'capture', 'json', 'log-level'] as const;
export const hciBooleanFlags = ['pty', 'zero-address', 'zephyr', 'reassemble'] as const;
const usage = 'usage: latchkey hci serve --controllers N [--host 127.0.0.1] [--port BASE] [--pty [--pty-dir DIR]] [--acl-buffer LENGTH:COUNT] [--zero-address] [--zephyr] [--reassemble] [--seed N] [--loss N/D] [--capture FILE] [--json]';

/** `--acl-buffer 27:64` → LE_ACL_Data_Packet_Length 27, Total_Num_LE_ACL_Data_Packets 64. */
export function parseAclBuffer(text: string): { aclDataPacketLength: number; totalNumAclDataPackets: number } {
  const match = /^(\d{1,4}):(\d{1,3})$/.exec(text);
  const length = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || length < 27 || length > 1024 || count < 1 || count > 255) throw new UsageError('--acl-buffer must be LENGTH:COUNT with LENGTH 27..1024 and COUNT 1..255 (e.g. 27:64)');
  return { aclDataPacketLength: length, totalNumAclDataPackets: count };
}

function parseLoss(text: string): { numerator: number; denominator: number } {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text);
  if (match === null || Number(match[2]) === 0 || Number(match[1]) > Number(match[2])) throw new UsageError('--loss must be N/D with 0 ≤ N ≤ D, D > 0 (e.g. 1/50)');
  return { numerator: Number(match[1]), denominator: Number(match[2]) };
}

export async function hciCommand(args: ParsedArgs, context: CommandContext, stop: Promise<unknown> = signalled()): Promise<number> {
  const [sub, ...rest] = args.positionals;
  if (sub !== 'serve' || rest.length > 0) throw new UsageError(usage);
  rejectUnknownFlags(args, hciFlags);
  const capture = args.flags.get('capture');
  if (capture === true) throw new UsageError('--capture needs a file name');
  const ptyDirectory = args.flags.get('pty-dir');
  if (ptyDirectory === true) throw new UsageError('--pty-dir needs a directory');
  let server: HciServer;
  try {
    server = await startHciServer({
      controllers: intFlag(args, 'controllers', 2, 1, 64),
      host: stringFlag(args, 'host', '127.0.0.1'),
      basePort: intFlag(args, 'port', 0, 0, 65535),
      pty: args.flags.has('pty'),
      ...(ptyDirectory === undefined ? {} : { ptyDirectory }),
      ...(args.flags.has('acl-buffer') ? { buffers: parseAclBuffer(stringFlag(args, 'acl-buffer', '')) } : {}),
      zeroAddress: args.flags.has('zero-address'),
      zephyrVendorCommands: args.flags.has('zephyr'),
      reassembleToHost: args.flags.has('reassemble'),
      seed: intFlag(args, 'seed', 1, 0, 0xffffffff),
      ...(args.flags.has('loss') ? { lossRatio: parseLoss(stringFlag(args, 'loss', '')) } : {}),
      capturePath: capture ?? null,
      log: context.log,
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') throw new UsageError(`--port: ${code} (${(error as Error).message})`);
    throw error;
  }
  if (args.flags.has('json')) context.out(JSON.stringify({ controllers: server.controllers, capture: capture ?? null }));
  else {
    context.out(`latchkey hci serve: ${server.controllers.length} controllers on one virtual air (Ctrl-C to stop)`);
    for (const served of server.controllers) context.out(`  ${served.label}  ${served.publicAddress}  ${served.tcp}${served.pty ? `  ${served.pty}` : ''}`);
  }
  await stop;
  await server.close();
  context.log.info({ stats: server.stats, link: server.link.stats }, 'hci serve stopped');
  return exitCodes.ok;
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}
