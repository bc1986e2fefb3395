/**
 * Every bound of the protocol in one place. Parsers check input against these before doing any
 * work; relations between limits are asserted when this module loads (TigerBeetle style).
 */
import { assert } from './errors.ts';

export const limits = {
  /** Whole COSE_Sign1 credential. */
  credentialBytesMax: 600,
  /** Doors (lock ids) one credential may name. */
  credentialDoorsMax: 16,
  /** Lock id, access grant id, credential id (cti) byte lengths. */
  idBytesMax: 16,
  /** Issuer (iss), subject (sub) text lengths. */
  textBytesMax: 64,
  /** CBOR nesting depth accepted by the decoder. */
  cborDepthMax: 8,
  /** Items (array elements + map entries) in one CBOR document. */
  cborItemsMax: 512,
  /** Any single CBOR document the lock or phone accepts. */
  cborBytesMax: 4096,
  /** A reassembled request at the lock (credential + proof + piggybacked update). */
  requestBytesMax: 2048,
  /** Chunks one request may take (bounded reassembly). */
  requestChunksMax: 128,
  /** Revoked credential ids one signed update may list. */
  revocationEntriesMax: 64,
  /** Door sequence entries one signed update may carry. */
  doorSequenceEntriesMax: 16,
  /** Trusted issuer keys one lock holds. */
  trustedIssuersMax: 4,
  /** Verified credentials a lock caches by hash (repeat unlock without resending). */
  credentialCacheMax: 32,
  /** Resumption tickets a lock holds. */
  ticketsMax: 32,
  /** Audit ring entries. */
  auditEntriesMax: 256,
  /** Revocation entries a lock keeps: one update's snapshot (the lock replaces its list with each update's). */
  lockRevocationsMax: 64,
  /**
   * How long an issuer keeps a revoked credential in its updates after the credential's expiry. Each
   * update replaces the lock's list, so an issuer that dropped an entry at expiry would make the lock
   * forget it while the credential can still open: a lock accepts up to its skew tolerance past expiry,
   * and its clock may later step back by its rollback tolerance (30 s + 120 s by default). An hour
   * covers any sane configuration; the lock itself prunes at exp + skew + rollback.
   */
  revocationRetentionS: 3600,
  /** AEAD messages per direction in one session; the session ends before this (never wraps). */
  sessionMessagesMax: 0xffff,
  /** ATT MTU bounds (Core v5.4 Vol 3 Part F §3.2.8). */
  attMtuMin: 23,
  attMtuMax: 517,
} as const;

assert(limits.credentialBytesMax < limits.requestBytesMax, 'a request must fit a credential');
assert(limits.requestBytesMax <= limits.cborBytesMax, 'requests are CBOR documents');
assert(limits.lockRevocationsMax >= limits.revocationEntriesMax, 'a lock holds any snapshot an update can carry');
assert(limits.sessionMessagesMax < 2 ** 32, 'the IV counter is 32 bits and must never wrap');
assert(limits.requestBytesMax <= limits.requestChunksMax * (limits.attMtuMin - 3 - 1), 'a max request fits in max chunks at MTU 23');
