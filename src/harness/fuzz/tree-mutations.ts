/**
 * Structure-aware mutation of a raw CBOR tree: a fast-check arbitrary describes a stack of edits
 * (replace a node with a hostile item, force a non-shortest width, make it indefinite, unsort or
 * duplicate map keys, drop or add entries, wrap in a tag, nest deeply) and `applyTreeMutations`
 * applies them without changing the input. Node positions are pre-order indices taken modulo the node count.
 */
import * as fc from 'fast-check';
import { boundaryIntegerArbitrary, nestedArbitrary, rawItemArbitrary, wideArbitrary, type ArgumentWidth, type RawItem } from './raw-cbor.ts';

export type TreeMutation =
  | { op: 'replace'; at: number; item: RawItem }
  | { op: 'integer'; at: number; value: number | bigint; negative: boolean }
  | { op: 'width'; at: number; width: ArgumentWidth }
  | { op: 'indefinite'; at: number }
  | { op: 'unsort'; at: number }
  | { op: 'tag'; at: number; tag: number }
  | { op: 'drop'; at: number; index: number }
  | { op: 'add'; at: number; key: RawItem; value: RawItem }
  | { op: 'duplicate'; at: number; index: number };

const at = fc.nat();
export const treeMutationArbitrary: fc.Arbitrary<TreeMutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at, item: rawItemArbitrary }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), at, item: fc.oneof(nestedArbitrary, wideArbitrary) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('integer' as const), at, value: boundaryIntegerArbitrary, negative: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('width' as const), at, width: fc.constantFrom<ArgumentWidth>(1, 2, 4, 8) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('indefinite' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('unsort' as const), at }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('tag' as const), at, tag: fc.constantFrom(0, 1, 18, 24, 55799) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), at, index: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('add' as const), at, key: fc.oneof(fc.integer({ min: -65540, max: 12 }).map((value): RawItem => (value >= 0 ? { kind: 'uint', value } : { kind: 'nint', value: -1 - value })), rawItemArbitrary), value: rawItemArbitrary }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at, index: fc.nat() }) },
);

/** One to three edits. */
export const treeMutationsArbitrary: fc.Arbitrary<TreeMutation[]> = fc.array(treeMutationArbitrary, { minLength: 1, maxLength: 3 });

/**
 * Node counts per node. Trees are immutable (every edit builds new nodes on the path it changes
 * and shares the rest; no code writes into a node), so a node's count never changes: the fixture
 * trees' counts are taken once, not again at every level of every edit of every case.
 */
const nodeCounts = new WeakMap<RawItem, number>();

function countNodes(item: RawItem): number {
  if (item.kind !== 'array' && item.kind !== 'map' && item.kind !== 'tag') return 1;
  const known = nodeCounts.get(item);
  if (known !== undefined) return known;
  let count = 1;
  if (item.kind === 'array') for (const child of item.items) count += countNodes(child);
  else if (item.kind === 'map') for (const [key, value] of item.entries) count += countNodes(key) + countNodes(value);
  else count += countNodes(item.item);
  nodeCounts.set(item, count);
  return count;
}

/**
 * Applies the edits in order; edit k sees the tree edit k − 1 left. The input is never changed:
 * each edit copies only the path from the root to the node it edits (the rest is shared, and no
 * edit writes into a node it did not copy), which gives the tree a full copy would give without
 * copying every node of it per case. Inserted nodes (a replacement, an added or duplicated entry)
 * are shared, not copied: nothing writes into a node once built.
 */
export function applyTreeMutations(tree: RawItem, mutations: readonly TreeMutation[]): RawItem {
  let root = tree;
  for (const mutation of mutations) root = editAt(root, mutation.at % countNodes(root), mutation);
  return root;
}

/** `item` with its node number `index` (pre-order: a node, then its children, map key before value) edited. */
function editAt(item: RawItem, index: number, mutation: TreeMutation): RawItem {
  if (index === 0) return applyOne(item, mutation);
  let rest = index - 1;
  if (item.kind === 'array') {
    for (let i = 0; i < item.items.length; i++) {
      const size = countNodes(item.items[i]!);
      if (rest < size) {
        const items = item.items.slice();
        items[i] = editAt(items[i]!, rest, mutation);
        return { ...item, items };
      }
      rest -= size;
    }
  } else if (item.kind === 'map') {
    for (let i = 0; i < item.entries.length; i++) {
      const [key, value] = item.entries[i]!;
      const keySize = countNodes(key);
      const valueSize = countNodes(value);
      if (rest < keySize + valueSize) {
        const entries = item.entries.slice();
        entries[i] = rest < keySize ? [editAt(key, rest, mutation), value] : [key, editAt(value, rest - keySize, mutation)];
        return { ...item, entries };
      }
      rest -= keySize + valueSize;
    }
  } else if (item.kind === 'tag') return { ...item, item: editAt(item.item, rest, mutation) };
  throw new Error(`assertion failed: node ${index} is outside the tree`);
}

/** The node that replaces `item` after the edit (a new node, or `item` when the edit does not apply). */
function applyOne(item: RawItem, mutation: TreeMutation): RawItem {
  switch (mutation.op) {
    case 'replace':
      return mutation.item;
    case 'integer':
      return { kind: mutation.negative ? 'nint' : 'uint', value: mutation.value };
    case 'width':
      if (item.kind === 'uint' || item.kind === 'nint' || item.kind === 'bytes' || item.kind === 'text' || item.kind === 'array' || item.kind === 'map') return { ...item, width: mutation.width };
      return item;
    case 'indefinite':
      if (item.kind === 'bytes' || item.kind === 'text' || item.kind === 'array' || item.kind === 'map') return { ...item, indefinite: true };
      return item;
    case 'unsort':
      if (item.kind === 'map' && item.entries.length > 1) return { ...item, unsorted: true, entries: [...item.entries].reverse() };
      return item;
    case 'tag':
      return { kind: 'tag', tag: mutation.tag, item };
    case 'drop':
      if (item.kind === 'array' && item.items.length > 0) return { ...item, items: without(item.items, mutation.index % item.items.length) };
      if (item.kind === 'map' && item.entries.length > 0) return { ...item, entries: without(item.entries, mutation.index % item.entries.length) };
      return item;
    case 'add':
      if (item.kind === 'array') return { ...item, items: [...item.items, mutation.value] };
      if (item.kind === 'map') return { ...item, entries: [...item.entries, [mutation.key, mutation.value]] };
      return item;
    case 'duplicate':
      if (item.kind === 'array' && item.items.length > 0) return { ...item, items: [...item.items, item.items[mutation.index % item.items.length]!] };
      if (item.kind === 'map' && item.entries.length > 0) return { ...item, entries: [...item.entries, item.entries[mutation.index % item.entries.length]!] };
      return item;
  }
}

function without<T>(list: readonly T[], index: number): T[] {
  const out = list.slice();
  out.splice(index, 1);
  return out;
}
