/**
 * Tenants from the command line, on the server's database file (the same one `latchkey up --db`
 * serves; SQLite lets both run at once):
 *   latchkey workspace create --name NAME [--company NAME] [--doors N] [--production]  → workspace + its first API key
 *   latchkey workspace list
 *   latchkey key create --workspace ID [--name NAME]   → a new API key (shown once)
 *   latchkey key list --workspace ID
 *   latchkey key revoke API_KEY_ID --workspace ID
 *   latchkey token create [--name NAME]                → a personal access token (seam_at1_…, shown once)
 *   latchkey token list | latchkey token revoke TOKEN_ID
 * Every command takes --db (default ./latchkey.db) and --json. Exit codes: 0 done, 1 not found
 * (unknown workspace, key or token), 2 usage error, 3 crash.
 */
import { createServerContext, type ServerContext } from '../server/index.ts';
import { ApiError } from '../server/http/errors.ts';
import { isUuid } from '../server/http/input.ts';
import {
  apiKeyJson, createApiKey, createPersonalAccessToken, createTenantWorkspace, personalAccessTokenJson, revokeApiKey, revokePersonalAccessToken, workspaceOf,
} from '../server/services/workspaces.ts';
import { intFlag, rejectUnknownFlags, stringFlag, UsageError, type ParsedArgs } from './args.ts';
import { exitCodes, type CommandContext } from './context.ts';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

function openContext(args: ParsedArgs): ServerContext {
  const dbPath = stringFlag(args, 'db', './latchkey.db');
  if (dbPath === ':memory:') throw new UsageError('--db must be a file: an in-memory database would vanish when the command ends');
  return createServerContext({ dbPath, logLevel: ((args.flags.get('log-level') as Level | undefined) ?? 'warn') });
}

function uuidArg(value: string | undefined, what: string): string {
  if (value === undefined || !isUuid(value)) throw new UsageError(`${what} must be a UUID`);
  return value.toLowerCase();
}

function workspaceFlag(args: ParsedArgs): string {
  const raw = args.flags.get('workspace');
  return uuidArg(typeof raw === 'string' ? raw : undefined, '--workspace');
}

const table = (rows: Record<string, unknown>[], columns: string[]): string =>
  rows.length === 0 ? '(none)' : [columns.join('  '), ...rows.map((row) => columns.map((c) => String(row[c] ?? '-')).join('  '))].join('\n');

/** Runs `body` on an open database and prints its result; a 404 from the services is exit 1. */
async function withDatabase(args: ParsedArgs, context: CommandContext, body: (server: ServerContext) => Promise<{ json: unknown; text: string }>): Promise<number> {
  const server = openContext(args);
  try {
    const { json, text } = await body(server);
    context.out(args.flags.has('json') ? JSON.stringify(json) : text);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof ApiError && error.type === 'not_found') {
      context.log.debug({ error: error.message }, 'not found');
      if (args.flags.has('json')) context.out(JSON.stringify({ error: { type: error.type, message: error.message } }));
      else process.stderr.write(`latchkey: ${error.message}\n`);
      return exitCodes.failed;
    }
    throw error;
  } finally {
    await server.repo.close();
  }
}

