/**
 * `/` in real Chromium against a real agent: two cameras looping a real photo of two people (one
 * with a card-rack zone where they stand, one with an ATM zone), real perception, recording and
 * SQLite. The live pictures appear and update, the timeline shows the real emoney_lingering event
 * with its snapshot, its clip plays, the filters filter, and each role sees only its own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, requireOpencvData } from '../../edge/test/fixtures.js';
import { stillClip } from '../../edge/test/media-clips.js';
import { unnamedControls } from './accessible-names.js';
import { launchBrowser, logIn, screenshot, startSite, type E2eSite } from './harness.js';

let site: E2eSite;
let browser: Browser;
let dir: string;

/** What the tests read of an <img> in the page (this file is compiled without the DOM library). */
interface Img { naturalWidth: number; complete: boolean; dataset: Record<string, string | undefined> }
interface EventJson { id: string; camera: string; zone: string; behaviour: string; snapshot: boolean; ack: unknown }

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-e2e-live-'));
  const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 20, join(dir, 'people.mp4'));
  site = await startSite({
    cameras: [
      {
        id: 'rack1', source: clip, loop: true, analysis: { fps: 2, width: 640 }, record: { segmentSeconds: 5 },
        zones: [{ id: 'cards', kind: 'emoney_rack', dwellSeconds: 2, polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
      },
      {
        id: 'atm1', source: clip, loop: true, analysis: { fps: 1, width: 640 }, record: { enabled: false },
        zones: [{ id: 'front', kind: 'atm', atmId: 'A1', polygon: [[0.5, 0.3], [1, 0.3], [1, 1], [0.5, 1]] }],
      },
    ],
  });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function asRole(role: 'clerk' | 'bank' | 'investigator' | 'admin'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await logIn(page, site, role);
  await page.goto(site.url);
  return page;
}

const frameSeq = (page: Page, camera: string): Promise<number> =>
  page.locator(`figure[data-camera="${camera}"] img`).evaluate((img) => Number((img as unknown as Img).dataset.frameSeq ?? '-1'));

describe('live & events page', () => {
  it('shows each camera live, updating, with the real event, its snapshot and a playable clip', async () => {
    const page = await asRole('clerk');
    // The tiles are drawn once /api/cameras answers, a moment after the page loads.
    await expect.poll(() => page.locator('figure.camera-tile').count(), { timeout: 30_000 }).toBe(2);
    const image = page.getByRole('img', { name: /Live picture of camera rack1/ });
    await expect.poll(() => frameSeq(page, 'rack1'), { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(0);
    await expect.poll(() => image.evaluate((img) => (img as unknown as Img).naturalWidth), { timeout: 30_000 }).toBe(640);
    const first = await frameSeq(page, 'rack1');
    await expect.poll(() => frameSeq(page, 'rack1'), { timeout: 30_000, interval: 500 }).toBeGreaterThan(first);

    // The person standing in the rack zone for more than 2 s: a real event, with its snapshot.
    const event = page.locator('li.event[data-behaviour="emoney_lingering"]').first();
    await event.waitFor({ timeout: 90_000 });
    const snapshot = event.locator('img.snapshot');
    await expect.poll(() => snapshot.evaluate((img) => (img as unknown as Img).complete && (img as unknown as Img).naturalWidth), { timeout: 30_000 }).toBe(640);
    expect(await event.textContent()).toContain('rack1 / cards');
    await screenshot(page, 'live-events');

    // Its clip, once a recorded segment covers it (segments are indexed when they are complete).
    const id = (await event.getAttribute('data-event-id'))!;
    await expect.poll(async () => (await page.request.get(`${site.url}api/events/${id}/clip`)).status(), { timeout: 90_000, interval: 1000 }).toBe(200);
    await event.getByRole('button', { name: /Play the clip/ }).click();
    const video = page.locator('#clip-video');
    await expect.poll(() => video.evaluate((v) => {
      const media = v as unknown as { readyState: number; duration: number };
      return media.readyState >= 2 || media.duration > 0;
    }), { timeout: 60_000, interval: 500 }).toBe(true);
    expect(await page.locator('#clip-error').textContent()).toBe('');
    await screenshot(page, 'live-clip');
    await page.getByRole('button', { name: /Close/ }).click();
    expect(await unnamedControls(page)).toEqual([]);
    await page.close();
  }, 300_000);

  it('filters the timeline by behaviour, severity, acknowledgement and camera', async () => {
    const page = await asRole('clerk');
    const rows = page.locator('li.event');
    await rows.first().waitFor({ timeout: 90_000 });
    const status = page.locator('#events-status');
    const choose = async (label: RegExp, value: string): Promise<void> => {
      await page.getByLabel(label).selectOption(value);
    };
    await choose(/Behaviour/, 'phone_at_atm');
    await expect.poll(() => status.textContent()).toBe('イベントはありません / No events');
    expect(await rows.count()).toBe(0);
    await choose(/Behaviour/, 'emoney_lingering');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);
    await choose(/Severity/, 'high');
    await expect.poll(() => rows.count()).toBe(0);
    await choose(/Severity/, 'medium');
    await expect.poll(() => rows.count()).toBeGreaterThan(0);

    // Acknowledged by the clerk (the dashboard's ack route): it moves between the two filters.
    const id = (await rows.first().getAttribute('data-event-id'))!;
    const ack = await page.request.post(`${site.url}api/events/${id}/ack`, { data: {} });
    expect(ack.status()).toBe(200);
    await choose(/Acknowledged/, 'true');
    await expect.poll(() => page.locator(`li.event[data-event-id="${id}"] .ack`).textContent(), { timeout: 20_000 }).toMatch(/Acknowledged by clerk/);
    await choose(/Acknowledged/, 'false');
    await expect.poll(() => page.locator(`li.event[data-event-id="${id}"]`).count()).toBe(0);
    await choose(/Acknowledged/, '');
    await choose(/Camera/, 'atm1');
    await expect.poll(() => rows.count()).toBe(0);
    await screenshot(page, 'live-filters');
    await page.close();
  }, 300_000);

  it('shows a bank only the ATM camera and ATM events, and an investigator no live picture', async () => {
    const bank = await asRole('bank');
    await bank.locator('figure.camera-tile').first().waitFor();
    expect(await bank.locator('figure.camera-tile').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-camera')))).toEqual(['atm1']);
    await expect.poll(() => frameSeq(bank, 'atm1'), { timeout: 60_000, interval: 500 }).toBeGreaterThanOrEqual(0);
    await expect.poll(() => bank.locator('#events-status').textContent(), { timeout: 20_000 }).toBe('イベントはありません / No events');
    const events = (await (await bank.request.get(`${site.url}api/events`)).json()) as EventJson[];
    expect(events.every((e) => e.behaviour === 'phone_at_atm')).toBe(true);
    expect((await bank.request.get(`${site.url}api/cameras/rack1/live.jpg`)).status()).toBe(403);
    await screenshot(bank, 'live-bank');
    await bank.close();

    const investigator = await asRole('investigator');
    await investigator.locator('li.event').first().waitFor({ timeout: 30_000 });
    expect(await investigator.locator('#live').isHidden()).toBe(true);
    expect((await investigator.request.get(`${site.url}api/cameras/rack1/live.jpg`)).status()).toBe(403);
    await investigator.close();
  }, 300_000);
});
