/**
 * Phone-sized, keyboard-only and readable, checked in Chromium on the demo hotel's customized page:
 * no sideways scrolling at 390 px; every control has an accessible name and a ≥ 44 px touch target;
 * Tab reaches every button in order with a visible focus ring; Enter on a door unlocks it (the
 * keypress is the user activation Web Bluetooth's chooser needs); every visible text, including the
 * answer panel, has a contrast ratio of at least 4.5:1 against what is behind it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { contrastRatio } from '../../src/web/branding.ts';
import type { CdpBluetoothBridge } from './cdp-bridge.ts';
import { cssHex as hex, outcomeOf, phoneViewport } from './browser.ts';
import { startWebRig, type WebRig } from './rig.ts';

let rig: WebRig;
let server: WebRig['server'];
let front: WebRig['front'];
let browser: WebRig['browser'];
let bridge: CdpBluetoothBridge;
let page: Page;

beforeAll(async () => {
  rig = await startWebRig();
  ({ server, front, browser } = rig);
  page = browser.page;
  bridge = rig.bridge!;
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  await bridge.addLock('02:00:00:00:03:01', room.lock);
  bridge.standAt('02:00:00:00:03:01');
  await page.goto(front.url + new URL(server.instantKeyUrl!).pathname);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
}, 60_000);

afterAll(() => rig?.close());

/** Every visible text run with its colour and the first opaque background behind it (WCAG 2.1 ratio). */
function lowContrastTexts(target: Page): Promise<{ text: string; ratio: number }[]> {
  return target.evaluate(() => {
    const rgb = (value: string): [number, number, number, number] => {
      const parts = /rgba?\(([\d.]+), ([\d.]+), ([\d.]+)(?:, ([\d.]+))?\)/.exec(value);
      return parts === null ? [0, 0, 0, 0] : [Number(parts[1]), Number(parts[2]), Number(parts[3]), parts[4] === undefined ? 1 : Number(parts[4])];
    };
    const luminance = ([r, g, b]: number[]) => {
      const channel = (c: number) => ((c /= 255) <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!);
    };
    const backgroundOf = (element: Element | null): number[] => {
      for (let node = element; node !== null; node = node.parentElement) {
        const colour = rgb(getComputedStyle(node).backgroundColor);
        if (colour[3] >= 0.99) return colour;
      }
      return [255, 255, 255, 1];
    };
    const found: { text: string; ratio: number }[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const element = node.parentElement;
      const text = node.textContent?.trim() ?? '';
      if (element === null || text === '' || element.closest('[hidden]') !== null || element.getClientRects().length === 0) continue;
      const style = getComputedStyle(element);
      if (style.visibility === 'hidden' || style.display === 'none') continue;
      const foreground = rgb(style.color);
      const opacity = Number(style.opacity);
      const background = backgroundOf(element);
      // Text drawn with opacity blends into its background.
      const blended = foreground.slice(0, 3).map((c, i) => c * opacity * foreground[3]! + background[i]! * (1 - opacity * foreground[3]!));
      const [hi, lo] = [luminance(blended), luminance(background)].sort((a, b) => b - a) as [number, number];
      const ratio = (hi + 0.05) / (lo + 0.05);
      if (ratio < 4.5) found.push({ text, ratio: Math.round(ratio * 100) / 100 });
    }
    return found;
  });
}

it('fits a phone: no sideways scrolling, named controls with large touch targets, readable text', async () => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(phoneViewport.width);
  const buttons = await page.$$eval('button:not([hidden])', (elements) =>
    elements.map((button) => ({ name: button.getAttribute('aria-label') ?? button.textContent?.trim() ?? '', height: button.getBoundingClientRect().height, width: button.getBoundingClientRect().width })),
  );
  expect(buttons.length).toBeGreaterThanOrEqual(5); // the main action and one per door
  for (const button of buttons) {
    expect(button.name, JSON.stringify(button)).not.toBe('');
    expect(button.height, button.name).toBeGreaterThanOrEqual(44);
    expect(button.width, button.name).toBeGreaterThanOrEqual(44);
  }
  expect(await page.getAttribute('#brand-logo', 'alt')).not.toBe('');
  expect(await lowContrastTexts(page)).toEqual([]);
});

it('Tab reaches every button in order with a visible focus ring, and Enter on a door unlocks it', async () => {
  const expected = await page.$$eval('button:not([hidden]):not([disabled])', (elements) => elements.map((button) => button.getAttribute('aria-label') ?? button.textContent?.trim()));
  const reached: (string | undefined)[] = [];
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  for (let i = 0; i < expected.length; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (element === null || element.tagName !== 'BUTTON') return undefined;
      const style = getComputedStyle(element);
      return { name: element.getAttribute('aria-label') ?? element.textContent?.trim(), ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2, colour: style.outlineColor, page: getComputedStyle(document.body).backgroundColor };
    });
    expect(focused?.ring, focused?.name).toBe(true);
    expect(contrastRatio(hex(focused!.colour), hex(focused!.page)), focused?.name).toBeGreaterThanOrEqual(3); // the ring stands out from the page
    reached.push(focused?.name);
  }
  expect(reached).toEqual(expected);

  await page.getByRole('button', { name: 'Unlock Room 101' }).focus();
  const room = [...server.property.doors.values()].find((d) => d.name === 'Room 101')!;
  const before = room.lock.actuations;
  await page.keyboard.press('Enter');
  const outcome = await outcomeOf(page);
  expect(outcome.state, outcome.text).toBe('success');
  expect(room.lock.actuations).toBe(before + 1);
  expect(await lowContrastTexts(page)).toEqual([]); // the answer panel too
  expect(await page.getAttribute('#feedback', 'role')).toBe('status'); // announced by screen readers
});
