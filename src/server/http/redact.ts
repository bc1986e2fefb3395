/**
 * Secrets never reach a log line. Fastify logs every request's URL, and URLs here can carry
 * capabilities: an Instant Key link code (`/ik/<code>`), a simulator token (`?sim=`, `/sim/ws?token=`),
 * and any bearer secret someone pastes into a query (`?key=seam_…`). Handlers may also log headers or
 * error messages. Rather than trusting every call site, the logger's last step (pino's `streamWrite`
 * hook, see src/server/index.ts) passes each serialised line through `redactSecrets`, and the request
 * serializer logs the URL percent-decoded and redacted (`redactUrl`) and no headers at all. The
 * patterns also match a percent-encoded `/ik/` (`%2Fik%2F<code>`, `%252Fik…`) in any other line.
 *
 * What is masked (the shape stays, so a log still says which route was hit):
 *   - `seam_…` tokens of any kind (API keys `seam_lk1_…`, client-session tokens `seam_cst1_…`), also
 *     with the underscores percent-encoded (`seam%5Flk1%5F…`);
 *   - `Bearer <anything>` (an Authorization header value, whatever the token looks like);
 *   - the link code in `/ik/<code>` (not `/ik/logo/…`, whose path holds only ids and a hash), in any
 *     letter case and with any run of `/` or `\` (raw or percent-encoded) around `ik`: the server
 *     takes a link's code from its last path segment, so `/IK//<code>` carries the code too;
 *   - query values of `key`, `sim`, `token`, `ticket`, `code`, `instant_key_url`, `client_session_token`;
 *   - the dashboard session cookie's value.
 */

const redacted = '[redacted]';

/** `_`, raw or percent-encoded once or more (`%5F`, `%255F`, …). */
const underscore = String.raw`(?:_|%(?:25)*5F)`;
/** A path separator, `/` or `\`, raw or percent-encoded once or more. */
const separator = String.raw`(?:[/\\]|%(?:25)*(?:2F|5C))`;

const patterns: readonly [RegExp, string][] = [
  [new RegExp(String.raw`seam${underscore}[A-Za-z0-9]+${underscore}(?:[A-Za-z0-9_-]|%(?:25)*5F)+|seam${underscore}(?:[A-Za-z0-9_-]|%(?:25)*5F){6,}`, 'gi'), `seam_${redacted}`],
  [/(Bearer)(\s|%20|\+)+[^\s"',;&]+/gi, `$1 ${redacted}`],
  [new RegExp(String.raw`(${separator}ik${separator}+)(?!logo${separator}|sw\.js)[A-Za-z0-9_-]+`, 'gi'), `$1${redacted}`],
  [/([?&](?:key|sim|token|ticket|code|instant_key_url|client_session_token)=)[^&\s"#]*/gi, `$1${redacted}`],
  [/(latchkey_dashboard=)[^;\s"]*/g, `$1${redacted}`],
];

/** The text with every secret-shaped substring masked. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

/**
 * One round of percent-decoding that tolerates malformed escapes: each run of `%XX` escapes is decoded
 * as UTF-8 when it is valid, otherwise byte by byte; a `%` not followed by two hex digits stays as it is.
 */
function decodeEscapesOnce(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}

/**
 * A request URL fit for a log: `+` read as a space, then percent-decoded until it no longer changes
 * (each escape on its own, so a malformed one such as `%ZZ` anywhere stops nothing; every round that
 * changes the text shortens it, so this ends), then redacted. A link code sent URL-encoded in a query
 * string (`?u=http%3A%2F%2Fhost%2Fik%2F<code>`) is a `/ik/<code>` only once decoded: redacting the raw
 * URL alone let it through, and so did decoding that gave up at the first bad escape (attacks on issue 13).
 */
export function redactUrl(url: string): string {
  let decoded = url.replaceAll('+', ' ');
  for (;;) {
    const next = decodeEscapesOnce(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  // What copy-paste from chats and e-mails slips into a secret (a zero-width space, a bidi mark, a
  // line break, a space) split it where the patterns stopped, and the rest was logged (third attack
  // on issue 13): such characters are dropped from the logged URL, and after `/ik/` or a `seam`
  // prefix everything up to the next `/ ? & # =` (or `\`) is masked, whatever its alphabet.
  const visible = decoded.replace(/[\p{Cf}\p{Cc}\p{Z}\s]/gu, '');
  return redactSecrets(visible).replace(urlSecretTail, (_match, head: string) => `${head}${redacted}`).replace(seamAnything, `seam_${redacted}`);
}

/** `/ik/<anything up to a delimiter>` (not `/ik/logo/…`, `/ik/sw.js`) in an already decoded URL. */
const urlSecretTail = new RegExp(String.raw`([/\\]ik[/\\]+)(?!logo[/\\]|sw\.js|\[redacted\])[^/\\?&#=]+`, 'gi');
/** `seam` then at least 6 characters that are not a delimiter (a key whose separators are foreign characters). */
const seamAnything = /seam(?!_\[redacted\])[^/\\?&#=]{6,}/gi;

/** The request fields a log line keeps: method and redacted, decoded URL (no headers: they carry tokens and cookies). */
export function requestForLog(request: { method: string; url: string; id?: unknown }): { method: string; url: string; id?: unknown } {
  return { method: request.method, url: redactUrl(request.url), ...(request.id !== undefined ? { id: request.id } : {}) };
}
