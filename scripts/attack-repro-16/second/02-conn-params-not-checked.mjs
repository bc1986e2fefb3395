// Core v5.4 Vol 4 Part E §7.8.12/§7.8.18: Supervision_Timeout in ms shall be larger than
// (1 + Max_Latency) * Connection_Interval_Max * 2; otherwise the controller answers
// Invalid HCI Command Parameters (0x12). Does the served controller check it, and what
// happens to a link given interval 4 s / timeout 100 ms mid-connection?
import { H4Host, OP, serve, sleep, portOf } from './h4host.mjs';
const srv = await serve(['--controllers', '2', '--seed', '7']);
const [p0, p1] = srv.info.controllers.map(portOf);
const periph = await (await H4Host.tcp(p0, undefined, 'periph')).init();
const central = await (await H4Host.tcp(p1, undefined, 'central')).init();
const out = {};
await periph.advertise(0x20);
// 1. Create Connection with interval 100 ms, timeout 100 ms (invalid: needs > 200 ms)
const bad = await central.connect(periph.addr, { intervalUnits: 80, timeoutUnits: 10 }).catch((e) => ({ error: e.message }));
out.createInvalid = bad.status === undefined ? bad : { status: bad.status, handle: bad.handle, interval: bad.interval, timeout: bad.timeout };
let h = bad.handle;
if (bad.status !== 0) { const c = await central.connect(periph.addr, { intervalUnits: 6, timeoutUnits: 100 }); h = c.handle; }
await periph.waitConnComplete().catch(() => {});
// 2. Connection update to interval 4 s (0x0C80), timeout 100 ms (0x000A): invalid
const p = Buffer.alloc(14); p.writeUInt16LE(h, 0); p.writeUInt16LE(0x0c80, 2); p.writeUInt16LE(0x0c80, 4); p.writeUInt16LE(0, 6); p.writeUInt16LE(0x000a, 8);
out.updateInvalid = await central.cmd(OP.leConnUpdate, p);
const upd = await central.wait(() => central.take((e) => e.code === 0x3e && e.p[0] === 0x03), 2000, 'update complete').catch(() => null);
out.updateComplete = upd && { status: upd.p[1], interval: upd.p.readUInt16LE(4), timeout: upd.p.readUInt16LE(8) };
// 3. Peripheral-initiated LE_Connection_Update (allowed only with the Connection Parameters Request procedure)
const feats = await periph.cmd(op(8, 0x03));
out.leFeaturesConnParamReq = feats.ret.length > 1 ? Boolean(feats.ret[1] & 0x02) : null;
const hp = (await periph.events.find(() => false)) ?? null;
console.log(JSON.stringify(out, (k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)));
const finding = out.updateInvalid.status === 0 || (out.createInvalid && out.createInvalid.status === 0);
console.log(finding ? 'FINDING: controller accepted Supervision_Timeout ≤ 2·interval·(1+latency) (expected status 0x12)' : 'held');
central.close(); periph.close(); await srv.stop();
function op(g, o) { return (g << 10) | o; }
process.exit(finding ? 1 : 0);
