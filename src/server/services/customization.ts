/**
 * Workspace customization of the Instant Key page (Seam's customization profiles): a name, a
 * primary and a secondary colour, and a logo. Which profile a guest sees: the link's own
 * (`generate_instant_key { customization_profile_id }`), else the workspace's first profile, else
 * latchkey's default look.
 *
 * Colours go into the page's CSS, so only `#rgb` / `#rrggbb` is accepted (stored as `#rrggbb`).
 * Logos are sniffed by their bytes — PNG, JPEG, GIF, WebP or SVG — never trusted by declared type,
 * and served from a versioned URL under /ik/ (so the page's service worker keeps it offline) with a
 * CSP that stops an SVG from running anything.
 */
import { createHash, randomUUID } from 'node:crypto';
import { inTransaction, nowIso, type ServerContext } from '../context.ts';
import { invalidInput, notFound } from '../http/errors.ts';
import type { CustomizationProfileRow, InstantKeyRow } from '../repository/index.ts';

export const logoBytesMax = 256 * 1024;
export const logoPathPrefix = '/ik/logo/';

const hexColour = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** `#abc` / `#aabbcc` → `#aabbcc` (lower case); undefined if not a hex colour. */
export function normaliseColour(value: string): string | undefined {
  if (!hexColour.test(value)) return undefined;
  const hex = value.slice(1).toLowerCase();
  return hex.length === 3 ? `#${[...hex].map((c) => c + c).join('')}` : `#${hex}`;
}

function colourField(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const colour = normaliseColour(value);
  if (colour === undefined) throw invalidInput(`${name} must be a hex colour like #1f4e9c`, [{ path: name, message: 'must be a hex colour: #rgb or #rrggbb' }]);
  return colour;
}

export interface ProfileInput {
  name?: string | null | undefined;
  primary_color?: string | undefined;
  secondary_color?: string | undefined;
}

export async function createProfile(context: ServerContext, workspaceId: string, input: ProfileInput): Promise<CustomizationProfileRow> {
  const row: CustomizationProfileRow = {
    customization_profile_id: randomUUID(),
    workspace_id: workspaceId,
    name: input.name ?? null,
    primary_color: colourField('primary_color', input.primary_color) ?? null,
    secondary_color: colourField('secondary_color', input.secondary_color) ?? null,
    logo_type: null,
    logo_sha256: null,
    created_at: nowIso(context),
  };
  await context.repo.customization.insertProfile(row);
  return row;
}

export async function profileOf(context: ServerContext, workspaceId: string, id: string): Promise<CustomizationProfileRow> {
  const row = await context.repo.customization.getProfile(workspaceId, id);
  if (row === undefined) throw notFound(`customization_profile ${id}`);
  return row;
}

export async function updateProfile(context: ServerContext, workspaceId: string, id: string, input: ProfileInput): Promise<void> {
  const primary = colourField('primary_color', input.primary_color);
  const secondary = colourField('secondary_color', input.secondary_color);
  await inTransaction(context, async (context) => {
    await profileOf(context, workspaceId, id);
    await context.repo.customization.updateProfile(id, { name: input.name, primary_color: primary, secondary_color: secondary });
  });
}

