/**
 * JUnit XML (the Jenkins/Surefire dialect CI systems read): one testcase per scenario; a scenario
 * not applicable to the transport is a `<skipped message="…">` test case saying why.
 */
import type { ScenarioResult } from './runner.ts';

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function toJunit(results: ScenarioResult[], suiteName = 'latchkey scenarios'): string {
  const failures = results.filter((r) => !r.passed).length;
  const skipped = results.filter((r) => r.skipped !== undefined).length;
  const seconds = (ms: number): string => (ms / 1000).toFixed(3);
  const totalMs = results.reduce((sum, r) => sum + r.wallMs, 0);
  const cases = results.map((r) => {
    const open = `    <testcase classname="${escape(r.file)}" name="${escape(r.name)}" time="${seconds(r.wallMs)}">`;
    const props = `      <system-out>${escape(`seed ${r.seed}; ${r.checks} checks; virtual ${r.virtualMs} ms; trace ${r.traceDigest}; replay: ${r.replay}`)}</system-out>`;
    if (r.skipped !== undefined) return [open, `      <skipped message="${escape(`not applicable to this transport: ${r.skipped}`)}"/>`, '    </testcase>'].join('\n');
    if (r.passed) return [open, props, '    </testcase>'].join('\n');
    const message = `${r.file}:${r.failure!.line}: ${r.failure!.message}`;
    return [open, `      <failure message="${escape(message)}" type="ScenarioFailure">${escape(`${message}\nreplay: ${r.replay}`)}</failure>`, props, '    </testcase>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escape(suiteName)}" tests="${results.length}" failures="${failures}" errors="0" time="${seconds(totalMs)}">`,
    `  <testsuite name="${escape(suiteName)}" tests="${results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${seconds(totalMs)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
