/**
 * Regression test (copied from scripts/attack-repro-13/third/log-redaction-invisible.test.ts, where it reproduced the finding).
 *
 * Third attack on issue 13 (log redaction): a link code or API key with an invisible or stray
 * character inside it (what copy-paste from chats and e-mails adds: a zero-width space, a bidi mark,
 * a soft line break, a space) is logged in full: the redaction patterns stop at the first character
 * outside [A-Za-z0-9_-] and never see the rest. Seen in `latchkey up`'s own request log too
 * ("url":"/ik/\u202eKMISJKhzaxHMDk3LmglztA", "url":"/x?t=seam\u200b_lk1\u200b_cpXRw9…").
 * The log line holds the whole secret: drop the inserted character and it works.
 */
import { expect, it } from 'vitest';
import { redactUrl } from '../../src/server/http/redact.ts';

const code = 'KMISJKhzaxHMDk3LmglztA';
const key = 'seam_lk1_cpXRw9HcL1507tN8wfN9HOWXmrPI8McQ';
const cases = [
  `/ik/%E2%80%8B${code}`, // zero-width space before the code
  `/ik/%E2%80%AE${code}`, // bidi override before the code
  `/ik/${code.slice(0, 8)}%0A${code.slice(8)}`, // soft line break inside the code
  `/x?u=http://h/ik/%E2%80%8B${code}`,
  `/x?t=${key.replaceAll('_', '%E2%80%8B_')}`, // zero-width spaces in the key
  `/x?t=${key.slice(0, 9)}%20${key.slice(9)}`, // a space after the prefix
  `/x?t=seam%C0%DFlk1_cpXRw9HcL1507tN8wfN9HOWXmrPI8McQ`,
];

it('no 10-character piece of a link code or API key survives redaction', () => {
  const leaks = cases.map((url) => {
    const line = redactUrl(url);
    const pieces = [code.slice(0, 10), code.slice(12), key.slice(9, 21), key.slice(-12)];
    return { url, leaked: pieces.filter((p) => line.includes(p)), line };
  }).filter((c) => c.leaked.length > 0);
  // Every case leaked (the whole code / key behind the inserted character) before the fix.
  expect(leaks).toEqual([]);
});
