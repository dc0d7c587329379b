/**
 * The ATM kiosk page in real Chromium against a real agent: warnings come from behaviour steps
 * handed to the agent's own EventRecorder (agent.recordStep), through the real AlertDispatcher,
 * rate limiter, SQLite outbox and live tee, to the page's EventSource. No camera shows a phone
 * call here (none with a licence to ship exists), so the step is made, not detected; the clerk
 * test runs a real camera.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import catalogue from '../../edge/src/alerts/warnings/catalogue.json' with { type: 'json' };
import { openStore, type Store } from '../../edge/src/store/store.js';
import { episode } from '../../edge/test/event-steps.js';
import { startBlipProxy } from './blip-proxy.js';
import { launchBrowser, screenshot, startSite, type E2eSite } from './harness.js';

const texts = catalogue.messages as Record<string, Record<string, { text: string }>>;
const text = (key: string, lang: string): string => texts[key]![lang]!.text;

let site: E2eSite;
let browser: Browser;
let store: Store;
const token = { atm1: randomBytes(32).toString('base64url'), atm2: randomBytes(32).toString('base64url'), atm3: randomBytes(32).toString('base64url') };

beforeAll(async () => {
  site = await startSite({ alerts: { atmLanguages: ['ja', 'en', 'vi'], warningSeconds: 15 } });
  browser = await launchBrowser();
  // Made as `mimamori users kiosk-token --atm atm1` makes them, on the running agent's database.
  store = openStore(site.dataDir);
  store.users.addKioskToken('atm1', token.atm1);
  store.users.addKioskToken('atm2', token.atm2);
  store.users.addKioskToken('atm3', token.atm3);
});
afterAll(async () => {
  await browser?.close();
  store?.close();
  await site?.close();
});

/**
 * This machine has no speech engine, so Chromium lists no voices. To see what the page asks to
 * be spoken, the voice list claims Japanese and English voices and speak() is recorded; the real
 * speak() still runs (and fails at once for want of an engine, as it would on a bare kiosk).
 */
const SPEECH_SPY = `
  window.__spoken = [];
  const synth = window.speechSynthesis;
  const voices = [{ lang: 'ja-JP', name: 'e2e ja', default: true, localService: true, voiceURI: 'e2e-ja' },
                  { lang: 'en-US', name: 'e2e en', default: false, localService: true, voiceURI: 'e2e-en' }];
  synth.getVoices = () => voices;
  const speak = synth.speak.bind(synth);
  synth.speak = (u) => { window.__spoken.push({ lang: u.lang, volume: u.volume, text: u.text }); speak(u); };
`;

