/**
 * Secrets never reach a log line. Fastify logs every request's URL, and URLs here can carry
 * capabilities: an Instant Key link code (`/ik/<code>`), a simulator token (`?sim=`, `/sim/ws?token=`),
 * and any bearer secret someone pastes into a query (`?key=seam_…`). Handlers may also log headers or
 * error messages. Rather than trusting every call site, the logger's last step (pino's `streamWrite`
 * hook, see src/server/index.ts) passes each serialised line through `redactSecrets`, and the request
 * serializer logs the URL percent-decoded and redacted (`redactUrl`) and no headers at all. The
 * patterns also match a percent-encoded `/ik/` (`%2Fik%2F<code>`) in any other line.
 *
 * What is masked (the shape stays, so a log still says which route was hit):
 *   - `seam_…` tokens of any kind (API keys `seam_lk1_…`, client-session tokens `seam_cst1_…`);
 *   - `Bearer <anything>` (an Authorization header value, whatever the token looks like);
 *   - the link code in `/ik/<code>` (not `/ik/logo/…`, whose path holds only ids and a hash);
 *   - query values of `key`, `sim`, `token`, `ticket`, `code`, `instant_key_url`, `client_session_token`;
 *   - the dashboard session cookie's value.
 */

const redacted = '[redacted]';

const patterns: readonly [RegExp, string][] = [
  [/seam_[A-Za-z0-9]+_[A-Za-z0-9_-]+|seam_[A-Za-z0-9_-]{6,}/g, `seam_${redacted}`],
  [/(Bearer)(\s|%20|\+)+[^\s"',;&]+/gi, `$1 ${redacted}`],
  [/\/ik\/(?!logo\/|sw\.js)[A-Za-z0-9_-]+/g, `/ik/${redacted}`],
  [/%2Fik%2F(?!logo%2F|sw\.js)[A-Za-z0-9_-]+/gi, `%2Fik%2F${redacted}`],
  [/([?&](?:key|sim|token|ticket|code|instant_key_url|client_session_token)=)[^&\s"#]*/gi, `$1${redacted}`],
  [/(latchkey_dashboard=)[^;\s"]*/g, `$1${redacted}`],
];

/** The text with every secret-shaped substring masked. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

/** Percent-decoding rounds a URL gets before it is redacted (a link pasted into a query is encoded once, a link inside such a link twice). */
const urlDecodeRoundsMax = 4;

/**
 * A request URL fit for a log: percent-decoded until it no longer changes (at most
 * `urlDecodeRoundsMax` rounds; a malformed escape stops decoding there), then redacted. A link code
 * sent URL-encoded in a query string (`?u=http%3A%2F%2Fhost%2Fik%2F<code>`) is a `/ik/<code>` only
 * once decoded: redacting the raw URL alone let it through (attack on issue 13).
 */
export function redactUrl(url: string): string {
  let decoded = url;
  for (let round = 0; round < urlDecodeRoundsMax; round++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded.replaceAll('+', ' '));
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  return redactSecrets(decoded);
}

/** The request fields a log line keeps: method and redacted, decoded URL (no headers: they carry tokens and cookies). */
export function requestForLog(request: { method: string; url: string; id?: unknown }): { method: string; url: string; id?: unknown } {
  return { method: request.method, url: redactUrl(request.url), ...(request.id !== undefined ? { id: request.id } : {}) };
}
