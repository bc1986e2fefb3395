/**
 * Version negotiation (src/protocol/unlock/versions.ts) at its edges: the highest common bit, and
 * `version_unsupported` when there is none. Before issue 14 only the model test reached the
 * refusal (mutation testing: `if (common === 0)` → `if (false)` survived the fast tests).
 */
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';
import { highestCommonVersion, protocolVersion1, protocolVersion2, supportedVersions } from '../../src/protocol/unlock/versions.ts';


describe('highestCommonVersion', () => {
  it('picks the highest bit both sides have', () => {
    expect(highestCommonVersion(protocolVersion1 | protocolVersion2, protocolVersion1 | protocolVersion2)).toBe(protocolVersion2);
    expect(highestCommonVersion(protocolVersion1 | protocolVersion2, protocolVersion1)).toBe(protocolVersion1);
    expect(highestCommonVersion(0b1000_0010, 0b1111_1111)).toBe(0b1000_0000);
    expect(highestCommonVersion(supportedVersions, supportedVersions)).toBe(protocolVersion2);
  });

  it('only the low 8 bits count', () => {
    expect(highestCommonVersion(0x1_02, 0x1_03)).toBe(0x02);
    expect(codeOf(() => highestCommonVersion(0x100, 0x100))).toBe('version_unsupported');
  });

  it('no common version is version_unsupported (never a negative or zero bit)', () => {
    expect(codeOf(() => highestCommonVersion(protocolVersion2, protocolVersion1))).toBe('version_unsupported');
    expect(codeOf(() => highestCommonVersion(0, 0xff))).toBe('version_unsupported');
  });
});
