/**
 * The per-role controller flags `--lock-hci SPEC[,SPEC…]` / `--phone-hci SPEC[,SPEC…]`, shared by
 * `ble run` and `scenario run --transport ble` (syntax: src/hci/transport/spec.ts, docs/HIL.md),
 * and how both report a controller that is absent or refuses (exit 3, one line or a JSON error).
 */
import { HciTransportError } from '../hci/transport/open-stream.ts';
import { HciSpecError, parseHciTransportSpec } from '../hci/transport/spec.ts';
import type { HciTransportSpec } from '../hci/transport/spec.ts';
import { stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export const hciRoleFlagNames = ['lock-hci', 'phone-hci'] as const;

/** `--lock-hci tcp:127.0.0.1:9000,serial:/dev/ttyACM0` → specs; bad ones → a usage error naming the code. */
export function specsFlag(args: ParsedArgs, name: (typeof hciRoleFlagNames)[number]): HciTransportSpec[] | undefined {
  if (!args.flags.has(name)) return undefined;
  const raw = stringFlag(args, name, '');
  try {
    return raw.split(',').map((text) => parseHciTransportSpec(text));
  } catch (error) {
    if (error instanceof HciSpecError) throw new UsageError(`--${name}: ${error.message}`);
    throw error;
  }
}

/** Both roles' lists, as options (absent flags stay absent). */
export function hciRoleFlags(args: ParsedArgs): { lockHci?: HciTransportSpec[]; phoneHci?: HciTransportSpec[] } {
  const lockHci = specsFlag(args, 'lock-hci');
  const phoneHci = specsFlag(args, 'phone-hci');
  return { ...(lockHci ? { lockHci } : {}), ...(phoneHci ? { phoneHci } : {}) };
}

/**
 * A controller that is absent or refuses is an environment problem, not a crash of ours: one
 * line on stderr (with --json a `{"error":{"code","message"}}` object on stdout), exit 3.
 * Undefined for any other error (the caller rethrows it).
 */
export function hciControllerFailure(error: unknown, args: ParsedArgs, context: CommandContext): number | undefined {
  if (!(error instanceof HciTransportError)) return undefined;
  context.log.error({ code: error.code }, error.message);
  if (args.flags.has('json')) context.out(JSON.stringify({ error: { code: error.code, message: error.message } }));
  else process.stderr.write(`latchkey: ${error.message}\n`);
  return exitCodes.crash;
}
