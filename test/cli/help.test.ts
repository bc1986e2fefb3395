/**
 * Attack on issue 13: `latchkey up --help` stated a default log level (warn) other than the one `up`
 * uses (info), and answered with a usage error. Now `<command> --help` prints the usage and exits 0,
 * and the usage states the level `up` really starts at.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { upLogLevelDefault } from '../../src/cli/up.ts';

describe('latchkey up --help', () => {
  it('prints the usage, exits 0, and states the log level up really uses', async () => {
    let text = '';
    const code = await main(['up', '--help'], (line) => {
      text += `${line}\n`;
    });
    expect(code).toBe(0);
    const upLine = text.split('\n').find((line) => line.trim().startsWith('latchkey up '));
    expect(upLine).toBeDefined();
    const stated = /--log-level LEVEL \(default: (\w+)\)/.exec(upLine!)?.[1];
    expect(stated).toBe('info');
    expect(stated).toBe(upLogLevelDefault);
    expect(text).toMatch(/default: warn, for `up`: info/);
  });
});

describe('latchkey help: hci serve', () => {
  it('names every flag hci serve accepts (second attack on issue 16: --seed, --loss, --host were missing)', async () => {
    const { hciFlags } = await import('../../src/cli/hci.ts');
    let text = '';
    await main(['help'], (line) => {
      text += `${line}\n`;
    });
    const serveLine = text.split('\n').find((line) => line.trim().startsWith('latchkey hci serve '));
    expect(serveLine).toBeDefined();
    for (const flag of hciFlags.filter((f) => f !== 'log-level')) expect(serveLine, flag).toContain(`--${flag}`);
  });
});
