// ATT/L2CAP edge cases from a foreign Core-spec host against a latchkey bleno lock served by
// `latchkey hci serve` (lock on controller 0, our host on controller 1).
// Run: npx tsx scripts/attack-repro-16/second/03-att-edge.ts
import { trustedIssuerToHex } from '../../../src/ble/lock-peripheral.ts';
import { parseHciTransportSpec, startVirtualBle } from '../../../src/hci/index.ts';
import { toHex } from '../../../src/protocol/bytes.ts';
import { makeIssuer, makeLockIdentity, nodeCrypto, seeded, trustedOf } from '../../../test/helpers/fixtures.ts';
// @ts-expect-error plain JS helper
import { H4Host, serve, sleep, portOf } from './h4host.mjs';

const srv = await serve(['--controllers', '2', '--seed', '9', '--acl-buffer', '27:4']);
const random = seeded(16, 'foreign');
const identity = makeLockIdentity(random.fork('lock'));
const issuer = makeIssuer(nodeCrypto, 'EdDSA', random.fork('issuer'));
const ble = startVirtualBle({ seed: 16, lockController: parseHciTransportSpec(srv.info.controllers[0].tcp) });
await ble.spawnPeripheral(new URL('../../../src/ble/lock-peripheral.ts', import.meta.url), {
  label: 'door',
  options: { lockIdHex: toHex(identity.lockId), signingSecretHex: toHex(identity.signingSecret), agreementSecretHex: toHex(identity.agreementSecret), trustedIssuers: trustedOf(issuer).map(trustedIssuerToHex), seed: 16 },
});
const host = await (await H4Host.tcp(portOf(srv.info.controllers[1]), undefined, 'foreign')).init();
await host.cmd(0x200b, Buffer.from([1, 0x10, 0, 0x10, 0, 0, 0]));
await host.cmd(0x200c, Buffer.from([1, 0]));
const rep = await host.wait(() => host.events.find((e: any) => e.code === 0x3e && e.p[0] === 0x02 && e.p[2] === 0x00), 8000, 'adv report');
await host.cmd(0x200c, Buffer.from([0, 0]));
const conn = await host.connect(Buffer.from(rep.p.subarray(4, 10)), { intervalUnits: 6, timeoutUnits: 200 });
const h = conn.handle;
// L2CAP reassembly on our side (controller fragments to 27).
let frames: Buffer[] = []; let partial: Buffer | null = null; let seen = 0;
const pump = () => { for (; seen < host.acl.length; seen++) { const a = host.acl[seen]; if (a.pb !== 1) partial = a.data; else partial = Buffer.concat([partial ?? Buffer.alloc(0), a.data]); if (partial && partial.length >= 4 && partial.length >= 4 + partial.readUInt16LE(0)) { frames.push(partial); partial = null; } } };
async function att(pdu: number[] | Buffer, ms = 3000): Promise<Buffer | null> {
  host.sendL2cap(h, 4, Buffer.from(pdu as any));
  try { const f = await host.wait(() => { pump(); return frames.shift(); }, ms, 'ATT'); return f.subarray(4); } catch { return null; }
}
const hex = (b: Buffer | null) => (b === null ? 'NO ANSWER' : b.toString('hex'));
const r: Record<string, string> = {};
r['mtu req 5 (below 23)'] = hex(await att([0x02, 5, 0]));
r['read handle 0x0000'] = hex(await att([0x0a, 0, 0]));
r['read handle 0xffff'] = hex(await att([0x0a, 0xff, 0xff]));
if (process.argv[2] !== 'skip-truncated') r['read truncated (1 octet handle)'] = hex(await att([0x0a, 0x01]));
r['read by type start>end'] = hex(await att([0x08, 5, 0, 1, 0, 0x03, 0x28]));
r['find info 0x0000'] = hex(await att([0x04, 0, 0, 0xff, 0xff]));
r['unknown request 0x3f'] = hex(await att([0x3f, 1, 2]));
r['prepare write h=3'] = hex(await att([0x16, 3, 0, 0, 0, 1, 2, 3]));
r['execute write flags=1'] = hex(await att([0x18, 1]));
r['execute write flags=7 (invalid)'] = hex(await att([0x18, 7]));
r['second MTU req 517'] = hex(await att([0x02, 0x05, 0x02]));
// Read By Group Type over the whole range, then characteristics
r['read by group type'] = hex(await att([0x10, 1, 0, 0xff, 0xff, 0x00, 0x28]));
r['read by type chars'] = hex(await att([0x08, 1, 0, 0xff, 0xff, 0x03, 0x28]));
// two requests without waiting (ATT forbids; the server may ignore the second but must answer the first)
host.sendL2cap(h, 4, Buffer.from([0x0a, 3, 0])); 
r['pipelined 2nd read'] = hex(await att([0x0a, 3, 0]));
r['…and then'] = hex(await (async () => { try { return (await host.wait(() => { pump(); return frames.shift(); }, 1500, 'ATT')).subarray(4); } catch { return null; } })());
// L2CAP frame whose length lies (says 40, carries 3) followed by a fresh frame
host.sendAcl(h, Buffer.from([40, 0, 4, 0, 0x0a, 3, 0]), 0);
r['after lying L2CAP length'] = hex(await att([0x0a, 3, 0]));
// L2CAP signalling channel: unknown command → Command Reject expected (Vol 3 Part A §4.1)
host.sendL2cap(h, 5, Buffer.from([0x7f, 1, 0, 0]));
r['LE signalling unknown code'] = await (async () => { try { const f = await host.wait(() => { pump(); return frames.shift(); }, 1500, 'sig'); return f.toString('hex'); } catch { return 'NO ANSWER'; } })();
for (const [k, v] of Object.entries(r)) console.log(k.padEnd(34), v);
console.log('disconnect events:', host.events.filter((e: any) => e.code === 0x05).map((e: any) => e.p.toString('hex')), 'acl frames in:', host.acl.length);
if (process.argv[2] !== 'skip-truncated') {
  // The link may still be up (the fix keeps it): disconnect, then the lock must advertise again.
  r['read after the truncated PDU'] = hex(await att([0x0a, 3, 0]));
  console.log('read after the truncated PDU:', r['read after the truncated PDU']);
  host.cmdNoWait(0x0406, Buffer.from([h & 0xff, h >> 8, 0x13]));
  await sleep(500);
  host.events.length = 0;
  await host.cmd(0x200c, Buffer.from([1, 0]));
  const again = await host.wait(() => host.events.find((e: any) => e.code === 0x3e && e.p[0] === 0x02 && e.p[2] === 0x00), 8000, 'adv report').then(() => true, () => false);
  console.log('lock advertises again after the truncated PDU:', again);
  console.log(again ? 'held (lock dropped the link, recovered)' : 'FINDING: one 2-octet ATT PDU from any host in range takes the lock off the air');
}
host.close(); await ble.close(); await srv.stop();
process.exit(0);
