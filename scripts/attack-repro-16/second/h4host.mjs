// Minimal H4 host written from the Core specification (Vol 4 Part A §2, Part E §5.4/§7), not from latchkey.
import net from 'node:net';
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const op = (ogf, ocf) => (ogf << 10) | ocf;
export const OP = {
  reset: op(3, 0x03), setEventMask: op(3, 0x01), readBdAddr: op(4, 0x09), disconnect: op(1, 0x06), readRssi: op(5, 0x05),
  leSetEventMask: op(8, 0x01), leReadBufferSize: op(8, 0x02), leSetAdvParams: op(8, 0x06), leSetAdvData: op(8, 0x08),
  leSetAdvEnable: op(8, 0x0a), leSetScanParams: op(8, 0x0b), leSetScanEnable: op(8, 0x0c), leCreateConn: op(8, 0x0d), leConnUpdate: op(8, 0x13),
};

export class H4Host {
  constructor(stream, name = 'host') {
    this.s = stream; this.name = name; this.buf = Buffer.alloc(0); this.waiters = []; this.events = []; this.acl = []; this.closed = false;
    stream.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.#parse(); });
    stream.on('close', () => { this.closed = true; this.#notify(); });
    stream.on('error', () => {});
  }
  static tcp(port, host = '127.0.0.1', name) {
    return new Promise((res, rej) => { const s = net.connect(port, host, () => res(new H4Host(s, name))); s.once('error', rej); });
  }
  #parse() {
    for (;;) {
      if (this.buf.length < 1) return;
      const t = this.buf[0];
      if (t === 0x04) {
        if (this.buf.length < 3) return; const len = this.buf[2]; if (this.buf.length < 3 + len) return;
        const ev = { t: Date.now(), code: this.buf[1], p: this.buf.subarray(3, 3 + len) }; this.buf = this.buf.subarray(3 + len);
        this.events.push(ev);
      } else if (t === 0x02) {
        if (this.buf.length < 5) return; const len = this.buf.readUInt16LE(3); if (this.buf.length < 5 + len) return;
        const hf = this.buf.readUInt16LE(1);
        this.acl.push({ t: Date.now(), handle: hf & 0xfff, pb: (hf >> 12) & 3, data: Buffer.from(this.buf.subarray(5, 5 + len)) }); this.buf = this.buf.subarray(5 + len);
      } else { throw new Error(`${this.name}: unexpected H4 type ${t}`); }
      this.#notify();
    }
  }
  #notify() { for (const w of [...this.waiters]) w(); }
  writeRaw(b) { this.s.write(b); }
  cmdNoWait(opcode, params = Buffer.alloc(0)) { const h = Buffer.alloc(4); h[0] = 1; h.writeUInt16LE(opcode, 1); h[3] = params.length; this.s.write(Buffer.concat([h, params])); }
  wait(pred, ms = 3000, what = 'event') {
    return new Promise((res, rej) => {
      const check = () => { const i = pred(); if (i !== undefined && i !== null && i !== false) { cleanup(); res(i); } else if (this.closed) { cleanup(); rej(new Error(`${this.name}: closed waiting for ${what}`)); } };
      const timer = setTimeout(() => { cleanup(); rej(new Error(`${this.name}: timeout waiting for ${what}`)); }, ms);
      const cleanup = () => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      this.waiters.push(check); check();
    });
  }
  take(pred) { const i = this.events.findIndex(pred); if (i < 0) return undefined; return this.events.splice(i, 1)[0]; }
  async cmd(opcode, params = Buffer.alloc(0), ms = 3000) {
    this.cmdNoWait(opcode, params);
    const ev = await this.wait(() => this.take((e) => (e.code === 0x0e && e.p.readUInt16LE(1) === opcode) || (e.code === 0x0f && e.p.readUInt16LE(2) === opcode)), ms, `cmd 0x${opcode.toString(16)}`);
    return ev.code === 0x0e ? { status: ev.p[3], ret: ev.p.subarray(3) } : { status: ev.p[0], pending: true };
  }
  sendAcl(handle, data, pb = 0) { const h = Buffer.alloc(5); h[0] = 2; h.writeUInt16LE((handle & 0xfff) | (pb << 12), 1); h.writeUInt16LE(data.length, 3); this.s.write(Buffer.concat([h, data])); }
  sendL2cap(handle, cid, payload, frag = 27) {
    const f = Buffer.alloc(4 + payload.length); f.writeUInt16LE(payload.length, 0); f.writeUInt16LE(cid, 2); payload.copy(f, 4);
    for (let i = 0; i < f.length; i += frag) this.sendAcl(handle, f.subarray(i, i + frag), i === 0 ? 0 : 1);
  }
  async init() {
    await this.cmd(OP.reset);
    await this.cmd(OP.setEventMask, Buffer.from('ffffffffffff3f20', 'hex'));
    await this.cmd(OP.leSetEventMask, Buffer.from('1f00000000000000', 'hex'));
    const a = await this.cmd(OP.readBdAddr); this.addr = Buffer.from(a.ret.subarray(1, 7));
    return this;
  }
  async advertise(intervalUnits = 0x20) {
    const p = Buffer.alloc(15); p.writeUInt16LE(intervalUnits, 0); p.writeUInt16LE(intervalUnits, 2); p[4] = 0; p[5] = 0; p[13] = 7;
    let r = await this.cmd(OP.leSetAdvParams, p); if (r.status) throw new Error('adv params ' + r.status);
    const d = Buffer.alloc(32); const ad = Buffer.from([2, 1, 6, 5, 9, 0x46, 0x4f, 0x52, 0x4e]); d[0] = ad.length; ad.copy(d, 1);
    await this.cmd(OP.leSetAdvData, d);
    r = await this.cmd(OP.leSetAdvEnable, Buffer.from([1])); return r.status;
  }
  async connect(peerAddr, { intervalUnits = 6, latency = 0, timeoutUnits = 100, ms = 5000 } = {}) {
    const p = Buffer.alloc(25); p.writeUInt16LE(0x10, 0); p.writeUInt16LE(0x10, 2); p[4] = 0; p[5] = 0; peerAddr.copy(p, 6); p[12] = 0;
    p.writeUInt16LE(intervalUnits, 13); p.writeUInt16LE(intervalUnits, 15); p.writeUInt16LE(latency, 17); p.writeUInt16LE(timeoutUnits, 19);
    const r = await this.cmd(OP.leCreateConn, p); if (r.status) return { status: r.status };
    return this.waitConnComplete(ms);
  }
  async waitConnComplete(ms = 5000) {
    const ev = await this.wait(() => this.take((e) => e.code === 0x3e && e.p[0] === 0x01), ms, 'LE Connection Complete');
    const p = ev.p; return { t: ev.t, status: p[1], handle: p.readUInt16LE(2), role: p[4], interval: p.readUInt16LE(12), latency: p.readUInt16LE(14), timeout: p.readUInt16LE(16) };
  }
  async waitDisconnect(ms = 3000) {
    const ev = await this.wait(() => this.take((e) => e.code === 0x05), ms, 'Disconnection Complete');
    return { t: ev.t, status: ev.p[0], handle: ev.p.readUInt16LE(1), reason: ev.p[3] };
  }
  close() { this.s.destroy(); }
}

/** Starts `latchkey hci serve` in a child; resolves with the ports. */
export async function serve(args) {
  const child = spawn('node', ['bin/latchkey.js', 'hci', 'serve', '--json', ...args], { cwd: new URL('../../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = ''; let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const info = await new Promise((res, rej) => {
    child.stdout.on('data', (d) => { out += d; try { res(JSON.parse(out)); } catch {} });
    child.once('exit', (c) => rej(new Error(`serve exited ${c}: ${err}`)));
    setTimeout(() => rej(new Error('serve did not start: ' + out + err)), 15000);
  });
  return { child, info, stderr: () => err, stop: () => new Promise((r) => { child.once('exit', r); child.kill('SIGTERM'); }) };
}
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const portOf = (c) => Number(String(c.tcp).split(':').pop());
