/**
 * `latchkey admin reset --door <acs_entrance_id|name> [--db ./latchkey.db] [--admin-key FILE] [--json]`:
 * signs an administration reset for one door with the offline lock-administration key
 * (docs/PROTOCOL.md §8.1) and stores it where phones and maintenance syncs pick it up. Run it on
 * the server's machine with the key brought in for the occasion; the server itself never reads it.
 */
import { createServerContext } from '../server/index.ts';
import { existsSync } from 'node:fs';
import { adminKeyFilePath, KeyFileMissingError, loadAdminKey } from '../server/issuance/key-file.ts';
import { NotLockAdminKeyError, resetDoor } from '../server/services/lock-reset.ts';
import { rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { inTransaction } from '../server/context.ts';

export async function adminCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [sub, ...extra] = args.positionals;
  if (sub !== 'reset' || extra.length > 0) throw new UsageError('usage: latchkey admin reset --door <acs_entrance_id|name> [--db FILE] [--admin-key FILE] [--json]');
  rejectUnknownFlags(args, ['door', 'db', 'admin-key', 'json', 'log-level']);
  const door = stringFlag(args, 'door', '');
  if (door === '') throw new UsageError('--door is required (an acs_entrance_id or a door name)');
  const dbPath = stringFlag(args, 'db', './latchkey.db');
  if (dbPath === ':memory:') throw new UsageError('--db must be the server\'s database file');
  const adminKeyPath = stringFlag(args, 'admin-key', adminKeyFilePath(dbPath));
  if (!existsSync(dbPath)) throw new UsageError(`no database ${dbPath}`);
  let server;
  try {
    server = createServerContext({ dbPath, logLevel: (args.flags.get('log-level') as 'info' | undefined) ?? 'warn', createKeys: false });
  } catch (error) {
    if (!(error instanceof KeyFileMissingError)) throw error;
    process.stderr.write(`latchkey: ${error.message}\n`);
    return exitCodes.failed;
  }
  try {
    const matches = await server.repo.directory.entrancesByIdOrName(door);
    if (matches.length === 0) throw new UsageError(`no door ${JSON.stringify(door)} in ${dbPath}`);
    if (matches.length > 1) throw new UsageError(`${matches.length} doors are called ${JSON.stringify(door)}: give one of ${matches.map((m) => m.acs_entrance_id).join(', ')}`);
    let adminKey;
    try {
      adminKey = loadAdminKey(server.issuer.crypto, adminKeyPath);
    } catch (error) {
      context.log.error({ path: adminKeyPath, err: (error as Error).message }, 'cannot read the administration key');
      process.stderr.write(`latchkey: cannot read the administration key ${adminKeyPath}: ${(error as Error).message}\n`);
      return exitCodes.failed;
    }
    try {
      const result = await inTransaction(server, (tx) => resetDoor(tx, matches[0]!.acs_entrance_id, adminKey));
      context.out(
        args.flags.has('json')
          ? JSON.stringify(result)
          : `reset ${result.display_name} (${result.acs_entrance_id}): epoch ${result.epoch}, version ${result.version}, floor ${result.sequence_floor}, ceiling ${result.sequence_ceiling}, ${result.revoked} revoked\nphones carry it on their next sync; the lock applies it on the next visit`,
      );
      return exitCodes.ok;
    } catch (error) {
      if (!(error instanceof NotLockAdminKeyError)) throw error;
      process.stderr.write(`latchkey: ${error.message} (${adminKeyPath})\n`);
      return exitCodes.failed;
    }
  } finally {
    await server.repo.close();
  }
}
