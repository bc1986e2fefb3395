/**
 * applyTreeMutations copies only the path to each edited node. Checked against the first
 * implementation (kept here as the reference: copy the whole tree, then edit nodes in place):
 * the same edits give byte-identical encodings, and the input tree is never changed.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeRaw, rawItemArbitrary, type RawItem } from '../../src/harness/fuzz/raw-cbor.ts';
import { credentialPayloadTree } from '../../src/harness/fuzz/reference.ts';
import { applyTreeMutations, treeMutationsArbitrary, type TreeMutation } from '../../src/harness/fuzz/tree-mutations.ts';

function clone(item: RawItem): RawItem {
  if (item.kind === 'array') return { ...item, items: item.items.map(clone) };
  if (item.kind === 'map') return { ...item, entries: item.entries.map(([key, value]) => [clone(key), clone(value)]) };
  if (item.kind === 'tag') return { ...item, item: clone(item.item) };
  return { ...item };
}

/** The reference: whole copy, pre-order node list with setters, edits in place. */
function referenceApply(tree: RawItem, mutations: readonly TreeMutation[]): RawItem {
  const root = { value: clone(tree) };
  for (const mutation of mutations) {
    const all: { item: RawItem; set(next: RawItem): void }[] = [];
    const visit = (item: RawItem, set: (next: RawItem) => void): void => {
      all.push({ item, set });
      if (item.kind === 'array') item.items.forEach((child, index) => visit(child, (next) => (item.items[index] = next)));
      else if (item.kind === 'map')
        item.entries.forEach((entry) => {
          visit(entry[0], (next) => (entry[0] = next));
          visit(entry[1], (next) => (entry[1] = next));
        });
      else if (item.kind === 'tag') visit(item.item, (next) => (item.item = next));
    };
    visit(root.value, (next) => (root.value = next));
    const { item, set } = all[mutation.at % all.length]!;
    switch (mutation.op) {
      case 'replace':
        set(clone(mutation.item));
        break;
      case 'integer':
        set({ kind: mutation.negative ? 'nint' : 'uint', value: mutation.value });
        break;
      case 'width':
        if (item.kind === 'uint' || item.kind === 'nint' || item.kind === 'bytes' || item.kind === 'text' || item.kind === 'array' || item.kind === 'map') set({ ...item, width: mutation.width });
        break;
      case 'indefinite':
        if (item.kind === 'bytes' || item.kind === 'text' || item.kind === 'array' || item.kind === 'map') set({ ...item, indefinite: true });
        break;
      case 'unsort':
        if (item.kind === 'map' && item.entries.length > 1) set({ ...item, unsorted: true, entries: [...item.entries].reverse() });
        break;
      case 'tag':
        set({ kind: 'tag', tag: mutation.tag, item });
        break;
      case 'drop':
        if (item.kind === 'array' && item.items.length > 0) item.items.splice(mutation.index % item.items.length, 1);
        if (item.kind === 'map' && item.entries.length > 0) item.entries.splice(mutation.index % item.entries.length, 1);
        break;
      case 'add':
        if (item.kind === 'array') item.items.push(clone(mutation.value));
        if (item.kind === 'map') item.entries.push([clone(mutation.key), clone(mutation.value)]);
        break;
      case 'duplicate':
        if (item.kind === 'array' && item.items.length > 0) item.items.push(clone(item.items[mutation.index % item.items.length]!));
        if (item.kind === 'map' && item.entries.length > 0) {
          const [key, value] = item.entries[mutation.index % item.entries.length]!;
          item.entries.push([clone(key), clone(value)]);
        }
        break;
    }
  }
  return root.value;
}

const claimsTree = credentialPayloadTree({
  issuer: 'https://latchkey.invalid/issuer',
  subject: 'guest-1',
  credentialId: new Uint8Array(16).fill(7),
  notBeforeS: 1_700_000_000,
  expiresAtS: 1_800_000_000,
  issuedAtS: 1_700_000_000,
  holderKey: new Uint8Array(33).fill(2),
  grantId: new Uint8Array(16).fill(9),
  doors: [{ lockId: new Uint8Array(8).fill(1), sequence: 1 }],
});

describe('applyTreeMutations (path copying)', () => {
  it('gives the bytes of the whole-copy reference for the same edits, on the claims tree and on random trees', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constant(claimsTree), rawItemArbitrary), treeMutationsArbitrary, (tree, mutations) => {
        expect(encodeRaw(applyTreeMutations(tree, mutations))).toEqual(encodeRaw(referenceApply(tree, mutations)));
      }),
      { numRuns: 2000 },
    );
  });

  it('never changes the tree it is given (the fuzzer shares one claims tree across cases)', () => {
    const before = encodeRaw(claimsTree);
    fc.assert(
      fc.property(treeMutationsArbitrary, (mutations) => {
        applyTreeMutations(claimsTree, mutations);
        expect(encodeRaw(claimsTree)).toEqual(before);
      }),
      { numRuns: 2000 },
    );
  });

  it('each kind of edit lands on the node its pre-order index names', () => {
    const tree: RawItem = { kind: 'map', entries: [[{ kind: 'uint', value: 1 }, { kind: 'array', items: [{ kind: 'uint', value: 5 }, { kind: 'text', value: 'a' }] }]] };
    // Nodes: 0 map, 1 key 1, 2 array, 3 uint 5, 4 text 'a'; an index past the end wraps (8 → 3).
    expect(encodeRaw(applyTreeMutations(tree, [{ op: 'integer', at: 3, value: 24, negative: false }]))).toEqual(new Uint8Array([0xa1, 0x01, 0x82, 0x18, 0x18, 0x61, 0x61]));
    expect(encodeRaw(applyTreeMutations(tree, [{ op: 'drop', at: 2, index: 0 }]))).toEqual(new Uint8Array([0xa1, 0x01, 0x81, 0x61, 0x61]));
    expect(encodeRaw(applyTreeMutations(tree, [{ op: 'tag', at: 4, tag: 1 }]))).toEqual(new Uint8Array([0xa1, 0x01, 0x82, 0x05, 0xc1, 0x61, 0x61]));
    expect(encodeRaw(applyTreeMutations(tree, [{ op: 'width', at: 8, width: 1 }]))).toEqual(new Uint8Array([0xa1, 0x01, 0x82, 0x18, 0x05, 0x61, 0x61]));
  });
});
