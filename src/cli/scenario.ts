/**
 * `latchkey scenario run <files or dirs> [--seed N] [--transport virtual|ble] [--lock-hci SPEC[,SPEC…]] [--phone-hci SPEC[,SPEC…]] [--junit out.xml] [--json]`.
 * Over `ble` a scenario that needs the virtual radio's physics is not run; the summary lists it
 * with the reason, and the JUnit test case is `<skipped>`. `--lock-hci`/`--phone-hci` (only with
 * `--transport ble`) put the lock peripherals and the phone/attacker centrals on those
 * controllers, as in `ble run` (docs/HIL.md); every scenario to run is checked against the lists
 * before the first one starts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeProvider } from '../protocol/crypto/node.ts';
import { loadScenarios } from '../harness/scenario/load.ts';
import { bleBackendOn, checkBleControllers } from '../harness/scenario/ble-backend.ts';
import { runScenario, type ScenarioResult } from '../harness/scenario/runner.ts';
import { virtualBackend } from '../harness/scenario/virtual-backend.ts';
import { ScenarioError } from '../harness/scenario/schema.ts';
import { toJunit } from '../harness/scenario/junit.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';
import { hardwareFlag } from './hardware-flag.ts';
import { hciControllerFailure, hciRoleFlagNames, hciRoleFlags } from './hci-flags.ts';

const scenarioUsage = 'usage: latchkey scenario run <files or dirs> [--seed N] [--transport virtual|ble] [--lock-hci SPEC[,SPEC…]] [--phone-hci SPEC[,SPEC…]] [--hardware profile|file.json] [--junit out.xml] [--json]';

export async function scenarioCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, ['seed', 'transport', 'junit', 'json', 'hardware', 'log-level', ...hciRoleFlagNames]);
  const hardware = hardwareFlag(args);
  const [verb, ...paths] = args.positionals;
  if (verb !== 'run') throw new UsageError(scenarioUsage);
  if (paths.length === 0) throw new UsageError('scenario run needs at least one file or directory');
  const seed = intFlag(args, 'seed', 1, 0, 0xffffffff);
  const transport = stringFlag(args, 'transport', 'virtual', ['virtual', 'ble']);
  const roles = hciRoleFlags(args);
  if ((roles.lockHci || roles.phoneHci) && transport !== 'ble') throw new UsageError('--lock-hci/--phone-hci choose BLE controllers: they need --transport ble');
  const backend = transport === 'ble' ? bleBackendOn(roles) : virtualBackend;
  let scenarios;
  try {
    scenarios = loadScenarios(paths);
  } catch (error) {
    if (error instanceof ScenarioError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      process.stderr.write(`latchkey: ${(error as Error).message}\n`);
      return exitCodes.usage;
    }
    throw error;
  }
  // Controllers too few for a scenario (or on different airs) are a usage error before anything runs.
  if (transport === 'ble') for (const scenario of scenarios) if (backend.notApplicable(scenario) === undefined) checkBleControllers(scenario, roles);
  context.log.info({ seed, transport, scenarios: scenarios.length }, 'scenario run starting');
  const crypto = createNodeProvider();
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, { seed, crypto, backend, ...(hardware ? { hardware } : {}) });
    } catch (error) {
      const code = hciControllerFailure(error, args, context);
      if (code === undefined) throw error;
      return code;
    }
    results.push(result);
    if (result.skipped !== undefined) context.log.info({ name: result.name, transport, notApplicable: result.skipped }, 'scenario not applicable');
    else context.log.info({ name: result.name, passed: result.passed, failure: result.failure }, 'scenario finished');
  }
  const junitPath = args.flags.get('junit');
  if (typeof junitPath === 'string') {
    mkdirSync(dirname(junitPath), { recursive: true });
    writeFileSync(junitPath, toJunit(results));
  }
  const failed = results.filter((r) => !r.passed);
  const skipped = results.filter((r) => r.skipped !== undefined);
  const passed = results.length - failed.length - skipped.length;
  if (args.flags.has('json')) {
    const notApplicable = skipped.length === 0 ? {} : { notApplicable: skipped.map((r) => ({ file: r.file, reason: r.skipped })) };
    context.out(JSON.stringify({ seed, transport, passed, failed: failed.length, ...notApplicable, results }, null, 2));
  } else {
    const lines = results.map((r) => (r.skipped !== undefined ? `n/a   ${r.name.padEnd(40)}            ${r.file}` : `${r.passed ? 'pass' : 'FAIL'}  ${r.name.padEnd(40)} ${String(r.checks).padStart(3)} checks  ${r.file}${r.passed ? '' : `\n      ${r.file}:${r.failure!.line}: ${r.failure!.message}\n      replay: ${r.replay}`}`));
    const notApplicable = skipped.length === 0 ? [] : ['', `not applicable to --transport ${transport} (not run):`, ...skipped.map((r) => `  ${r.file}: ${r.skipped}`)];
    const counts = `${passed} passed, ${failed.length} failed${skipped.length === 0 ? '' : `, ${skipped.length} not applicable to ${transport}`}`;
    context.out([...lines, ...notApplicable, '', `${counts} (seed ${seed})`].join('\n'));
  }
  return failed.length === 0 ? exitCodes.ok : exitCodes.failed;
}
