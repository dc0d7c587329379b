/**
 * `/evidence` in real Chromium against a real agent whose camera records real footage (a file
 * camera looping a clip, cut into 5 s MPEG-TS segments by the agent's own recorder): an
 * investigator places a hold over that footage on the page, exports it, downloads the zip through
 * the browser and the real `mimamori verify` accepts it; the audit log on the page shows every
 * step and an intact chain; uploads of the manifest and signature are verified on the page; a
 * clerk gets nothing.
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, requireOpencvData } from '../../edge/test/fixtures.js';
import { stillClip } from '../../edge/test/media-clips.js';
import { runCli } from '../../edge/test/run-cli.js';
import { waitUntil } from '../../edge/test/wait-until.js';
import { loadOrCreateDeviceKeys } from '../../edge/src/evidence/device-keys.js';
import { unnamedControls } from './accessible-names.js';
import { launchBrowser, logIn, screenshot, startSite, type E2eSite } from './harness.js';

let site: E2eSite;
let browser: Browser;
let dir: string;
let startedAt: Date;

/** Recorded segments so far (the agent's recorder status). */
function segments(): number {
  const cams = (site.agent.status() as { cameras: { id: string; recorder: { segments: number } | null }[] }).cameras;
  return cams.find((c) => c.id === 'atm1')?.recorder?.segments ?? 0;
}

