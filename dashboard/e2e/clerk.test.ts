/**
 * The clerk page in real Chromium against a real agent running a real camera: a still of people
 * standing (opencv-doc's basketball1.png) looped as a camera inside an e-money rack zone, so the
 * whole pipeline (decode, detection, tracking, dwell, event, snapshot) raises `emoney_lingering`,
 * and the real AlertDispatcher sends the clerk alert through the outbox to MQTT and to the page.
 * The clerk acknowledges on the page; the ack is checked in the store and on the broker.
 */
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import mqtt from 'mqtt';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../edge/src/store/store.js';
import { OPENCV_DATA, requireOpencvData } from '../../edge/test/fixtures.js';
import { stillClip } from '../../edge/test/media-clips.js';
import { agentBrokerLogin } from '../../edge/test/broker-login.js';
import { episode } from '../../edge/test/event-steps.js';
import { startBlipProxy } from './blip-proxy.js';
import { launchBrowser, logIn, screenshot, startSite, type E2eSite } from './harness.js';

const SITE = 'e2e-store';
let site: E2eSite;
let browser: Browser;
let store: Store;
let subscriber: mqtt.MqttClient;
let clipDir: string;
const messages: { topic: string; text: string }[] = [];

beforeAll(async () => {
  requireOpencvData();
  clipDir = mkdtempSync(join(tmpdir(), 'mimamori-e2e-clip-'));
  const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 14, join(clipDir, 'standing.mp4'));
  site = await startSite({
    alerts: { clerkLanguage: 'ja', clerkResendSeconds: 5, clerkResendMax: 3, atmLanguages: ['ja', 'en'] },
    cameras: [{
      id: 'rack1', source: clip, loop: true, analysis: { fps: 5, width: 640 }, record: { enabled: false },
      zones: [{ id: 'cards', kind: 'emoney_rack', dwellSeconds: 5, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
    }],
  });
  store = openStore(site.dataDir);
  // The clerk's handheld reads alerts and acks; the dashboard's login also sees the agent's other topics.
  subscriber = await mqtt.connectAsync(site.agent.mqttUrl!, { clientId: 'e2e-clerk-device', ...agentBrokerLogin(site.dataDir, `dashboard-${SITE}`) });
  subscriber.on('message', (topic, payload) => messages.push({ topic, text: payload.toString() }));
  await subscriber.subscribeAsync(`mimamori/${SITE}/#`, { qos: 1 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await subscriber?.endAsync();
  store?.close();
  await site?.close();
  if (clipDir) rmSync(clipDir, { recursive: true, force: true });
});

/** Counts the page's Web Audio tones and the kinds of live messages its EventSource receives. */
const RECORDERS = `
  window.__tones = 0;
  const start = AudioScheduledSourceNode.prototype.start;
  AudioScheduledSourceNode.prototype.start = function (...args) { window.__tones++; return start.apply(this, args); };
  window.__kinds = [];
  const Original = window.EventSource;
  window.EventSource = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (ev) => { try { window.__kinds.push(JSON.parse(ev.data).kind); } catch { /* not JSON */ } });
    }
  };
`;

async function clerkPage(context: BrowserContext, role: 'clerk' | 'admin' = 'clerk'): Promise<Page> {
  await context.addInitScript(RECORDERS);
  const page = await context.newPage();
  await logIn(page, site, role, '/clerk');
  expect(new URL(page.url()).pathname).toBe('/clerk');
  await expect.poll(() => page.getByRole('status').first().getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
  return page;
}

const tones = (page: Page) => page.evaluate('window.__tones') as Promise<number>;
const onTopic = (suffix: string) => messages.filter((m) => m.topic === `mimamori/${SITE}/${suffix}`);
const alertsFor = (eventId: string) => onTopic('clerk/alerts').map((m) => JSON.parse(m.text) as { eventId: string; resend: number }).filter((a) => a.eventId === eventId);

describe('clerk alerts page', () => {
  it('shows a real camera\'s alert with its snapshot and what to say; one tap acknowledges it, on MQTT too', async () => {
    const handheld = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await clerkPage(handheld);
    const register = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const secondScreen = await clerkPage(register, 'admin');

    // The camera's event: model load, then 5 s of dwell in the zone.
    const card = page.locator('article.alert[data-status="open"]').first();
    await card.waitFor({ timeout: 120_000 });
    const eventId = (await card.getAttribute('data-event-id'))!;
    const event = store.events.get(eventId)!;
    expect(event).toMatchObject({ behaviour: 'emoney_lingering', camera: 'rack1', zone: 'cards' });
    expect(event.snapshotPath).not.toBeNull();
    await expect.poll(() => tones(page)).toBeGreaterThan(0);
    expect(await page.locator('#announce').textContent()).toContain('電子マネー売場');

    // Snapshot, place, severity and the questions to ask, in Japanese by default.
    const img = card.getByRole('img', { name: 'cards のカメラ画像' });
    await expect.poll(() => img.evaluate((i) => {
      const image = i as unknown as { complete: boolean; naturalWidth: number };
      return image.complete && image.naturalWidth > 0;
    })).toBe(true);
    expect(await card.locator('h2').textContent()).toBe('電子マネー売場に長く留まっているお客様');
    expect(await card.locator('.badge').textContent()).toBe('緊急度：中');
    expect(await card.locator('.where').textContent()).toContain('cards');
    expect(await card.locator('.where').textContent()).toContain('rack1');
    expect(await card.getByRole('region', { name: '声かけ' }).textContent()).toContain('「お電話で誰かにカードを買うよう言われていませんか？」');
    await screenshot(page, 'clerk-alert-ja');
    // Viewing the snapshot is an audited access to personal data.
    expect(store.audit.list().some((e) => e.action === 'snapshot.view' && e.actor === 'clerk' && e.subject === eventId)).toBe(true);

    // Unacknowledged, the alert is re-sent every 5 s; the page rings again and says so.
    await expect.poll(() => alertsFor(eventId).some((a) => a.resend === 1), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => card.locator('.reminder').textContent(), { timeout: 10_000 }).toMatch(/^再通知 \d+ 回目$/);

    // English, with the same controls found by their accessible names.
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('button', { name: 'English' }).getAttribute('aria-pressed')).toBe('true');
    expect(await card.locator('h2').textContent()).toBe('Customer lingering at the e-money cards');
    expect(await card.getByRole('region', { name: 'What to say' }).textContent()).toContain('"Did someone on the phone tell you to buy this card?"');
    expect(await page.getByRole('group', { name: 'Language' }).isVisible()).toBe(true);
    for (const button of await page.getByRole('button').all()) {
      const name = await button.evaluate((b) => (b.getAttribute('aria-label') ?? b.textContent ?? '').trim());
      expect(name, await button.evaluate((b) => b.outerHTML)).not.toBe('');
    }
    await screenshot(page, 'clerk-alert-en');

    // One tap.
    await card.getByRole('button', { name: /^I'll handle it/ }).click();
    const handled = page.locator(`article.alert[data-event-id="${eventId}"]`);
    await expect.poll(() => handled.getAttribute('data-status')).toBe('acked');
    expect(await handled.locator('.outcome').textContent()).toMatch(/^Handled \(clerk, /);
    expect(await page.getByText('No alerts need attention right now.').isVisible()).toBe(true);
    await screenshot(page, 'clerk-handled');

    // Recorded once, by the logged-in clerk, from the dashboard …
    expect(store.acks.forEvent(eventId)).toMatchObject([{ by: 'clerk', source: 'dashboard' }]);
    // … published for the other clerk devices …
    await expect.poll(() => onTopic(`clerk/alerts/${eventId}/ack`).length, { timeout: 10_000 }).toBe(1);
    const wire = JSON.parse(onTopic(`clerk/alerts/${eventId}/ack`)[0]!.text) as { by: string; at: string };
    expect(wire.by).toBe('clerk');
    expect(Date.parse(wire.at)).toBe(store.acks.forEvent(eventId)[0]!.ackedAt);
    // … and the alert logic was told: the relay turned off while the person is still there.
    await expect.poll(() => onTopic('clerk/signal').map((m) => m.text).at(-1), { timeout: 10_000 }).toBe('off');
    expect(store.events.get(eventId)!.endedAt).toBeNull();
    // The other screen shows it handled too, from the live stream.
    await expect.poll(() => secondScreen.locator(`article.alert[data-event-id="${eventId}"]`).getAttribute('data-status'), { timeout: 10_000 }).toBe('acked');

    // The agent's own AckListener got the published ack back from the broker and did not store it
    // again; a clerk device's ack after it is stored as a second ack.
    await subscriber.publishAsync(`mimamori/${SITE}/clerk/alerts/${eventId}/ack`, JSON.stringify({ by: 'register-2' }), { qos: 1 });
    await expect.poll(() => store.acks.forEvent(eventId).length, { timeout: 10_000 }).toBe(2);
    expect(store.acks.forEvent(eventId).map((a) => [a.by, a.source])).toEqual([['clerk', 'dashboard'], ['register-2', 'mqtt']]);

    // No more reminders: nothing for the event in the next 7 s (they came every 5 s before).
    const sent = alertsFor(eventId).length;
    await new Promise((r) => setTimeout(r, 7000));
    expect(alertsFor(eventId).length).toBe(sent);
    expect(store.events.get(eventId)!.endedAt).toBeNull();

    await handheld.close();
    await register.close();
  }, 240_000);

  it('tells the clerk to go to the ATM for a phone at the ATM, and never gives a clerk the ATM screens\' data', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const page = await clerkPage(context);
    await site.agent.recordStep(episode(Date.now(), { atmId: 'atm1', camera: 'atmcam', zone: 'atm-front', trackId: 41 }).start('high'));
    const card = page.locator('article.alert[data-status="open"][data-severity="high"]').first();
    await card.waitFor({ timeout: 15_000 });
    expect(await card.locator('h2').textContent()).toBe('ATMで携帯電話を使っているお客様');
    expect(await card.getByRole('region', { name: '声かけ' }).textContent()).toContain('ATMへ行き、お客様に声をかけてください');
    // No snapshot for this made-up step: the page says so instead of a broken image.
    await expect.poll(() => card.locator('.snapshot.none').textContent()).toBe('画像はありません');
    await screenshot(page, 'clerk-atm-alert');
    // The clerk's stream carried the clerk alert but none of the ATM screen's messages.
    const kinds = await page.evaluate('window.__kinds') as string[];
    expect(kinds).toContain('clerk_alert');
    expect(kinds).toContain('event');
    expect(kinds.filter((k) => k === 'atm_warning' || k === 'interlock')).toEqual([]);
    // Nor can the clerk's session open an ATM's kiosk stream.
    expect((await page.request.get(`${site.url}api/atm/atm1/stream`)).status()).toBe(400);
    expect((await page.request.get(`${site.url}api/atm/atm1/kiosk?token=${'x'.repeat(43)}`)).status()).toBe(401);
    await context.close();
  });

  it('asks for one tap when the browser holds sound back until the page is touched', async () => {
    // Headless Chromium always lets audio play, whatever --autoplay-policy says. A phone browser
    // starts a page's AudioContext suspended until a tap: the page's real AudioContext is
    // suspended at creation here to stand for that policy; the tap's resume() is the real one.
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    await context.addInitScript(`
      const Real = window.AudioContext;
      window.AudioContext = class extends Real { constructor(...args) { super(...args); void this.suspend(); } };
    `);
    const page = await clerkPage(context);
    // "Tap to turn on the sound", or with alerts open "No alert sound — tap here".
    const unlock = page.getByRole('button', { name: /^(タップして通知音を有効にする|通知音が出ません — ここをタップしてください)$/ });
    await unlock.waitFor({ timeout: 10_000 });
    await screenshot(page, 'clerk-sound-locked');
    const before = await tones(page);
    await unlock.tap();
    await page.getByRole('button', { name: '通知音を鳴らす' }).waitFor({ timeout: 10_000 });
    await expect.poll(() => tones(page)).toBeGreaterThan(before); // the tap plays the chime once, as a check
    await context.close();
  });

  it('shows visibly when the link to the agent is down, and catches up when it is back', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await clerkPage(context);
    // The same session through a proxy that can drop the network (cookies are not per port).
    const proxy = await startBlipProxy(site.url);
    const page = await context.newPage();
    await page.goto(`${proxy.url}clerk`);
    const status = page.getByRole('status').first();
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 15_000 }).toBe('open');
    proxy.cut();
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 60_000 }).toBe('reconnecting');
    expect(await status.textContent()).toBe('再接続中…');
    await page.getByRole('alert').filter({ hasText: '通知を受け取れていない可能性があります' }).waitFor({ timeout: 15_000 });
    await screenshot(page, 'clerk-reconnecting');
    // An alert raised while the handheld was away arrives with the catch-up state.
    await site.agent.recordStep(episode(Date.now(), { atmId: 'atm2', camera: 'atmcam2', zone: 'atm-side', trackId: 42 }).start('high'));
    proxy.restore();
    await expect.poll(() => status.getAttribute('data-state'), { timeout: 30_000 }).toBe('open');
    await page.locator('article.alert[data-status="open"]').filter({ hasText: 'atm-side' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('#banner').isHidden()).toBe(true);
    await proxy.close();
    await context.close();
  });
});
