/**
 * `latchkey up [--port 3000] [--db ./latchkey.db]`: the Seam-compatible API on an embedded SQLite
 * file with a virtual hotel whose locks run on the virtual radio. Prints the endpoint, an API key
 * a demo guest's Instant Key URL and the dashboard link (alone on stdout: logs go to stderr); runs
 * until SIGINT/SIGTERM, then closes cleanly.
 */
import { describeRunningServer, startServer } from '../server/index.ts';
import { intFlag, rejectUnknownFlags, stringFlag, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { hardwareFlag } from './hardware-flag.ts';

/** `up` logs at info unless told (its request lines are what an operator watches); every other command at warn. `latchkey help` says both. */
export const upLogLevelDefault = 'info';

export async function upCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, ['port', 'db', 'host', 'json', 'hardware', 'log-level']);
  const hardware = hardwareFlag(args);
  const port = intFlag(args, 'port', 3000, 0, 65535);
  const dbPath = stringFlag(args, 'db', './latchkey.db');
  const host = stringFlag(args, 'host', '127.0.0.1');
  const logLevel = (args.flags.get('log-level') as 'info' | undefined) ?? upLogLevelDefault;
  const running = await startServer({ port, dbPath, host, logLevel, ...(hardware ? { hardwareOf: () => hardware } : {}) });
  context.out(
    args.flags.has('json')
      ? JSON.stringify({ url: running.url, dashboardUrl: `${running.url}/dashboard`, apiKey: running.apiKey, workspaceId: running.workspaceId, instantKeyUrl: running.instantKeyUrl, doors: [...running.property.doors.values()].map((door) => door.name) })
      : describeRunningServer(running),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.close();
  return exitCodes.ok;
}
