import { SeamHttp } from '@seamapi/http/connect';
const [base, key] = process.argv.slice(2);
const seam = SeamHttp.fromApiKey(key, { endpoint: base });
const id = (await seam.userIdentities.create({ full_name: 'sdk' })).user_identity_id;
const cs = await seam.clientSessions.create({ user_identity_id: id });
const guest = SeamHttp.fromClientSessionToken(cs.token, { endpoint: base });
for (const [name, fn] of Object.entries({
  deact: () => guest.phones.deactivate({ device_id: '00000000-0000-0000-0000-000000000000' }),
  list: () => guest.phones.list(),
  sess: () => guest.clientSessions.get(),
  idsList: () => guest.userIdentities.list(),
  wsGet: () => guest.workspaces.get(),
  revokeOwn: () => guest.clientSessions.revoke({ client_session_id: cs.client_session_id }),
  grantAccess: () => guest.clientSessions.grantAccess({ client_session_id: cs.client_session_id, user_identity_id: id }),
})) { try { const r = await fn(); console.log(name, 'OK', JSON.stringify(r).slice(0, 100)); } catch (e) { console.log(name, e.constructor.name, e.code ?? '', e.statusCode ?? '', e.message.slice(0, 100)); } }
