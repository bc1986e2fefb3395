/**
 * Provisioning: a workspace with an ACS system, entrances backed by virtual locks (identity keys
 * generated here, certificate signed by the issuer) and spaces. `provisionDemoHotel` builds the
 * `latchkey up` hotel once: floors of rooms (exclusive doors), lobby, elevator and gym (shared),
 * one space per floor plus "Common areas", a demo guest with a mobile-key grant, and the hotel's
 * look for the Instant Key page (a customization profile with colours and a logo).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { p256SecretFromSeed } from '../protocol/crypto/provider.ts';
import { inTransaction, mapInOrder, nowIso, nowS, type ServerContext } from './context.ts';
import { hashToken, newApiKey } from './issuance/tokens.ts';
import { createProfile, uploadLogo } from './services/customization.ts';
import { createGrant } from './services/grants.ts';
import { createUserIdentity } from './services/identities.ts';

export interface EntranceSpec {
  name: string;
  shared: boolean;
}

/** Call inside a transaction. */
export async function addEntrance(context: ServerContext, workspaceId: string, acsSystemId: string, spec: EntranceSpec): Promise<string> {
  const { crypto } = context.issuer;
  const lockId = new Uint8Array(randomBytes(8));
  const signingSecret = new Uint8Array(randomBytes(32));
  const agreementSecret = p256SecretFromSeed(new Uint8Array(randomBytes(48)));
  const certificate = context.issuer.lockCertificate(lockId, crypto.publicKeyOf('EdDSA', signingSecret), crypto.publicKeyOf('ES256', agreementSecret), nowS(context));
  const id = randomUUID();
  await context.repo.directory.insertEntrance(
    { acs_entrance_id: id, workspace_id: workspaceId, acs_system_id: acsSystemId, display_name: spec.name, is_shared: spec.shared ? 1 : 0, lock_id: lockId, certificate, door_sequence: 1, update_version: 0, update_bytes: null, created_at: nowIso(context), sequence_floor: 0, update_ceiling: 0, update_epoch: 0, admin_update: null },
    { acs_entrance_id: id, signing_secret: signingSecret, agreement_secret: agreementSecret },
  );
  return id;
}

/** A workspace with one ACS system; returns its ids and a fresh API key (shown once, stored hashed). */
export async function createWorkspace(context: ServerContext, name: string): Promise<{ workspaceId: string; acsSystemId: string; apiKey: string }> {
  return inTransaction(context, async (context) => {
    const workspaceId = randomUUID();
    const acsSystemId = randomUUID();
    const at = nowIso(context);
    await context.repo.directory.insertWorkspace({ workspace_id: workspaceId, name, company_name: name, is_sandbox: 1, created_at: at });
    await context.repo.directory.insertAcsSystem({ acs_system_id: acsSystemId, workspace_id: workspaceId, connected_account_id: randomUUID(), name: `${name} locks`, time_zone: 'UTC', created_at: at });
    return { workspaceId, acsSystemId, apiKey: await mintApiKey(context, workspaceId) };
  });
}

export async function mintApiKey(context: ServerContext, workspaceId: string): Promise<string> {
  const apiKey = newApiKey();
  await inTransaction(context, async (context) => context.repo.directory.insertApiKey(hashToken(apiKey), workspaceId, nowIso(context), { shortToken: apiKey.slice(0, 13), name: 'latchkey up' }));
  return apiKey;
}

export interface HotelLayout {
  floors: number;
  roomsPerFloor: number;
}

export const demoGuestKey = 'demo-guest';

export const demoLook = { primary: '#0b5d57', secondary: '#f2c14e' };

/** The demo hotel's logo: a key in a circle and the name (SVG, no script, no external refs). */
const demoLogoSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40" viewBox="0 0 200 40">
<circle cx="20" cy="20" r="17" fill="${demoLook.primary}"/>
<circle cx="15" cy="20" r="6" fill="none" stroke="${demoLook.secondary}" stroke-width="3"/>
<path d="M21 20h11v5M28 20v4" fill="none" stroke="${demoLook.secondary}" stroke-width="3"/>
<text x="44" y="26" font-family="Georgia, serif" font-size="17" font-weight="700" fill="${demoLook.primary}">Latchkey Hotel</text>
</svg>
`;

export async function provisionDemoHotel(context: ServerContext, layout: HotelLayout = { floors: 3, roomsPerFloor: 4 }): Promise<{ workspaceId: string; apiKey: string }> {
  const { workspaceId, acsSystemId, apiKey } = await createWorkspace(context, 'Latchkey Demo Hotel');
  await inTransaction(context, async (context) => {
    const { directory } = context.repo;
    const space = async (name: string, entranceIds: string[]): Promise<string> => {
      const spaceId = randomUUID();
      await directory.insertSpace({ space_id: spaceId, workspace_id: workspaceId, name, space_key: name.toLowerCase().replaceAll(' ', '-'), created_at: nowIso(context) });
      await directory.addSpaceEntrances(spaceId, entranceIds);
      return spaceId;
    };
    const common = await mapInOrder(['Lobby', 'Elevator', 'Gym'], (name) => addEntrance(context, workspaceId, acsSystemId, { name, shared: true }));
    const commonSpace = await space('Common areas', common);
    let firstRoom: string | undefined;
    for (let floor = 1; floor <= layout.floors; floor++) {
      const rooms: string[] = [];
      for (let room = 1; room <= layout.roomsPerFloor; room++) rooms.push(await addEntrance(context, workspaceId, acsSystemId, { name: `Room ${floor}${String(room).padStart(2, '0')}`, shared: false }));
      firstRoom ??= rooms[0];
      await space(`Floor ${floor}`, rooms);
    }
    const guest = await createUserIdentity(context, workspaceId, { full_name: 'Jane Doe', email_address: 'jane@example.com', user_identity_key: demoGuestKey });
    const now = context.clock();
    await createGrant(context, workspaceId, {
      userIdentityId: guest.user_identity_id, acsEntranceIds: firstRoom ? [firstRoom] : [], spaceIds: [commonSpace], modes: ['mobile_key'],
      startsAt: new Date(now - 3600_000).toISOString(), endsAt: new Date(now + 3 * 86400_000).toISOString(), name: 'Demo stay',
    });
  });
  const look = await createProfile(context, workspaceId, { name: 'Latchkey Demo Hotel', primary_color: demoLook.primary, secondary_color: demoLook.secondary });
  await uploadLogo(context, workspaceId, look.customization_profile_id, new TextEncoder().encode(demoLogoSvg));
  return { workspaceId, apiKey };
}