/** The image type by its first bytes; undefined for anything else (HTML, scripts, truncated files). */
export function sniffLogo(bytes: Uint8Array): string | undefined {
  const starts = (...prefix: number[]) => prefix.every((b, i) => bytes[i] === b);
  if (bytes.length >= 8 && starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (bytes.length >= 4 && starts(0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (bytes.length >= 6 && (starts(0x47, 0x49, 0x46, 0x38, 0x37, 0x61) || starts(0x47, 0x49, 0x46, 0x38, 0x39, 0x61))) return 'image/gif';
  if (bytes.length >= 12 && starts(0x52, 0x49, 0x46, 0x46) && bytes[8] === 0x57 && bytes[9] === 0x45 && bytes[10] === 0x42 && bytes[11] === 0x50) return 'image/webp';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  return isSvgDocument(text) ? 'image/svg+xml' : undefined;
}

const svgPrologPartsMax = 16;
const svgPrologPartBytesMax = 4_000;

/**
 * An SVG document: an optional BOM, then at most a few XML declarations, comments and doctypes, then
 * the <svg> root; it ends with </svg>. A plain forward scan: a backtracking regex over uploaded
 * bytes could be made to run for minutes.
 */
function isSvgDocument(text: string): boolean {
  let at = text.startsWith('\uFEFF') ? 1 : 0;
  for (let part = 0; ; part++) {
    while (at < text.length && ' \t\r\n'.includes(text[at]!)) at++;
    const head = text.slice(at, at + 9).toLowerCase();
    const close = head.startsWith('<?xml') ? '?>' : head.startsWith('<!--') ? '-->' : head === '<!doctype' ? '>' : undefined;
    if (close === undefined) break;
    const end = text.indexOf(close, at + 4);
    if (part === svgPrologPartsMax || end < 0 || end - at > svgPrologPartBytesMax) return false;
    at = end + close.length;
  }
  return /^<svg[\s>]/i.test(text.slice(at, at + 5)) && text.trimEnd().toLowerCase().endsWith('</svg>');
}

export async function uploadLogo(context: ServerContext, workspaceId: string, id: string, bytes: Uint8Array): Promise<CustomizationProfileRow> {
  if (bytes.length === 0) throw invalidInput('logo is empty', [{ path: 'logo', message: 'empty file' }]);
  if (bytes.length > logoBytesMax) throw invalidInput(`logo is larger than ${logoBytesMax} bytes`, [{ path: 'logo', message: `at most ${logoBytesMax} bytes` }]);
  const type = sniffLogo(bytes);
  if (type === undefined) throw invalidInput('logo must be a PNG, JPEG, GIF, WebP or SVG image', [{ path: 'logo', message: 'not a PNG, JPEG, GIF, WebP or SVG image' }]);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return inTransaction(context, async (context) => {
    await profileOf(context, workspaceId, id);
    await context.repo.customization.setLogo(id, { bytes, type, sha256 });
    return profileOf(context, workspaceId, id);
  });
}

/** The logo's URL changes with its content, so it can be cached for good. */
export function logoUrl(context: ServerContext, row: CustomizationProfileRow): string | undefined {
  if (row.logo_sha256 === null) return undefined;
  return `${context.config.publicBaseUrl}${logoPathPrefix}${row.customization_profile_id}/${row.logo_sha256.slice(0, 16)}`;
}

/** The profile a guest's page uses: the link's own, else the workspace's first, else none. */
export async function profileForInstantKey(context: ServerContext, key: Pick<InstantKeyRow, 'workspace_id' | 'customization_profile_id'>): Promise<CustomizationProfileRow | undefined> {
  const own = key.customization_profile_id === null ? undefined : await context.repo.customization.getProfile(key.workspace_id, key.customization_profile_id);
  return own ?? await context.repo.customization.defaultProfile(key.workspace_id);
}

/** The `customization` object of an instant key (Seam) and of the app's sync bundle. */
export function customizationJson(context: ServerContext, row: CustomizationProfileRow | undefined): { logo_url?: string; primary_color?: string; secondary_color?: string } {
  if (row === undefined) return {};
  const logo = logoUrl(context, row);
  return {
    ...(logo !== undefined ? { logo_url: logo } : {}),
    ...(row.primary_color !== null ? { primary_color: row.primary_color } : {}),
    ...(row.secondary_color !== null ? { secondary_color: row.secondary_color } : {}),
  };
}

export function profileJson(context: ServerContext, row: CustomizationProfileRow) {
  return {
    customization_profile_id: row.customization_profile_id,
    workspace_id: row.workspace_id,
    name: row.name,
    created_at: row.created_at,
    ...customizationJson(context, row),
  };
}
