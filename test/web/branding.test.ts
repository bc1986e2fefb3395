/** The page's colour rules (src/web/branding.ts): WCAG contrast, the text colour on a brand colour, what is ignored. */
import { describe, expect, it } from 'vitest';
import { brandVariables, contrastRatio, inkFor, logoSource } from '../../src/web/branding.ts';

describe('branding', () => {
  it('computes WCAG 2.1 contrast ratios', () => {
    expect(contrastRatio('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(contrastRatio('#1f4e9c', '#ffffff')).toBeCloseTo(contrastRatio('#ffffff', '#1f4e9c'), 10);
  });

  it('puts white text on dark colours and dark text on pale ones, always the better of the two', () => {
    for (const [background, ink] of [['#1f4e9c', '#ffffff'], ['#0b5d57', '#ffffff'], ['#f2c14e', '#000000'], ['#ffffff', '#000000'], ['#ffe08a', '#000000'], ['#000000', '#ffffff']] as const) {
      expect(inkFor(background), background).toBe(ink);
    }
    for (let grey = 0; grey <= 255; grey += 5) {
      const hex = `#${grey.toString(16).padStart(2, '0').repeat(3)}`;
      const chosen = contrastRatio(hex, inkFor(hex));
      expect(chosen).toBeGreaterThanOrEqual(Math.max(contrastRatio(hex, '#ffffff'), contrastRatio(hex, '#000000')) - 1e-9);
      expect(chosen, hex).toBeGreaterThanOrEqual(4.5); // black or white always reaches AA on some side
    }
  });

  it('turns only well-formed colours into CSS variables', () => {
    expect(brandVariables({ primary_color: '#0b5d57', secondary_color: '#f2c14e' })).toEqual({ '--brand': '#0b5d57', '--brand-ink': '#ffffff', '--accent': '#f2c14e', '--accent-ink': '#000000' });
    expect(brandVariables({ primary_color: 'red; background: url(x)', secondary_color: '#fff' })).toEqual({});
    expect(brandVariables(undefined)).toEqual({});
  });

  it('loads latchkey logos from the page origin and ignores non-http URLs', () => {
    const origin = 'http://127.0.0.1:9000';
    expect(logoSource({ logo_url: 'http://localhost:8080/ik/logo/x/y' }, origin)).toBe(`${origin}/ik/logo/x/y`);
    expect(logoSource({ logo_url: 'https://cdn.example.com/logo.png' }, origin)).toBe('https://cdn.example.com/logo.png');
    expect(logoSource({ logo_url: 'javascript:alert(1)' }, origin)).toBeUndefined();
    expect(logoSource({}, origin)).toBeUndefined();
  });
});
