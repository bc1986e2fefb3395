// Supervision timeout: does a healthy but idle link die on its first lost packet?
// Real LL: while idle, central and peripheral still exchange empty PDUs every connection event
// (Vol 6 Part B §4.5.1/§4.5.2), so the supervision timer (§4.5.2) restarts every interval; ONE lost
// data packet after a quiet period costs one interval, never the link.
// Run: node scripts/attack-repro-16/second/01-idle-link-dies-on-one-loss.mjs
import { H4Host, OP, serve, sleep, portOf } from './h4host.mjs';

const loss = process.argv[2] ?? '1/2';
const srv = await serve(['--controllers', '2', '--seed', '7', '--loss', loss]);
const [p0, p1] = srv.info.controllers.map(portOf);
const periph = await (await H4Host.tcp(p0, undefined, 'periph')).init();
const central = await (await H4Host.tcp(p1, undefined, 'central')).init();
const results = { idle: { trials: 0, diedAfterOneSend: 0, delaysMs: [] }, busy: { trials: 0, died: 0 } };
for (let trial = 0; trial < 16; trial++) {
  const idle = trial % 2 === 0;
  await periph.advertise(0x20);
  let conn;
  for (;;) { // advertising reports/CONNECT_IND are lossy too: retry
    try { conn = await central.connect(periph.addr, { intervalUnits: 6, timeoutUnits: 50 /* 500 ms */, ms: 3000 }); break; } catch { await central.cmd(0x200e); try { await central.waitConnComplete(500); } catch {} }
  }
  await periph.waitConnComplete();
  const h = conn.handle;
  if (idle) {
    await sleep(800); // quiet link, longer than the 500 ms supervision timeout; nothing lost meanwhile
    const sent = Date.now();
    central.sendL2cap(h, 0x0040, Buffer.from('ping'));
    let d = null;
    try { d = await central.waitDisconnect(400); } catch {}
    results.idle.trials++;
    if (d && d.reason === 0x08) { results.idle.diedAfterOneSend++; results.idle.delaysMs.push(d.t - sent); continue; }
  } else {
    // Same wall time, but keep the link busy: one packet every 5 ms.
    let d = null;
    const end = Date.now() + 1200;
    while (Date.now() < end && !d) { central.sendL2cap(h, 0x0040, Buffer.from('ping')); await sleep(5); d = central.events.find((e) => e.code === 0x05); }
    results.busy.trials++;
    if (d) { results.busy.died++; central.take((e) => e.code === 0x05); periph.take((e) => e.code === 0x05); continue; }
  }
  await central.cmd(OP.disconnect, Buffer.from([h & 0xff, h >> 8, 0x13]));
  await central.waitDisconnect(); await periph.waitDisconnect();
  central.events.length = 0; periph.events.length = 0;
}
console.log(JSON.stringify(results));
central.close(); periph.close(); await srv.stop();
const bad = results.idle.diedAfterOneSend > 0 || results.busy.died > 0;
console.log(`idle: ${results.idle.diedAfterOneSend}/${results.idle.trials} links died (0x08) within ~10 ms of ONE send (expected 0: one loss costs one interval)`);
console.log(`busy: ${results.busy.died}/${results.busy.trials} links died while packets were getting through every event (expected 0: the supervision timer restarts on every packet received)`);
console.log(bad ? 'FINDING' : 'held');
process.exit(bad ? 1 : 0);
