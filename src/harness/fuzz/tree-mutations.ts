/**
 * Structure-aware mutation of a raw CBOR tree: a fast-check arbitrary describes a stack of edits
 * (replace a node with a hostile item, force a non-shortest width, make it indefinite, unsort or
 * duplicate map keys, drop or add entries, wrap in a tag, nest deeply) and `applyTreeMutations`
 * applies them to a copy. Node positions are pre-order indices taken modulo the node count.
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

function clone(item: RawItem): RawItem {
  switch (item.kind) {
    case 'array':
      return { ...item, items: item.items.map(clone) };
    case 'map':
      return { ...item, entries: item.entries.map(([key, value]) => [clone(key), clone(value)]) };
    case 'tag':
      return { ...item, item: clone(item.item) };
    default:
      return { ...item };
  }
}

/** Pre-order list of nodes with a setter that replaces each in its parent. */
function nodes(root: { value: RawItem }): { item: RawItem; set(next: RawItem): void }[] {
  const out: { item: RawItem; set(next: RawItem): void }[] = [];
  const visit = (item: RawItem, set: (next: RawItem) => void): void => {
    out.push({ item, set });
    if (item.kind === 'array') item.items.forEach((child, index) => visit(child, (next) => (item.items[index] = next)));
    else if (item.kind === 'map') {
      item.entries.forEach((entry) => {
        visit(entry[0], (next) => (entry[0] = next));
        visit(entry[1], (next) => (entry[1] = next));
      });
    } else if (item.kind === 'tag') visit(item.item, (next) => (item.item = next));
  };
  visit(root.value, (next) => (root.value = next));
  return out;
}

export function applyTreeMutations(tree: RawItem, mutations: readonly TreeMutation[]): RawItem {
  const root = { value: clone(tree) };
  for (const mutation of mutations) {
    const all = nodes(root);
    const node = all[mutation.at % all.length]!;
    applyOne(node, mutation);
  }
  return root.value;
}

function applyOne(node: { item: RawItem; set(next: RawItem): void }, mutation: TreeMutation): void {
  const item = node.item;
  switch (mutation.op) {
    case 'replace':
      return node.set(clone(mutation.item));
    case 'integer':
      return node.set({ kind: mutation.negative ? 'nint' : 'uint', value: mutation.value });
    case 'width':
      if (item.kind === 'uint' || item.kind === 'nint' || item.kind === 'bytes' || item.kind === 'text' || item.kind === 'array' || item.kind === 'map') node.set({ ...item, width: mutation.width });
      return;
    case 'indefinite':
      if (item.kind === 'bytes' || item.kind === 'text' || item.kind === 'array' || item.kind === 'map') node.set({ ...item, indefinite: true });
      return;
    case 'unsort':
      if (item.kind === 'map' && item.entries.length > 1) node.set({ ...item, unsorted: true, entries: [...item.entries].reverse() });
      return;
    case 'tag':
      return node.set({ kind: 'tag', tag: mutation.tag, item });
    case 'drop':
      if (item.kind === 'array' && item.items.length > 0) item.items.splice(mutation.index % item.items.length, 1);
      if (item.kind === 'map' && item.entries.length > 0) item.entries.splice(mutation.index % item.entries.length, 1);
      return;
    case 'add':
      if (item.kind === 'array') item.items.push(clone(mutation.value));
      if (item.kind === 'map') item.entries.push([clone(mutation.key), clone(mutation.value)]);
      return;
    case 'duplicate':
      if (item.kind === 'array' && item.items.length > 0) item.items.push(clone(item.items[mutation.index % item.items.length]!));
      if (item.kind === 'map' && item.entries.length > 0) {
        const [key, value] = item.entries[mutation.index % item.entries.length]!;
        item.entries.push([clone(key), clone(value)]);
      }
      return;
  }
}
