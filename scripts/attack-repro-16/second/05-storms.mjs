// Reconnect storms, two hosts on one controller, disconnect with data queued, create/cancel races.
import net from 'node:net';
import { H4Host, OP, serve, sleep, portOf } from './h4host.mjs';
const srv = await serve(['--controllers', '2', '--seed', '5', '--acl-buffer', '27:4']);
const [p0, p1] = srv.info.controllers.map(portOf);
const out = {};
// (a) TCP storm: 150 clients connect and leave at once, some mid-packet.
for (let i = 0; i < 150; i++) {
  await new Promise((res) => { const s = net.connect(p0, '127.0.0.1', () => { if (i % 3 === 0) s.write(Buffer.from([1, 3, 0x0c])); if (i % 3 === 1) s.write(Buffer.from([2, 0x40, 0x00, 0xff, 0x00, 1, 2])); s.destroy(); res(); }); s.on('error', res); });
}
await sleep(500); // let the server see the storm's closes (06: immediate reconnects are refused)
// (b) two hosts on one controller: the second must be refused, the first keep working.
const periph = await (await H4Host.tcp(p0, undefined, 'periph')).init();
const intruder = await H4Host.tcp(p0, undefined, 'intruder');
intruder.cmdNoWait(OP.reset);
await sleep(300);
out.intruderClosed = intruder.closed; out.intruderGotEvents = intruder.events.length;
out.firstStillWorks = (await periph.cmd(OP.readBdAddr)).status === 0;
const central = await (await H4Host.tcp(p1, undefined, 'central')).init();
// (c) connect / disconnect storm with data in flight
let lostEarly = 0, dataBeforeTerminate = 0, dataAfterTerminate = 0, trials = 0, stale = 0;
for (let i = 0; i < 25; i++) {
  await periph.advertise(0x20);
  const c = await central.connect(periph.addr, { intervalUnits: 6, timeoutUnits: 100 });
  const pc = await periph.waitConnComplete();
  trials++;
  periph.acl.length = 0;
  for (let k = 0; k < 4; k++) central.sendAcl(c.handle, Buffer.from([1, 0, 0x40, 0, k]));
  central.cmdNoWait(OP.disconnect, Buffer.from([c.handle & 0xff, c.handle >> 8, 0x13]));
  const d = await periph.waitDisconnect();
  await central.waitDisconnect();
  const got = periph.acl.filter((a) => a.t <= d.t).length;
  dataBeforeTerminate += got;
  await sleep(20);
  dataAfterTerminate += periph.acl.filter((a) => a.t > d.t).length;
  // ACL on the dead handle must go nowhere
  central.sendAcl(c.handle, Buffer.from([1, 0, 0x40, 0, 9]));
  await sleep(20);
  if (periph.acl.some((a) => a.data[4] === 9)) stale++;
  if (pc.handle === c.handle) lostEarly++;
}
out.disconnectStorm = { trials, sentBeforeDisconnect: trials * 4, deliveredBeforeTerminate: dataBeforeTerminate, deliveredAfterTerminate: dataAfterTerminate, aclOnDeadHandleDelivered: stale, sameHandleBothEnds: lostEarly };
// (d) Create Connection then Cancel immediately, 20 times, with the peer advertising
let cancelOk = 0, completedAnyway = 0;
await periph.advertise(0x20);
for (let i = 0; i < 20; i++) {
  const p = Buffer.alloc(25); p.writeUInt16LE(0x10, 0); p.writeUInt16LE(0x10, 2); periph.addr.copy(p, 6); p.writeUInt16LE(6, 13); p.writeUInt16LE(6, 15); p.writeUInt16LE(100, 19);
  await central.cmd(OP.leCreateConn, p);
  const r = await central.cmd(0x200e);
  const cc = await central.waitConnComplete(2000).catch(() => null);
  if (r.status === 0 && cc && cc.status === 0x02) cancelOk++;
  if (cc && cc.status === 0) { completedAnyway++; await central.cmd(OP.disconnect, Buffer.from([cc.handle & 0xff, cc.handle >> 8, 0x13])); await central.waitDisconnect(); await periph.waitDisconnect().catch(() => {}); await periph.waitConnComplete(100).catch(() => {}); await periph.advertise(0x20); }
}
out.createCancel = { cancelOk, completedAnyway, stray: central.events.filter((e) => e.code === 0x3e).length };
console.log(JSON.stringify(out, null, 1));
const bad = !out.intruderClosed || !out.firstStillWorks || dataAfterTerminate > 0 || stale > 0 || dataBeforeTerminate !== trials * 4;
console.log(bad ? 'FINDING' : 'held');
central.close(); periph.close(); await srv.stop();
process.exit(bad ? 1 : 0);
