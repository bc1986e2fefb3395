/** `latchkey scenario run <files or dirs> [--seed N] [--transport virtual] [--junit out.xml] [--json]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createNodeProvider } from '../protocol/crypto/node.ts';
import { loadScenarios } from '../harness/scenario/load.ts';
import { runScenario, type ScenarioResult } from '../harness/scenario/runner.ts';
import { ScenarioError } from '../harness/scenario/schema.ts';
import { toJunit } from '../harness/scenario/junit.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

export async function scenarioCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  rejectUnknownFlags(args, ['seed', 'transport', 'junit', 'json', 'log-level']);
  const [verb, ...paths] = args.positionals;
  if (verb !== 'run') throw new UsageError('usage: latchkey scenario run <files or dirs> [--seed N] [--junit out.xml] [--json]');
  if (paths.length === 0) throw new UsageError('scenario run needs at least one file or directory');
  const seed = intFlag(args, 'seed', 1, 0, 0xffffffff);
  const transport = stringFlag(args, 'transport', 'virtual', ['virtual', 'ble']);
  if (transport === 'ble') throw new UsageError('--transport ble is not available yet: scenarios run over the virtual radio (see the issue notes)');
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
  context.log.info({ seed, transport, scenarios: scenarios.length }, 'scenario run starting');
  const crypto = createNodeProvider();
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const result = await runScenario(scenario, { seed, crypto });
    results.push(result);
    context.log.info({ name: result.name, passed: result.passed, failure: result.failure }, 'scenario finished');
  }
  const junitPath = args.flags.get('junit');
  if (typeof junitPath === 'string') {
    mkdirSync(dirname(junitPath), { recursive: true });
    writeFileSync(junitPath, toJunit(results));
  }
  const failed = results.filter((r) => !r.passed);
  if (args.flags.has('json')) context.out(JSON.stringify({ seed, transport, passed: results.length - failed.length, failed: failed.length, results }, null, 2));
  else {
    const lines = results.map((r) => `${r.passed ? 'pass' : 'FAIL'}  ${r.name.padEnd(40)} ${String(r.checks).padStart(3)} checks  ${r.file}${r.passed ? '' : `\n      ${r.file}:${r.failure!.line}: ${r.failure!.message}\n      replay: ${r.replay}`}`);
    context.out([...lines, '', `${results.length - failed.length} passed, ${failed.length} failed (seed ${seed})`].join('\n'));
  }
  return failed.length === 0 ? exitCodes.ok : exitCodes.failed;
}
