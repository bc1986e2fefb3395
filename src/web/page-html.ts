import { brandVariables, type Customization } from './branding.ts';
import { bootScript } from './boot.ts';

export const webManifestPath = '/ik/manifest.webmanifest';
export const iconPath = '/ik-app/icon.svg';
/** The default header colour (latchkey blue), also the browser's theme colour without a profile. */
const defaultBrand = '#1f4e9c';

/** A key on a rounded square, in latchkey blue (also the favicon). */
export const iconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><rect width="96" height="96" rx="20" fill="${defaultBrand}"/><circle cx="34" cy="48" r="16" fill="none" stroke="#fff" stroke-width="8"/><path d="M50 48h30M70 48v12M80 48v9" stroke="#fff" stroke-width="8" stroke-linecap="round"/></svg>
`;

/** The web app manifest: installable, opens standalone at the link it was installed from. */
export function webManifest(): string {
  return `${JSON.stringify({ name: 'Instant Key', short_name: 'Key', start_url: '.', scope: '/ik/', display: 'standalone', background_color: '#f4f5f7', theme_color: defaultBrand, icons: [{ src: iconPath, sizes: 'any', type: 'image/svg+xml', purpose: 'any' }] })}\n`;
}

const escapeAttribute = (text: string) => text.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The Instant Key page's HTML and CSS, with the bundle built from app.ts inlined (one request to a
 * usable page). The workspace's colours are inlined too (CSS variables and theme-color), so the first
 * paint already wears them; the page applies them again from the bundle it syncs.
 * Phone-first: one column, 48 px touch targets, system fonts, colours with a contrast ratio of at
 * least 4.5:1 against their background (WCAG 2.1 AA), visible keyboard focus. The workspace's
 * colours come in as CSS variables (src/web/branding.ts), each with its own black-or-white text.
 */
export function instantKeyPageHtml(input: { script: string; customization?: Customization | undefined }): string {
  const variables = Object.entries(brandVariables(input.customization)).map(([name, value]) => `${name}: ${value};`).join(' ');
  const theme = brandVariables(input.customization)['--brand'] ?? defaultBrand;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="theme-color" content="${escapeAttribute(theme)}">
<link rel="manifest" href="${webManifestPath}">
<link rel="icon" href="${iconPath}" type="image/svg+xml">
<title>Your Instant Key</title>
<style>
:root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #d0d0d0; --brand: #1f4e9c; --brand-ink: #ffffff; --accent: #e6edf8; --accent-ink: #153a75; }${variables === '' ? '' : `\n:root { ${variables} }`}
* { box-sizing: border-box; -webkit-tap-highlight-color: transparent; }
body { margin: 0; font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f4f5f7; }
header { background: var(--brand); color: var(--brand-ink); padding: 20px 16px 16px; }
#brand-logo { display: block; max-height: 48px; max-width: 70%; margin: 0 0 12px; padding: 6px 10px; background: #fff; border-radius: 8px; }
.brand-name { margin: 0 0 2px; font-size: .9rem; font-weight: 600; letter-spacing: .02em; }
.brand-name:empty { display: none; }
header h1 { margin: 0; font-size: 1.35rem; }
header p { margin: 4px 0 0; color: var(--brand-ink); font-size: .95rem; }
main { max-width: 480px; margin: 0 auto; padding: 16px; }
button { font: inherit; font-weight: 600; min-height: 48px; border-radius: 10px; border: 0; padding: 0 18px; cursor: pointer; }
button:focus-visible { outline: 3px solid var(--ink); outline-offset: 2px; } /* ≥ 3:1 against the light page behind it (WCAG 2.2 focus appearance) */
button:disabled { background: #9aa3ad; color: #1a1a1a; cursor: not-allowed; }
.primary { width: 100%; background: var(--brand); color: var(--brand-ink); font-size: 1.05rem; }
#feedback { margin: 16px 0; padding: 16px; border-radius: 12px; color: #fff; display: flex; gap: 14px; align-items: flex-start; }
#feedback[hidden] { display: none; }
#feedback .icon { font-size: 2rem; line-height: 1; flex: none; width: 2.2rem; text-align: center; }
#feedback h2 { margin: 0 0 4px; font-size: 1.2rem; }
#feedback p { margin: 0; }
#feedback .timing { font-size: .85rem; margin-top: 6px; }
#feedback .timing summary { cursor: pointer; }
#feedback .countdown { font-weight: 600; }
#feedback[data-state="working"], #feedback[data-state="locked"] { background: #3d4a5c; }
#feedback[data-state="success"] { background: #17703a; }
#feedback[data-state="refused"] { background: #b3261e; }
#feedback[data-state="range"] { background: #8a4b00; }
#feedback[data-state="bluetooth"] { background: #1f4e9c; }
#feedback[data-state="unsupported"], #feedback[data-state="error"] { background: #5b2c83; }
h2.section { font-size: 1rem; margin: 20px 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
ul.doors { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
ul.doors li { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 12px 14px; display: flex; align-items: center; justify-content: space-between; gap: 12px; }
.door-name { font-weight: 700; font-size: 1.05rem; }
.door-validity { color: var(--muted); font-size: .9rem; }
.door-unlock { background: var(--accent); color: var(--accent-ink); border: 1px solid rgba(0, 0, 0, .25); }
#simulator { background: #fff4ce; color: #1a1a1a; border-bottom: 2px solid #8a6d00; padding: 10px 16px; font-size: .95rem; }
#simulator label { display: block; margin-top: 6px; }
#simulator select { font: inherit; min-height: 40px; margin-left: 4px; }
#status { color: var(--muted); font-size: .9rem; margin-top: 16px; }
</style>
</head>
<body>
<script>${bootScript}</script>
<header><p class="brand-name" id="brand-name"></p><h1>Your Instant Key</h1><p id="identity">Loading your keys…</p></header>
<main>
  <button type="button" class="primary" id="unlock-nearby" disabled>Unlock the door in front of me</button>
  <section id="feedback" role="status" aria-live="polite" hidden></section>
  <h2 class="section" id="doors-heading">Your doors</h2>
  <ul class="doors" id="doors" aria-labelledby="doors-heading"></ul>
  <p id="status"></p>
</main>
<script type="module">${input.script}</script>
</body>
</html>
`;
}
