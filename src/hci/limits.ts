/**
 * Every bound of the virtual HCI layer, named, in one place (house style: everything bounded).
 *
 * Why here: queues, tables and buffers in the controller, the link and the btsnoop recorder are
 * all sized from these constants, and the relations between them are asserted when the module
 * loads, so a change that breaks one relation fails at import rather than in a long run.
 */

/** LE_ACL_Data_Packet_Length we report in HCI_LE_Read_Buffer_Size (251 = LE Data Length
 * Extension maximum payload, Vol 6, Part B, §4.5.10). Hosts fragment L2CAP PDUs to this. */
export const leAclDataPacketLength = 251;

/** The smallest LE ACL buffer a controller may report: the 27-octet LL payload every LE
 * controller carries (Vol 6, Part B, §4.5.10). Hosts fragment to the reported size. */
export const leAclDataPacketLengthMin = 27;

/** Total_Num_LE_ACL_Data_Packets: host→controller ACL packets in flight per host, released by
 * HCI_Number_Of_Completed_Packets. Without that event bleno stalls after this many packets. */
export const totalNumLeAclDataPackets = 8;

/** Largest ACL payload the H4 decoder accepts at all (anything larger is refused unread). */
export const aclDataPacketLengthMax = 1024;

/** Hosts attached to one link (each is one virtual controller). */
export const hostsMax = 64;

/** Simultaneous connections on one link. */
export const connectionsMax = 64;

/** Advertising interval bounds, Vol 4, Part E, §7.8.5 (0x0020..0x4000 × 0.625 ms). */
export const advertisingIntervalMsMin = 20;
export const advertisingIntervalMsMax = 10_240;

/** advDelay, the 0–10 ms pseudo-random delay added to every advertising event (Vol 6, Part B,
 * §4.4.2.2.1). Drawn from the seeded RNG. */
export const advertisingDelayMsMax = 10;

/** Extra one-way latency accepted in options. */
export const latencyMsMax = 60_000;

/** Distinct (address, event type, data) entries remembered per scanner for Filter_Duplicates. */
export const duplicateFilterEntriesMax = 1024;

/** Bytes written to one btsnoop capture before further records are counted as dropped. */
export const captureBytesMax = 256 * 1024 * 1024;

/** Bytes buffered in memory by the btsnoop writer before a flush to disk. */
export const captureFlushBytes = 64 * 1024;

/** Largest H4 packet the transports accept: an ACL header plus the ACL payload limit. */
export const h4PacketBytesMax = 5 + aclDataPacketLengthMax;

/** Output octets `hci serve` queues for one endpoint that does not read (a TCP client past it
 * is dropped; a pty loses its output until it drains). Far above any burst a reading host sees. */
export const serveBacklogBytesMax = 1024 * 1024;

/** A pty host silent for this long no longer keeps a TCP client from taking its controller
 * (a pty has no "peer closed", so silence is the only sign a host left; an advertising
 * lock's host may legitimately send nothing for a while). */
export const ptyIdleMsMax = 10_000;

/** Host-side guard for every noble operation (noble itself has none on connect). */
export const centralOperationTimeoutMsDefault = 5_000;

function assertRelation(condition: boolean, relation: string): void {
  if (!condition) throw new Error(`hci limits: ${relation}`);
}

assertRelation(leAclDataPacketLength >= leAclDataPacketLengthMin, 'LE ACL packets carry at least 27 octets (Vol 6, Part B, §4.5.10)');
assertRelation(leAclDataPacketLength <= aclDataPacketLengthMax, 'reported ACL length within decoder limit');
assertRelation(totalNumLeAclDataPackets >= 1 && totalNumLeAclDataPackets <= 0xff, 'Total_Num_LE_ACL_Data_Packets is a u8 ≥ 1');
assertRelation(connectionsMax <= hostsMax * hostsMax, 'connections fit between hosts');
assertRelation(advertisingIntervalMsMin < advertisingIntervalMsMax, 'advertising interval bounds ordered');
assertRelation(captureFlushBytes < captureBytesMax, 'capture flush below capture limit');
assertRelation(serveBacklogBytesMax >= 16 * h4PacketBytesMax, 'a served endpoint can queue a burst of full-size packets');
