/** Small helpers for the issue-17 attack repros: talk to a running `latchkey up` server with its API key. */
export async function api<T = Record<string, unknown>>(origin: string, apiKey: string, path: string, body: unknown = {}): Promise<T> {
  const r = await fetch(`${origin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const j = (await r.json()) as T & { ok?: boolean };
  if (!r.ok) throw new Error(`${path} → ${r.status} ${JSON.stringify(j)}`);
  return j;
}

/** A fresh link for the demo guest (same identity as the demo link), optionally with max_use_count / profile. */
export async function freshLink(demoLink: string, apiKey: string, extra: Record<string, unknown> = {}): Promise<{ url: string; userIdentityId: string; instantKeyId: string }> {
  const origin = new URL(demoLink).origin;
  const opened = (await (await fetch(`${origin}/instant_key_app/open`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instant_key_url: demoLink }) })).json()) as { user_identity_id: string };
  const made = await api<{ instant_key: { instant_key_url: string; instant_key_id: string } }>(origin, apiKey, '/user_identities/generate_instant_key', { user_identity_id: opened.user_identity_id, ...extra });
  return { url: made.instant_key.instant_key_url, userIdentityId: opened.user_identity_id, instantKeyId: made.instant_key.instant_key_id };
}

export async function phoneCount(origin: string, apiKey: string, userIdentityId: string): Promise<number> {
  return (await api<{ phones: unknown[] }>(origin, apiKey, '/phones/list', { owner_user_identity_id: userIdentityId })).phones.length;
}

/** A new guest (identity + a one-day grant to the demo's first two doors) and a link of theirs; phone budgets start fresh. */
export async function freshGuestLink(demoLink: string, apiKey: string, extra: Record<string, unknown> = {}): Promise<{ url: string; userIdentityId: string; instantKeyId: string }> {
  const origin = new URL(demoLink).origin;
  const n = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const identity = await api<{ user_identity: { user_identity_id: string } }>(origin, apiKey, '/user_identities/create', { user_identity_key: `attack-${n}`, full_name: `Attack guest ${n}` });
  const id = identity.user_identity.user_identity_id;
  const entrances = await api<{ acs_entrances: { acs_entrance_id: string }[] }>(origin, apiKey, '/acs/entrances/list', {});
  await api(origin, apiKey, '/access_grants/create', { user_identity_id: id, acs_entrance_ids: entrances.acs_entrances.slice(0, 2).map((e) => e.acs_entrance_id), starts_at: new Date(Date.now() - 60_000).toISOString(), ends_at: new Date(Date.now() + 86_400_000).toISOString(), requested_access_methods: [{ mode: 'mobile_key' }] });
  const made = await api<{ instant_key: { instant_key_url: string; instant_key_id: string } }>(origin, apiKey, '/user_identities/generate_instant_key', { user_identity_id: id, ...extra });
  return { url: made.instant_key.instant_key_url, userIdentityId: id, instantKeyId: made.instant_key.instant_key_id };
}
