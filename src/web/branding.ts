/**
 * The workspace's look on the Instant Key page (customization profile: name, logo, primary and
 * secondary colour; src/server/services/customization.ts). The colours become CSS variables; the
 * text on each colour is black or white, whichever contrasts more (WCAG 2.1 relative luminance), so
 * a pale brand colour never gets white text.
 */
export interface Customization {
  name?: string;
  logo_url?: string;
  primary_color?: string;
  secondary_color?: string;
}

const hexColour = /^#[0-9a-f]{6}$/i;
// Pure black, not the page's #1a1a1a: with black or white some side always reaches 4.58:1 (√21).
const dark = '#000000';
const light = '#ffffff';

/** WCAG 2.1 relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/** The text colour for a background: white or near-black, whichever reads better. */
export function inkFor(background: string): string {
  return contrastRatio(background, light) >= contrastRatio(background, dark) ? light : dark;
}

/** CSS variables for a profile's colours (only well-formed `#rrggbb`: anything else keeps the default look). */
export function brandVariables(customization: Customization | undefined): Record<string, string> {
  const variables: Record<string, string> = {};
  const primary = customization?.primary_color;
  if (primary !== undefined && hexColour.test(primary)) Object.assign(variables, { '--brand': primary, '--brand-ink': inkFor(primary) });
  const secondary = customization?.secondary_color;
  if (secondary !== undefined && hexColour.test(secondary)) Object.assign(variables, { '--accent': secondary, '--accent-ink': inkFor(secondary) });
  return variables;
}

/**
 * The logo's address as this page should load it: a logo served by latchkey (/ik/logo/…) comes from
 * this page's own origin (so the service worker keeps it offline); any other URL is used as given.
 */
export function logoSource(customization: Customization | undefined, origin: string): string | undefined {
  const url = customization?.logo_url;
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url, origin);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.pathname.startsWith('/ik/logo/') ? origin + parsed.pathname : parsed.href;
  } catch {
    return undefined;
  }
}

/** Applies the profile to the page: colours, the logo in the header, the workspace's name. */
export function applyCustomization(customization: Customization | undefined): void {
  const root = document.documentElement;
  const variables = brandVariables(customization);
  for (const [name, value] of Object.entries(variables)) root.style.setProperty(name, value);
  // The browser's bar in this link's colour too (the page came with it inlined; the bundle may be newer).
  const theme = document.querySelector('meta[name="theme-color"]');
  if (theme !== null && variables['--brand'] !== undefined) theme.setAttribute('content', variables['--brand']);
  const header = document.querySelector('header');
  const logo = logoSource(customization, location.origin);
  if (header !== null && logo !== undefined && document.getElementById('brand-logo') === null) {
    const image = document.createElement('img');
    image.id = 'brand-logo';
    image.src = logo;
    image.alt = customization?.name ? `${customization.name} logo` : 'Logo';
    image.addEventListener('error', () => image.remove()); // offline and never cached: no broken-image icon
    header.prepend(image);
  }
  const name = customization?.name;
  if (name !== undefined && name !== '') {
    document.title = `${name} — your Instant Key`;
    document.getElementById('brand-name')?.replaceChildren(name);
  }
  document.body.dataset.customized = customization !== undefined && Object.keys(customization).length > 0 ? 'true' : 'false';
}
