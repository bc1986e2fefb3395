/**
 * Non-volatile storage with atomic commit, modelled as flash pages that can lose power at any write.
 *
 * Two slots (A/B). A commit writes the record's data pages into the inactive slot, then its header
 * page {sequence, length, SHA-256 of the data}. The header page write is the commit point: after a
 * power cut at any write index, `load` finds either the old record (new header absent or torn) or
 * the new one (header valid and data hash matches): never a mix. A torn page holds half new, half
 * old bytes, deterministically.
 */
import { concatBytes, equalBytes, u32be } from '../src/protocol/bytes.ts';
import type { CryptoProvider } from '../src/protocol/crypto/provider.ts';
import { assert } from '../src/protocol/errors.ts';

export const nvPageBytes = 64;
/**
 * 24 KiB per slot: the lock's largest possible state (512 revocations, 4 issuer keys, a full audit
 * ring of 64 records with 64-byte subjects: about 18.5 KiB) must always fit, or a commit could
 * never succeed again (persistent-state.ts asserts this when it loads).
 */
export const nvSlotPagesMax = 384;
const headerMagic = 0x4c4b4e56; // "LKNV"

/** Thrown inside a commit when the injected power cut fires; the lock stops at once. */
export class PowerLoss extends Error {
  constructor(writeIndex: number) {
    super(`power lost at NV write ${writeIndex}`);
    this.name = 'PowerLoss';
  }
}

interface Slot {
  header: Uint8Array;
  pages: Uint8Array[];
}

export class NvStorage {
  private readonly slots: [Slot, Slot] = [emptySlot(), emptySlot()];
  private readonly crypto: CryptoProvider;
  /** Page writes since creation (the index a power cut is scheduled against). */
  writeCount = 0;
  /** When set, the write with this index is torn and raises PowerLoss. */
  powerCutAtWrite: number | undefined;

  constructor(crypto: CryptoProvider) {
    this.crypto = crypto;
  }

  /** Page writes one commit of `lengthBytes` costs (data pages + the header page). */
  static writesPerCommit(lengthBytes: number): number {
    return Math.ceil(lengthBytes / nvPageBytes) + 1;
  }

  commit(record: Uint8Array): void {
    const pageCount = Math.ceil(record.length / nvPageBytes);
    assert(pageCount <= nvSlotPagesMax, `NV record of ${record.length} bytes exceeds the slot`);
    const current = this.loadSlot();
    const target = current === undefined ? 0 : 1 - current.index;
    const sequence = current === undefined ? 1 : current.sequence + 1;
    const slot = this.slots[target]!;
    for (let page = 0; page < pageCount; page++) {
      const data = new Uint8Array(nvPageBytes);
      data.set(record.subarray(page * nvPageBytes, (page + 1) * nvPageBytes));
      this.writePage(slot.pages, page, data);
    }
    const header = concatBytes(u32be(headerMagic), u32be(sequence), u32be(record.length), this.crypto.sha256(record));
    this.writePage(slot, 'header', header);
  }

  /**
   * The hashing `commit(record)` does (the current slots read back, the record hashed), without
   * writing: a lock that writes once its compute is done bills this work when it makes the record.
   */
  hashAsCommit(record: Uint8Array): void {
    this.loadSlot();
    this.crypto.sha256(record);
  }

  load(): Uint8Array | undefined {
    const slot = this.loadSlot();
    return slot?.record;
  }

  private writePage(target: Uint8Array[] | Slot, index: number | 'header', data: Uint8Array): void {
    const writeIndex = this.writeCount++;
    const old = Array.isArray(target) ? (target[index as number] ?? new Uint8Array(nvPageBytes)) : (target as Slot).header;
    const value = writeIndex === this.powerCutAtWrite ? tear(old, data) : data;
    if (Array.isArray(target)) target[index as number] = value;
    else (target as Slot).header = value;
    if (writeIndex === this.powerCutAtWrite) {
      this.powerCutAtWrite = undefined;
      throw new PowerLoss(writeIndex);
    }
  }

  private loadSlot(): { index: number; sequence: number; record: Uint8Array } | undefined {
    let best: { index: number; sequence: number; record: Uint8Array } | undefined;
    this.slots.forEach((slot, index) => {
      const parsed = this.readSlot(slot);
      if (parsed !== undefined && (best === undefined || parsed.sequence > best.sequence)) best = { index, ...parsed };
    });
    return best;
  }

  private readSlot(slot: Slot): { sequence: number; record: Uint8Array } | undefined {
    const header = slot.header;
    if (header.length !== 44) return undefined;
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    if (view.getUint32(0) !== headerMagic) return undefined;
    const sequence = view.getUint32(4);
    const length = view.getUint32(8);
    if (length > nvSlotPagesMax * nvPageBytes) return undefined;
    const record = new Uint8Array(length);
    for (let page = 0; page * nvPageBytes < length; page++) {
      const data = slot.pages[page];
      if (data === undefined) return undefined;
      record.set(data.subarray(0, Math.min(nvPageBytes, length - page * nvPageBytes)), page * nvPageBytes);
    }
    if (!equalBytes(this.crypto.sha256(record), header.subarray(12))) return undefined;
    return { sequence, record };
  }
}

function emptySlot(): Slot {
  return { header: new Uint8Array(0), pages: [] };
}

/** A torn write: the first half of the page is new, the rest still old. */
function tear(old: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length);
  out.set(old.subarray(0, data.length));
  out.set(data.subarray(0, data.length >> 1));
  return out;
}