export async function workspaceCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [action] = args.positionals;
  if (action === 'create') {
    rejectUnknownFlags(args, ['name', 'company', 'doors', 'production', 'db', 'json', 'log-level']);
    const name = stringFlag(args, 'name', '');
    if (name.length === 0 || name.length > 200) throw new UsageError('workspace create needs --name (1..200 characters)');
    const doors = intFlag(args, 'doors', 0, 0, 500);
    return withDatabase(args, context, async (server) => {
      const company = args.flags.get('company');
      const workspace = await createTenantWorkspace(server, { name, companyName: typeof company === 'string' ? company : undefined, isSandbox: !args.flags.has('production'), doors });
      const key = await createApiKey(server, workspace.workspace_id, 'first key');
      context.log.info({ workspaceId: workspace.workspace_id, doors }, 'workspace created');
      return {
        json: { workspace_id: workspace.workspace_id, name: workspace.name, doors, api_key: { ...apiKeyJson(key.row), token: key.secret } },
        text: [`workspace  ${workspace.workspace_id}  ${workspace.name}${doors > 0 ? `  (${doors} virtual doors; they start with the next latchkey up)` : ''}`, `API key    ${key.secret}  (shown once)`].join('\n'),
      };
    });
  }
  if (action === 'list') {
    rejectUnknownFlags(args, ['db', 'json', 'log-level']);
    return withDatabase(args, context, async (server) => {
      const rows = (await server.repo.accessKeys.listWorkspaces()).map((w) => ({ workspace_id: w.workspace_id, name: w.name, created_at: w.created_at, is_sandbox: w.is_sandbox === 1 }));
      return { json: { workspaces: rows }, text: table(rows, ['workspace_id', 'name', 'created_at']) };
    });
  }
  throw new UsageError('usage: latchkey workspace create --name NAME | workspace list');
}

export async function keyCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [action, id] = args.positionals;
  rejectUnknownFlags(args, ['workspace', 'name', 'db', 'json', 'log-level']);
  if (action === 'create') {
    const workspaceId = workspaceFlag(args);
    const name = args.flags.get('name');
    return withDatabase(args, context, async (server) => {
      const { secret, row } = await createApiKey(server, workspaceId, typeof name === 'string' ? name : null);
      return { json: { api_key: { ...apiKeyJson(row), token: secret } }, text: `API key  ${row.api_key_id}\n${secret}  (shown once)` };
    });
  }
  if (action === 'list') {
    const workspaceId = workspaceFlag(args);
    return withDatabase(args, context, async (server) => {
      await workspaceOf(server, workspaceId);
      const rows = (await server.repo.accessKeys.listApiKeys(workspaceId)).map(apiKeyJson);
      return { json: { api_keys: rows }, text: table(rows, ['api_key_id', 'short_token', 'name', 'created_at']) };
    });
  }
  if (action === 'revoke') {
    const workspaceId = workspaceFlag(args);
    const apiKeyId = uuidArg(id, 'the API key id');
    return withDatabase(args, context, async (server) => {
      await revokeApiKey(server, workspaceId, apiKeyId);
      return { json: { revoked: apiKeyId }, text: `revoked API key ${apiKeyId}` };
    });
  }
  throw new UsageError('usage: latchkey key create|list --workspace ID | key revoke API_KEY_ID --workspace ID');
}

export async function tokenCommand(args: ParsedArgs, context: CommandContext): Promise<number> {
  const [action, id] = args.positionals;
  rejectUnknownFlags(args, ['name', 'db', 'json', 'log-level']);
  if (action === 'create') {
    const name = args.flags.get('name');
    return withDatabase(args, context, async (server) => {
      const { secret, row } = await createPersonalAccessToken(server, typeof name === 'string' ? name : null);
      return { json: { personal_access_token: { ...personalAccessTokenJson(row), token: secret } }, text: `personal access token  ${row.personal_access_token_id}\n${secret}  (shown once)` };
    });
  }
  if (action === 'list') {
    return withDatabase(args, context, async (server) => {
      const rows = (await server.repo.accessKeys.listPersonalAccessTokens()).map(personalAccessTokenJson);
      return { json: { personal_access_tokens: rows }, text: table(rows, ['personal_access_token_id', 'short_token', 'name', 'created_at']) };
    });
  }
  if (action === 'revoke') {
    const tokenId = uuidArg(id, 'the token id');
    return withDatabase(args, context, async (server) => {
      await revokePersonalAccessToken(server, tokenId);
      return { json: { revoked: tokenId }, text: `revoked personal access token ${tokenId}` };
    });
  }
  throw new UsageError('usage: latchkey token create [--name NAME] | token list | token revoke TOKEN_ID');
}
