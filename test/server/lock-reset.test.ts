/**
 * Update authority on the issuing side (issue 12, docs/PROTOCOL.md §8.1). The server signs only
 * routine updates, with the issuer key; the lock-administration key lives in `<db>.admin-key.json`,
 * which the server never reads, and `latchkey admin reset` uses it. A thief holding the issuer key
 * signs a routine update that puts the door's floor and ceiling at 2^32 − 1 and its version at the
 * top: every guest is refused. A reset signed with the administration key undoes it, reaching the
 * real firmware-model lock the way it would in a hotel: a guest's phone syncs and carries it.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { toHex } from '../../src/protocol/bytes.ts';
import { makeIssuerKey } from '../../src/protocol/issuer-keys.ts';
import { issueLockUpdate, verifyLockUpdate } from '../../src/protocol/lock-update.ts';
import { adminKeyFilePath, loadAdminKey, loadServerSecrets } from '../../src/server/issuance/key-file.ts';
import { issuerName } from '../../src/server/issuance/issuer.ts';
import type { RunningServer } from '../../src/server/index.ts';
import type { VirtualDoor } from '../../src/server/virtual-property.ts';
import { startRadioClockServer } from './helpers.ts';
import { TestPhone } from './phone-app.ts';

const top = 2 ** 32 - 1;
let dir: string;
let dbPath: string;
let server: RunningServer;
let doors: Map<string, VirtualDoor>;
let grant: Awaited<ReturnType<typeof startRadioClockServer>>['grant'];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-reset-'));
  dbPath = join(dir, 'hotel.db');
  ({ server, doors, grant } = await startRadioClockServer({ dbPath }));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await main(argv, (text) => (out += text));
  return { code, out };
}

describe('lock-administration key at the server', () => {
  it('is written once to its own 0600 file, is not the issuer key, and only its public half reaches the locks', () => {
    const path = adminKeyFilePath(dbPath);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const admin = loadAdminKey(server.context.issuer.crypto, path);
    const secrets = server.context.secrets;
    expect(toHex(admin.publicKey)).toBe(toHex(secrets.lockAdmin.publicKey));
    expect(toHex(admin.publicKey)).not.toBe(toHex(secrets.issuer.publicKey));
    expect(readFileSync(`${dbPath}.keys.json`, 'utf8')).not.toContain(Buffer.from(admin.secretKey).toString('base64url'));
    for (const door of doors.values()) expect(door.lock.state.updateKeys.map((k) => toHex(k.publicKey))).toEqual([toHex(secrets.lockAdmin.publicKey)]);
  });
});

describe('a thief with the issuer key, then an administration reset', () => {
  it('the thief shuts every guest out with one routine update; the reset, carried by a guest phone, lets them back in and the thief cannot replay', async () => {
    const door = doors.get('Room 101')!;
    const granted = await grant('reset-guest', ['Room 101']);
    const phone = new TestPhone({ id: 'reset-guest', seed: 4242, crypto: server.context.issuer.crypto, radio: server.property.radio });
    await phone.openAndRegister(server.url, granted.instant_key_url);
    expect((await phone.unlockAt(door.position, door.lockId)).outcome).toBe('unlocked');

    // The thief: a routine update (no time, no keys, epoch 0) with everything at the top.
    const entrance = (await server.context.repo.directory.entranceById(door.acsEntranceId))!;
    const theft = issueLockUpdate(server.context.issuer.crypto, server.context.secrets.issuer, {
      issuer: issuerName, issuedAtS: 0, lockId: door.lockId, version: top, revoked: [], sequenceFloor: top, sequenceCeiling: top,
    });
    server.property.radio.stepLock(door.deviceId, { type: 'maintenance_update', update: theft });
    expect(door.lock.state.sequenceFloor).toBe(top);
    phone.wallet!.tickets.clear();
    const shut = await phone.unlockAt(door.position, door.lockId);
    expect([shut.outcome, shut.code]).toEqual(['refused', 'credential_superseded']);

    // Wrong key: refused, nothing stored.
    const stranger = makeIssuerKey(server.context.issuer.crypto, 'EdDSA', new Uint8Array(32).fill(7), new Uint8Array(8).fill(7));
    const strangerPath = join(dir, 'stranger.json');
    writeFileSync(strangerPath, JSON.stringify({ algorithm: 'EdDSA', kid: Buffer.from(stranger.kid).toString('base64url'), secret_key: Buffer.from(stranger.secretKey).toString('base64url') }), { mode: 0o600 });
    expect((await cli(['admin', 'reset', '--door', 'Room 101', '--db', dbPath, '--admin-key', strangerPath, '--log-level', 'silent'])).code).toBe(1);
    expect((await server.context.repo.directory.entranceById(door.acsEntranceId))!.admin_update).toBeNull();
    expect((await cli(['admin', 'reset', '--door', 'No Such Room', '--db', dbPath, '--log-level', 'silent'])).code).toBe(2);

    // The operator's reset, with the key from <db>.admin-key.json.
    const reset = await cli(['admin', 'reset', '--door', 'Room 101', '--db', dbPath, '--json', '--log-level', 'silent']);
    expect(reset.code).toBe(0);
    const result = JSON.parse(reset.out) as { epoch: number; sequence_floor: number; sequence_ceiling: number };
    expect(result.epoch).toBe(1);
    expect(result.sequence_floor).toBe(result.sequence_ceiling);

    // The guest's next sync carries it; the lock applies it on the visit and opens.
    const bundle = await phone.sync(server.url);
    const carried = bundle.lock_updates.filter((u) => u.acs_entrance_id === door.acsEntranceId);
    expect(carried.map((u) => u.epoch)).toContain(1);
    const adminUpdate = verifyLockUpdate(server.context.issuer.crypto, new Uint8Array(Buffer.from(carried[0]!.update, 'base64url')), [server.context.secrets.lockAdmin]);
    expect(adminUpdate.epoch).toBe(1);
    phone.wallet!.tickets.clear();
    const back = await phone.unlockAt(door.position, door.lockId);
    expect(back.outcome).toBe('unlocked');
    expect(door.lock.state.updateEpoch).toBe(1);
    expect(door.lock.state.sequenceFloor).toBe(result.sequence_floor);

    // The thief's update, replayed, is old news in the new epoch.
    server.property.radio.stepLock(door.deviceId, { type: 'maintenance_update', update: theft });
    expect(door.lock.state.sequenceFloor).toBe(result.sequence_floor);
    phone.wallet!.tickets.clear();
    expect((await phone.unlockAt(door.position, door.lockId)).outcome).toBe('unlocked');

    // Routine updates after the reset carry the new epoch (a revocation at the door re-signs one).
    const other = await grant('reset-other', ['Room 101']);
    await new TestPhone({ id: 'reset-other', seed: 4243, crypto: server.context.issuer.crypto, radio: server.property.radio }).openAndRegister(server.url, other.instant_key_url);
    const { status } = await fetch(`${server.url}/access_grants/delete`, { method: 'POST', headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ access_grant_id: other.access_grant_id }) });
    expect(status).toBe(200);
    const routine = verifyLockUpdate(server.context.issuer.crypto, (await server.context.repo.directory.entranceById(door.acsEntranceId))!.update_bytes!, server.context.issuer.trusted);
    expect(routine.epoch).toBe(1);
  });
});

describe('operator mistakes (attack 12, F2, F5)', () => {
  it('admin reset on a database whose key file is elsewhere refuses, creating no keys and storing nothing', async () => {
    const copy = join(dir, 'copy.db');
    copyFileSync(dbPath, copy);
    const saved = process.env['LATCHKEY_ISSUER_KEY'];
    delete process.env['LATCHKEY_ISSUER_KEY'];
    try {
      const result = await cli(['admin', 'reset', '--door', 'Room 102', '--db', copy, '--admin-key', adminKeyFilePath(dbPath), '--log-level', 'silent']);
      expect(result.code).toBe(1);
    } finally {
      if (saved !== undefined) process.env['LATCHKEY_ISSUER_KEY'] = saved;
    }
    expect(existsSync(`${copy}.keys.json`)).toBe(false);
    expect(existsSync(adminKeyFilePath(copy))).toBe(false);
  });

  it('a first start cut short after writing the administration key file starts again (the stray file is replaced)', () => {
    const fresh = join(dir, 'cut.db');
    writeFileSync(adminKeyFilePath(fresh), '{"stray":true}', { mode: 0o600 });
    const secrets = loadServerSecrets(server.context.issuer.crypto, fresh, {});
    const admin = loadAdminKey(server.context.issuer.crypto, adminKeyFilePath(fresh));
    expect(toHex(admin.publicKey)).toBe(toHex(secrets.lockAdmin.publicKey));
  });
});
