/**
 * The zones editor in real Chromium against a real agent started from a YAML file with comments:
 * an admin draws a zone where a real person stands, saves, the file on disk changes with its
 * comments kept, and the running agent raises an event in the new zone without a restart. A
 * polygon of two corners is refused with the path of the problem; a clerk cannot save.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { OPENCV_DATA, requireOpencvData } from '../../edge/test/fixtures.js';
import { stillClip } from '../../edge/test/media-clips.js';
import { unnamedControls } from './accessible-names.js';
import { launchBrowser, logIn, screenshot, startSite, type E2eSite } from './harness.js';

let site: E2eSite;
let browser: Browser;
let dir: string;
let file: string;
let original: string;

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-e2e-zones-'));
  const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 20, join(dir, 'people.mp4'));
  original = `# Test store: the zones editor writes into this file.
site: e2e-store
cameras:
  # The camera over the card rack.
  - id: rack1
    source: ${clip}
    loop: true
    analysis: { fps: 2, width: 640 }
    record: { enabled: false }
    zones:
      # Top left corner, where nobody stands: no event until the editor adds a zone.
      - { id: corner, kind: emoney_rack, dwellSeconds: 2, polygon: [[0, 0], [0.2, 0], [0.2, 0.2], [0, 0.2]] }
`;
  file = join(dir, 'site.yaml');
  writeFileSync(file, original);
  const { cameras } = parseYaml(original) as { cameras: unknown[] };
  site = await startSite({ cameras }, { configFile: file });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function asRole(role: 'clerk' | 'admin'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await logIn(page, site, role);
  await page.goto(`${site.url}zones`);
  return page;
}

/** Clicks the picture at normalised (x, y). */
async function clickAt(page: Page, x: number, y: number): Promise<void> {
  await page.locator('#stage').scrollIntoViewIfNeeded();
  const box = (await page.locator('#stage svg').boundingBox())!;
  await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
}

async function eventsIn(page: Page, zone: string): Promise<number> {
  const events = (await (await page.request.get(`${site.url}api/events?camera=rack1`)).json()) as { zone: string }[];
  return events.filter((e) => e.zone === zone).length;
}

describe('zones editor', () => {
  it('draws a zone over the picture, saves it to the file with comments kept, and the running agent uses it', async () => {
    const page = await asRole('admin');
    const picture = page.getByRole('img', { name: /Current picture of camera rack1/ });
    await expect.poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), { timeout: 60_000, interval: 500 }).toBe(640);
    expect(await page.locator('#zone-list li').count()).toBe(1);
    expect(await eventsIn(page, 'corner')).toBe(0);

    await page.getByRole('button', { name: /Add zone/ }).click();
    const zone = page.locator('#zone-list li').nth(1);
    await zone.getByLabel(/Zone id/).fill('left-person');
    await zone.getByLabel(/dwellSeconds/).fill('2');
    // Around the feet of the man on the left (his feet are at about x 0.15, y 0.97).
    for (const [x, y] of [[0.02, 0.6], [0.4, 0.6], [0.4, 0.995], [0.02, 0.995]] as const) await clickAt(page, x, y);
    expect(await zone.getByLabel(/Corners/).inputValue()).toMatch(/^0\.02\d*,0\.6\d*; 0\.4\d*,0\.6\d*; 0\.4\d*,0\.99\d*; 0\.02\d*,0\.99\d*$/);
    await screenshot(page, 'zones-editor');
    await page.getByRole('button', { name: /^保存 \/ Save$/ }).click();
    await expect.poll(() => page.locator('#zones-status').textContent(), { timeout: 20_000 }).toMatch(/Saved to the config file/);
    expect(await page.locator('#zones-error').textContent()).toBe('');

    const text = readFileSync(file, 'utf8');
    for (const comment of original.split('\n').filter((l) => l.trim().startsWith('#'))) expect(text).toContain(comment);
    expect(text).toContain('{ id: corner, kind: emoney_rack, dwellSeconds: 2, polygon: [[0, 0], [0.2, 0], [0.2, 0.2], [0, 0.2]] }');
    expect(text).toMatch(/- \{id: left-person, kind: emoney_rack, polygon: \[\[0\.02\d*, 0\.6\d*\], .*\], dwellSeconds: 2\}/);
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(original);

    // The same agent, not restarted, raises the event in the new zone.
    const started = (site.agent.status() as { startedAt: string }).startedAt;
    await expect.poll(() => eventsIn(page, 'left-person'), { timeout: 90_000, interval: 1000 }).toBeGreaterThan(0);
    expect((site.agent.status() as { startedAt: string }).startedAt).toBe(started);
    expect(await eventsIn(page, 'corner')).toBe(0);
    expect(await unnamedControls(page)).toEqual([]);
    await page.close();
  }, 300_000);

  it('refuses a polygon of two corners, naming the path, and keeps the file as it was', async () => {
    const page = await asRole('admin');
    await page.locator('#zone-list li').first().waitFor();
    // No waiting for the picture: the stage has the camera's shape from the start.
    const before = readFileSync(file, 'utf8');
    const count = await page.locator('#zone-list li').count();
    await page.getByRole('button', { name: /Add zone/ }).click();
    await clickAt(page, 0.5, 0.5);
    await clickAt(page, 0.6, 0.6);
    expect(await page.locator('#zone-list li').last().getByLabel(/Corners/).inputValue()).toMatch(/^0\.(49|5)\d*,0\.(49|5)\d*; 0\.(59|6)\d*,0\.(59|6)\d*$/);
    await page.getByRole('button', { name: /^保存 \/ Save$/ }).click();
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'polygon' }).textContent(), { timeout: 20_000 })
      .toBe(`zones[${count}].polygon: needs at least 3 points`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    await screenshot(page, 'zones-invalid');
    await page.close();
  }, 120_000);

  it('does not let a clerk save zones', async () => {
    const page = await asRole('clerk');
    await expect.poll(() => page.locator('#zones-access').textContent()).toMatch(/Only admins can edit zones/);
    expect(await page.locator('#editor').isHidden()).toBe(true);
    const before = readFileSync(file, 'utf8');
    const res = await page.request.put(`${site.url}api/cameras/rack1/zones`, { data: { zones: [] } });
    expect(res.status()).toBe(403);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(file)).toBe(true);
    await page.close();
  }, 60_000);
});
