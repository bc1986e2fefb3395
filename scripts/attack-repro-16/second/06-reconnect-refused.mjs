// A host that closes its TCP connection and reconnects at once (a restarted host, the next
// scenario of a run) — is it served, or refused because the server has not yet seen the close?
import { H4Host, OP, serve, sleep, portOf } from './h4host.mjs';
const srv = await serve(['--controllers', '1', '--seed', '5']);
const port = portOf(srv.info.controllers[0]);
let refused = 0, served = 0;
const N = Number(process.argv[2] ?? 40);
for (let i = 0; i < N; i++) {
  const h = await H4Host.tcp(port);
  try { await h.cmd(OP.reset, undefined, 2000); served++; } catch { refused++; }
  h.close(); // and reconnect immediately
}
await sleep(100);
const late = await H4Host.tcp(port); let lateOk = true; try { await late.cmd(OP.reset); } catch { lateOk = false; } late.close();
console.log(JSON.stringify({ attempts: N, served, refused, servedAfter100msPause: lateOk }));
await srv.stop();
console.log(refused > 0 ? `FINDING: ${refused}/${N} immediate reconnects were closed by the server (expected 0: the previous client had closed)` : 'held');
process.exit(refused > 0 ? 1 : 0);
