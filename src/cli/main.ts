/**
 * The `latchkey` CLI: wiring only. Logs go to stderr through pino (--log-level), results to stdout
 * (a readable table, or one JSON object with --json). Exit codes: see context.ts.
 */
import pino from 'pino';
import { stderrLogDestination } from '../log/destination.ts';
import { parseArgs, UsageError } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { demoCommand } from './demo.ts';
import { benchCommand } from './bench.ts';
import { bleCommand } from './ble.ts';
import { hciBooleanFlags, hciCommand } from './hci.ts';
import { scenarioCommand } from './scenario.ts';
import { upCommand, upLogLevelDefault } from './up.ts';
import { fuzzCommand } from './fuzz.ts';
import { adminCommand } from './admin.ts';
import { phoneBooleanFlags, phoneCommand } from './phone.ts';
import { keyCommand, tokenCommand, workspaceCommand } from './workspace.ts';

/** Every command but `up` (up.ts `upLogLevelDefault`) logs at this level unless told. */
const commandLogLevelDefault = 'warn';

export const usage = `latchkey — lock hardware simulator and BLE protocol test harness

Usage:
  latchkey up [--port 3000] [--db ./latchkey.db] [--host 127.0.0.1] [--json] [--log-level LEVEL (default: ${upLogLevelDefault})]
  latchkey demo [--seed N] [--doors N] [--mtu 23..517] [--interval MS] [--provider node|noble] [--hardware profile|file.json] [--json]
  latchkey bench [--quick] [--json] [--out bench/results.json] | --hardware profile|file.json
  latchkey ble run [--doors N] [--attempts M] [--seed N] [--capture FILE] [--lock-hci SPEC] [--phone-hci SPEC] [--json]
            SPEC: virtual | tcp:HOST:PORT | serial:/dev/PATH[@BAUD] | usb:VID:PID[:BUS:ADDR] | hciN  (docs/HIL.md)
  latchkey hci serve --controllers N [--host 127.0.0.1] [--port BASE] [--pty [--pty-dir DIR]] [--acl-buffer LENGTH:COUNT] [--zero-address] [--zephyr] [--reassemble] [--seed N] [--loss N/D] [--capture FILE] [--json]
  latchkey scenario run <files or dirs> [--seed N] [--transport virtual|ble [--lock-hci SPEC] [--phone-hci SPEC]] [--hardware profile|file.json] [--junit out.xml] [--json]
  latchkey fuzz [--seconds N] [--seed N] [--target credential|messages|lock|all] [--json] [--canary] | --replay FILE
  latchkey admin reset --door <acs_entrance_id|name> [--db ./latchkey.db] [--admin-key FILE] [--json]
  latchkey workspace create --name NAME [--company NAME] [--doors N] [--production] [--db ./latchkey.db] [--json] | workspace list
  latchkey key create|list --workspace ID [--name NAME] | key revoke API_KEY_ID --workspace ID   [--db] [--json]
  latchkey token create [--name NAME] | token list | token revoke TOKEN_ID   [--db] [--json]   (personal access tokens)
  latchkey phone list   --endpoint URL --token CLIENT_SESSION_TOKEN [--store FILE] [--json]
  latchkey phone unlock --endpoint URL --token CLIENT_SESSION_TOKEN (--door NAME | --tap) [--sim SIM_TOKEN [--at DOOR] | --hci SPEC] [--store FILE] [--timeout-ms N] [--json]
            a phone made of the SDK (docs/SDK.md): --sim the server's virtual air (GET /sim/links), --hci a BLE controller (default hci0)
  latchkey help

Common options:
  --log-level trace|debug|info|warn|error|silent   (default: ${commandLogLevelDefault}, for \`up\`: ${upLogLevelDefault}; logs go to stderr:
                                                   readable on a terminal, JSON lines when piped)
  --json                                           one JSON object on stdout
  --hardware                                       lock MCU profile: ideal, nrf52840, nrf52840-cc310, nrf54l15, esp32c3 or a .json file (docs/HARDWARE.md)

Exit codes: 0 every outcome as expected, 1 an outcome differed, 2 usage error, 3 crash (or no adapter / server unreachable);
\`phone\`: 4 the server refused the token or the phone, 5 no doors on this key.`;

const booleanFlags = ['json', 'quick', 'help', 'canary', 'production', ...hciBooleanFlags, ...phoneBooleanFlags] as const;
const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export async function main(argv: string[], out: (text: string) => void = (text) => process.stdout.write(`${text}\n`)): Promise<number> {
  let context: CommandContext | undefined;
  try {
    const args = parseArgs(argv, booleanFlags);
    const level = (args.flags.get('log-level') as string | undefined) ?? commandLogLevelDefault;
    if (!logLevels.includes(level)) throw new UsageError(`--log-level must be one of ${logLevels.join(', ')}`);
    context = { log: pino({ level, base: undefined }, stderrLogDestination()), out };
    const [command, ...rest] = args.positionals;
    if (args.flags.has('help')) {
      // `latchkey <command> --help` shows the usage (and starts nothing), as `latchkey help` does.
      out(usage);
      return exitCodes.ok;
    }
    const sub = { positionals: rest, flags: args.flags };
    switch (command) {
      case 'demo':
        return await demoCommand(sub, context);
      case 'bench':
        return await benchCommand(sub, context);
      case 'ble':
        return await bleCommand(sub, context);
      case 'hci':
        return await hciCommand(sub, context);
      case 'scenario':
        return await scenarioCommand(sub, context);
      case 'up':
        return await upCommand(sub, context);
      case 'fuzz': return await fuzzCommand(sub, context);
      case 'admin':
        return await adminCommand(sub, context);
      case 'phone':
        return await phoneCommand(sub, context);
      case 'workspace':
        return await workspaceCommand(sub, context);
      case 'key':
        return await keyCommand(sub, context);
      case 'token':
        return await tokenCommand(sub, context);
      case undefined:
      case 'help':
        out(usage);
        return command === undefined && !args.flags.has('help') ? exitCodes.usage : exitCodes.ok;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof RangeError) {
      process.stderr.write(`latchkey: ${error.message}\n\n${usage}\n`);
      return exitCodes.usage;
    }
    process.stderr.write(`latchkey: crashed: ${(error as Error).stack ?? String(error)}\n`);
    return exitCodes.crash;
  }
}
