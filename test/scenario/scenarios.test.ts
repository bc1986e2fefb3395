import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createNodeProvider } from '../../src/protocol/crypto/node.ts';
import { loadScenarios, scenarioFiles } from '../../src/harness/scenario/load.ts';
import { runScenario } from '../../src/harness/scenario/runner.ts';
import { parseScenario, ScenarioError } from '../../src/harness/scenario/schema.ts';
import { toJunit } from '../../src/harness/scenario/junit.ts';
import { main } from '../../src/cli/main.ts';

const crypto = createNodeProvider();
const files = scenarioFiles(['scenarios']);

describe('every scenario file', () => {
  it.each(files)('%s passes with seeds 1 and 7', async (file) => {
    const [scenario] = loadScenarios([file]);
    for (const seed of [1, 7]) {
      const result = await runScenario(scenario!, { seed, crypto });
      expect(result.failure, `${file} seed ${seed}`).toBeUndefined();
      expect(result.checks).toBeGreaterThan(0);
    }
  });
});

describe('attack catalog', () => {
  it('has at least 20 attack scenarios, each naming the attack it covers', () => {
    const attacks = loadScenarios(['scenarios/attacks']);
    expect(attacks.length).toBeGreaterThanOrEqual(20);
    for (const scenario of attacks) expect(scenario.attack, scenario.file).toBeTruthy();
  });

  it('docs/ATTACKS.md lists every attack scenario file', () => {
    const doc = readFileSync('docs/ATTACKS.md', 'utf8');
    for (const file of scenarioFiles(['scenarios/attacks'])) expect(doc, file).toContain(file);
  });
});

describe('scenario runner', () => {
  const base = (steps: string): string => `name: t\ndoors:\n  - { id: d, position: [0, 0] }\nphones:\n  - { id: p, position: [0, 1] }\nsteps:\n${steps}`;

  it('the same seed gives the same trace; another seed a different one', async () => {
    const [scenario] = loadScenarios(['scenarios/attacks/18-revoked-credential.yaml']);
    const a = await runScenario(scenario!, { seed: 5, crypto });
    const b = await runScenario(scenario!, { seed: 5, crypto });
    const c = await runScenario(scenario!, { seed: 6, crypto });
    expect(a.traceDigest).toBe(b.traceDigest);
    expect(c.traceDigest).not.toBe(a.traceDigest);
  });

  it('a wrong expectation fails at its line and prints the replay command', async () => {
    const scenario = parseScenario('inline.yaml', base('  - grant: { phone: p, doors: [d] }\n  - unlock: { phone: p, door: d, expect: { refused: credential_expired } }\n'));
    const result = await runScenario(scenario, { seed: 3, crypto });
    expect(result.passed).toBe(false);
    expect(result.failure).toMatchObject({ line: 8 });
    expect(result.failure!.message).toContain('expected refused (credential_expired), got unlocked');
    expect(result.replay).toBe('npx latchkey scenario run inline.yaml --seed 3');
    const xml = toJunit([result]);
    expect(xml).toContain('<failure message="inline.yaml:8: unlock p → d: expected refused (credential_expired), got unlocked"');
    expectWellFormedXml(xml);
  });

  it.each([
    ['steps:\n  - unlock: { phone: p }\n', /^bad\.yaml:7: steps\[0\]\.unlock: missing required field "door"/],
    ['steps:\n  - grant: { phone: nobody, doors: [d] }\n', /^bad\.yaml:7: steps\[0\]\.grant\.phone: unknown phone "nobody"/],
    ['steps:\n  - advance: soon\n', /^bad\.yaml:7: steps\[0\]\.advance: expected a duration/],
    ['steps:\n  - teleport: {}\n', /^bad\.yaml:7: steps\[0\]: unknown step kind "teleport"/],
    ['steps:\n  - grant: { phone: p, doors: [d] }\n  - unlock: { phone: p, door: d, expect: { refused: nope } }\n', /^bad\.yaml:8: steps\[1\]\.unlock\.expect\.refused: unknown error code "nope"/],
    ['steps:\n  - attack: { kind: teleport, door: d, expect: unlocked }\n', /^bad\.yaml:7: steps\[0\]\.attack\.kind: unknown attack kind "teleport"/],
    ['steps:\n  - unlock: { phone: p, door: d, mtu: 9000, expect: unlocked }\n', /^bad\.yaml:7: steps\[0\]\.unlock\.mtu: MTU must be 23\.\.517/],
    ['steps: [\n', /^bad\.yaml:\d+: \(yaml\)/],
  ])('a bad file names file, line and field: %#', (steps, pattern) => {
    const text = `name: t\ndoors:\n  - { id: d, position: [0, 0] }\nphones:\n  - { id: p, position: [0, 1] }\n${steps}`;
    let message = '';
    try {
      parseScenario('bad.yaml', text);
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      message = (error as Error).message;
    }
    expect(message).toMatch(pattern);
  });

  it('`latchkey scenario run` writes valid JUnit with one test case per scenario and exits 0', async () => {
    let out = '';
    const code = await main(['scenario', 'run', 'scenarios', '--junit', 'artifacts/scenarios.junit.xml', '--json'], (text) => {
      out += text;
    });
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.failed).toBe(0);
    const xml = readFileSync('artifacts/scenarios.junit.xml', 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(files.length);
    expectWellFormedXml(xml);
  });
});

/** A small well-formedness check: balanced tags, escaped text, one root. */
function expectWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
  const body = xml.slice(xml.indexOf('\n') + 1);
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w:-]+="[^"<&]*(?:&(?:amp|lt|gt|quot|apos);[^"<&]*)*")*)\s*(\/?)>/g;
  let last = 0;
  let roots = 0;
  for (let match = tag.exec(body); match !== null; match = tag.exec(body)) {
    const text = body.slice(last, match.index);
    expect(text, 'text between tags').not.toMatch(/[<>]|&(?!(amp|lt|gt|quot|apos);)/);
    last = tag.lastIndex;
    const [, closing, name, , selfClosing] = match;
    if (closing) expect(stack.pop()).toBe(name);
    else if (!selfClosing) {
      if (stack.length === 0) roots++;
      stack.push(name!);
    }
  }
  expect(body.slice(last).trim()).toBe('');
  expect(stack).toEqual([]);
  expect(roots).toBe(1);
}