async function kioskPage(context: BrowserContext, path: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${site.url}${path.slice(1)}`);
  return page;
}

const mode = (page: Page) => page.locator('#screen').getAttribute('data-mode');
const shown = (page: Page) => page.locator('#text').textContent();

/**
 * WCAG contrast ratio of an element's text colour against the background of another, from their
 * computed styles. In page code, as a string: this file is typechecked without the DOM library.
 */
const CONTRAST = `([textSelector, bgSelector]) => {
  const lum = (css) => {
    const [r, g, b] = (css.match(/[\\d.]+/g) || []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const fg = lum(getComputedStyle(document.querySelector(textSelector)).color);
  const bg = lum(getComputedStyle(document.querySelector(bgSelector)).backgroundColor);
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
}`;

const contrast = (page: Page, textSelector: string, bgSelector: string): Promise<number> =>
  page.evaluate(`(${CONTRAST})(${JSON.stringify([textSelector, bgSelector])})`) as Promise<number>;

describe('ATM kiosk page', () => {
  it('says "not configured" without a valid token for that ATM, and shows nothing else', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    for (const path of ['/atm/atm1', '/atm/atm1?token=short', `/atm/atm1?token=${'x'.repeat(43)}`, `/atm/atm1?token=${token.atm2}`]) {
      const page = await kioskPage(context, path);
      await expect.poll(() => mode(page), { timeout: 10_000 }).toBe('unconfigured');
      expect(await shown(page)).toContain('This screen is not configured.');
      if (path === '/atm/atm1') await screenshot(page, 'atm-not-configured');
      await page.close();
    }
    await context.close();
  });

  it('shows the poster, then a warning cycling through its languages, spoken where a voice exists, until it is cleared', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(SPEECH_SPY);
    const page = await kioskPage(context, `/atm/atm1?token=${token.atm1}&volume=0.4&cycle=2`);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // atm2's token in the same browser: sees the poster but never atm1's warning.
    const other = await kioskPage(context, `/atm/atm2?token=${token.atm2}&cycle=2`);
    const stranger = await kioskPage(context, `/atm/atm1?token=${token.atm2}`);

    await expect.poll(() => page.locator('#link').getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
    expect(await mode(page)).toBe('poster');
    expect([text('atm.idle_poster', 'ja'), text('atm.idle_poster', 'en'), text('atm.idle_poster', 'vi')]).toContain(await shown(page));
    await screenshot(page, 'atm-idle');

    // A phone in the hand first (medium), then a call (high): the text is replaced in place.
    const steps = episode(Date.now(), { atmId: 'atm1' });
    await site.agent.recordStep(steps.start('medium'));
    await expect.poll(() => mode(page), { timeout: 10_000 }).toBe('warning');
    const handTexts = ['ja', 'en', 'vi'].map((l) => text('atm.phone_hand', l));
    expect(handTexts).toContain(await shown(page));
    await site.agent.recordStep(steps.update(Date.now(), 'high'));
    const callTexts = ['ja', 'en', 'vi'].map((l) => text('atm.phone_call', l));
    await expect.poll(async () => callTexts.includes((await shown(page)) ?? ''), { timeout: 10_000 }).toBe(true);

    // It cycles through every configured language, with the lang attribute set for each.
    const seen = new Set<string>();
    await expect.poll(async () => {
      const lang = await page.locator('#text').getAttribute('lang');
      if (lang && (await shown(page)) === text('atm.phone_call', lang)) seen.add(lang);
      if (lang === 'ja' && !seen.has('ja-shot')) {
        seen.add('ja-shot');
        await screenshot(page, 'atm-warning-ja');
      }
      if (lang === 'en' && !seen.has('en-shot')) {
        seen.add('en-shot');
        await screenshot(page, 'atm-warning-en');
      }
      return ['ja', 'en', 'vi'].every((l) => seen.has(l));
    }, { timeout: 30_000, interval: 200 }).toBe(true);

    // Large and high-contrast: white on black is 21:1; WCAG AAA asks 4.5:1 for large text, we ask 7:1.
    expect(await contrast(page, '#text', '#screen')).toBeGreaterThanOrEqual(7);
    expect(parseFloat(await page.evaluate("getComputedStyle(document.getElementById('text')).fontSize") as string)).toBeGreaterThanOrEqual(32);

    // Read aloud in the languages that have a voice, at the volume from the URL; not in Vietnamese.
    const spoken = await page.evaluate('window.__spoken') as { lang: string; volume: number; text: string }[];
    expect(spoken.length).toBeGreaterThan(0);
    expect(new Set(spoken.map((s) => s.lang))).toEqual(new Set(['ja-JP', 'en-US']));
    expect(spoken.every((s) => Math.abs(s.volume - 0.4) < 1e-6)).toBe(true);
    expect(spoken.map((s) => s.text)).toContain(text('atm.phone_call', 'en'));

    // The other ATM's screen and the wrong token saw none of it.
    expect(await mode(other)).toBe('poster');
    expect(await mode(stranger)).toBe('unconfigured');

    await site.agent.recordStep(steps.end(Date.now()));
    await expect.poll(() => mode(page), { timeout: 10_000 }).toBe('poster');

    // Never footage: no picture elements, no request for a snapshot or a clip.
    expect(await page.locator('img, video, canvas, iframe').count()).toBe(0);
    expect(requests.filter((u) => /snapshot|clip|\/api\/events/.test(u))).toEqual([]);
    expect(await page.locator('button, a, input, select').count()).toBe(0);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('takes a warning down by itself at its `until`, and catches up after a network blip', async () => {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await kioskPage(context, `/atm/atm2?token=${token.atm2}&cycle=2`);
    await expect.poll(() => page.locator('#link').getAttribute('data-state'), { timeout: 15_000 }).toBe('open');

    // No clear is ever sent for this one: warningSeconds is 15, so the page drops it on its own.
    await site.agent.recordStep(episode(Date.now(), { atmId: 'atm2', trackId: 7 }).start('high'));
    await expect.poll(() => mode(page), { timeout: 10_000 }).toBe('warning');
    await expect.poll(() => mode(page), { timeout: 40_000 }).toBe('poster');
    await page.close();

    // The link drops: the screen stays calm (the poster), then reconnects by itself and shows the
    // warning that started while it was away, from the catch-up state.
    const proxy = await startBlipProxy(site.url);
    const blip = await context.newPage();
    await blip.goto(`${proxy.url}atm/atm3?token=${token.atm3}&cycle=2`);
    await expect.poll(() => blip.locator('#link').getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
    proxy.cut();
    await expect.poll(() => blip.locator('#link').getAttribute('data-state'), { timeout: 60_000 }).toBe('reconnecting');
    expect(await mode(blip)).toBe('poster');
    // Still calm while the browser keeps retrying against a network that refuses it.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await mode(blip)).toBe('poster');
    await screenshot(blip, 'atm-reconnecting');
    await site.agent.recordStep(episode(Date.now(), { atmId: 'atm3', trackId: 8 }).start('high'));
    proxy.restore();
    await expect.poll(() => mode(blip), { timeout: 30_000 }).toBe('warning');
    expect(await blip.locator('#link').getAttribute('data-state')).toBe('open');
    await proxy.close();
    await context.close();
  });
});
