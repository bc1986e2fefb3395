/** The one lock-output → ATT mapping used by the virtual radio, the bleno peripheral and the Web Bluetooth bridge. */
import { describe, expect, it } from 'vitest';
import type { LockOutput } from '../../firmware-model/lock.ts';
import { attUnlikelyError, readAnswerOf, writeAnswerOf } from '../../src/radio/gatt-adapter.ts';

const value = Uint8Array.of(1, 2, 3);
const audit = { type: 'relock' } as const satisfies LockOutput;

describe('GATT adapter', () => {
  it('a Read is answered by the first read_response or read_error; none → null', () => {
    expect(readAnswerOf([audit, { type: 'read_response', connectionId: 1, value }, { type: 'read_error', connectionId: 1, attError: 0x80 }])).toEqual({ ok: true, value });
    expect(readAnswerOf([{ type: 'read_error', connectionId: 1, attError: 0x07 }, { type: 'read_response', connectionId: 1, value }])).toEqual({ ok: false, attError: 0x07 });
    expect(readAnswerOf([audit, { type: 'write_response', connectionId: 1, attError: 0 }])).toBeNull();
  });

  it('a Write Request is answered by the first write_response: 0 is success; none → null', () => {
    expect(writeAnswerOf([audit, { type: 'write_response', connectionId: 1, attError: 0 }])).toEqual({ ok: true });
    expect(writeAnswerOf([{ type: 'write_response', connectionId: 1, attError: 0x80 }, { type: 'write_response', connectionId: 1, attError: 0 }])).toEqual({ ok: false, attError: 0x80 });
    expect(writeAnswerOf([{ type: 'read_response', connectionId: 1, value }])).toBeNull();
    expect(attUnlikelyError).toBe(0x0e);
  });
});