/** The value a datetime-local input with seconds takes, in this machine's local time (the browser's too). */
function localInput(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-e2e-evidence-'));
  const clip = stillClip(join(OPENCV_DATA, 'messi5.jpg'), 10, join(dir, 'atm.mp4'));
  startedAt = new Date(Date.now() - 60_000);
  site = await startSite({
    cameras: [{ id: 'atm1', source: clip, loop: true, analysis: { fps: 1, width: 320 }, record: { segmentSeconds: 5 } }],
  });
  browser = await launchBrowser();
  // Two finished segments: real footage in the index for the hold to cover.
  await waitUntil('two recorded segments', () => segments() >= 2, 180_000, 1000);
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function alertText(page: Page): Promise<string> {
  return (await page.locator('#evidence-error').textContent()) ?? '';
}

describe('evidence desk', () => {
  it('places a hold, exports it, downloads a bundle mimamori verify accepts, and shows the audit trail', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    await logIn(page, site, 'investigator');
    expect(new URL(page.url()).pathname).toBe('/evidence'); // an investigator's home screen
    await expect.poll(() => page.locator('#hold-cameras input[type="checkbox"]').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('#audit-verdict').textContent(), { timeout: 30_000 }).toContain('chain intact');
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'evidence-desk');

    // A hold over everything recorded so far, on the one camera, entered as an officer's request.
    await page.getByLabel(/Case number/).fill('2026-E2E-001');
    await page.getByLabel(/Officer/).fill('佐藤');
    await page.getByLabel(/Station/).fill('新宿警察署');
    await page.getByLabel('理由 / Reason', { exact: true }).fill('ATM fraud, request 123');
    await page.getByLabel(/From/).fill(localInput(startedAt));
    await page.getByLabel(/^終了日時/).fill(localInput(new Date()));
    await page.getByLabel('atm1').check();
    await page.getByRole('button', { name: /Create hold/ }).click();
    const holdRow = page.locator('#holds-table tr[data-case="2026-E2E-001"]');
    await holdRow.waitFor({ timeout: 30_000 });
    expect(await alertText(page)).toBe('');
    expect(await holdRow.locator('td').nth(1).textContent()).toBe('atm1');
    expect(await holdRow.locator('td').nth(3).textContent()).toMatch(/^有効 \/ Active/);
    await screenshot(page, 'evidence-hold-created');

    // Export, watched until done.
    await holdRow.getByRole('button', { name: /Export/ }).click();
    const exportRow = page.locator('#exports-table tr[data-export]').first();
    await exportRow.waitFor({ timeout: 30_000 });
    await screenshot(page, 'evidence-export-running');
    await expect.poll(() => exportRow.getAttribute('data-status'), { timeout: 180_000, interval: 1000 }).toBe('done');
    expect(await alertText(page)).toBe('');
    const name = (await exportRow.getAttribute('data-export'))!;
    expect(name).toMatch(/^mimamori-evidence-2026-E2E-001-\d{8}T\d{6}\.zip$/);
    await screenshot(page, 'evidence-export-done');

    // Download through the browser, then the real command line checks it against the device key.
    const [download] = await Promise.all([page.waitForEvent('download'), exportRow.getByRole('link', { name: /Download/ }).click()]);
    expect(download.suggestedFilename()).toBe(name);
    const zip = join(dir, name);
    await download.saveAs(zip);
    const keyFile = join(dir, 'device.pem');
    await writeFile(keyFile, loadOrCreateDeviceKeys(site.dataDir).publicKeyPem);
    const verified = await runCli(['verify', zip, '--key', keyFile]);
    expect(verified.stdout).toContain('manifest: case 2026-E2E-001');
    expect(verified.code).toBe(0);
    expect(verified.stdout.trim().split('\n').pop()).toMatch(/^VERIFIED: .*signed by the key given$/);

    // The audit log on the page: the hold, the export and the download, and an intact chain.
    await page.getByRole('button', { name: /Reload and check chain/ }).click();
    await expect.poll(async () => page.locator('#audit-table tr[data-action]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))), { timeout: 30_000 })
      .toEqual(['export.download', 'export.create', 'hold.create']);
    expect(await page.locator('#audit-verdict').textContent()).toContain('chain intact');
    await screenshot(page, 'evidence-audit');

    // The manifest and signature from the downloaded bundle, verified on the page; then a tampered manifest.
    execFileSync('unzip', ['-q', '-o', zip, 'manifest.json', 'manifest.sig', '-d', dir]);
    await page.getByLabel('manifest.json').setInputFiles(join(dir, 'manifest.json'));
    await page.getByLabel('manifest.sig').setInputFiles(join(dir, 'manifest.sig'));
    await page.getByRole('button', { name: /Verify manifest/ }).click();
    const verdict = page.locator('#verify-verdict');
    await expect.poll(() => verdict.locator('.verdict-title').textContent(), { timeout: 30_000 }).toBe('検証済み / VERIFIED');
    expect(await verdict.textContent()).toContain('2026-E2E-001');
    await screenshot(page, 'evidence-verify-ok');

    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8');
    await writeFile(join(dir, 'tampered.json'), manifest.replace('"officer": "佐藤"', '"officer": "鈴木"'));
    await page.getByLabel('manifest.json').setInputFiles(join(dir, 'tampered.json'));
    await page.getByRole('button', { name: /Verify manifest/ }).click();
    await expect.poll(() => verdict.locator('.verdict-title').textContent(), { timeout: 30_000 }).toBe('検証失敗 / NOT VERIFIED');
    expect(await verdict.textContent()).toContain('signature check failed');
    await screenshot(page, 'evidence-verify-tampered');

    // A forged manifest signed with the forger's own key, uploaded with that key: the page must
    // not call it verified, only intact, with origin NOT proven.
    const forger = generateKeyPairSync('ed25519');
    const forged = manifest.replace('"officer": "佐藤"', '"officer": "鈴木"');
    await writeFile(join(dir, 'forged.json'), forged);
    await writeFile(join(dir, 'forged.sig'), `${sign(null, Buffer.from(forged, 'utf8'), forger.privateKey).toString('base64')}\n`);
    await writeFile(join(dir, 'forger.pem'), forger.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    await page.getByLabel('manifest.json').setInputFiles(join(dir, 'forged.json'));
    await page.getByLabel('manifest.sig').setInputFiles(join(dir, 'forged.sig'));
    await page.getByLabel(/Public key PEM/).setInputFiles(join(dir, 'forger.pem'));
    await page.getByRole('button', { name: /Verify manifest/ }).click();
    await expect.poll(() => verdict.locator('.verdict-title').textContent(), { timeout: 30_000 }).toBe('完全性のみ・出所未証明 / INTEGRITY ONLY, origin NOT proven');
    const forgedText = (await verdict.textContent()) ?? '';
    expect(forgedText).toContain("NOT proven: signed by a key that is neither this device's nor the fingerprint given");
    expect(forgedText).toContain(loadOrCreateDeviceKeys(site.dataDir).fingerprint);
    await screenshot(page, 'evidence-verify-forged');

    // Release with a reason.
    await holdRow.getByLabel(/Release reason/).fill('case closed');
    await holdRow.getByRole('button', { name: /Release/ }).click();
    await expect.poll(() => holdRow.locator('td').nth(3).textContent(), { timeout: 30_000 }).toMatch(/^解除済み \/ Released .*case closed/);
    await screenshot(page, 'evidence-released');
    await page.close();
  });

  it('shows an API error in the alert, and gives a clerk nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, site, 'investigator');
    await page.getByLabel(/Case number/).fill('../../etc');
    await page.getByLabel(/Officer/).fill('Sato');
    await page.getByLabel(/Station/).fill('Shinjuku');
    await page.getByLabel('理由 / Reason', { exact: true }).fill('test');
    await page.getByRole('button', { name: /Create hold/ }).click();
    await expect.poll(() => alertText(page), { timeout: 30_000 }).toContain('body.caseNumber');
    await screenshot(page, 'evidence-error');
    await page.context().clearCookies();

    await logIn(page, site, 'clerk');
    await page.goto(`${site.url}evidence`);
    await expect.poll(() => alertText(page), { timeout: 30_000 }).toContain('needs role investigator');
    expect(await page.locator('#desk').isHidden()).toBe(true);
    expect(await page.locator('#holds-table tr[data-hold]').count()).toBe(0);
    await screenshot(page, 'evidence-clerk-refused');
    await page.close();
  });
});
