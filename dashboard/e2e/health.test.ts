/**
 * `/health` in real Chromium against a real agent with one camera streaming a real clip and one
 * that cannot be opened: their states, rates and restarts, the broker connection, the outbox
 * backlog, disk use as far as the agent reports it, and each camera's analysis, with the
 * analysis_stalled alarm when a real inference worker is ended and not yet back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, requireOpencvData } from '../../edge/test/fixtures.js';
import { stillClip } from '../../edge/test/media-clips.js';
import { analysisFrom, stalledText } from '../src/health/analysis.js';
import { formatBytes, storageFrom } from '../src/health/storage.js';
import { unnamedControls } from './accessible-names.js';
import { launchBrowser, logIn, screenshot, startSite, type E2eSite } from './harness.js';

let site: E2eSite;
let browser: Browser;
let dir: string;

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-e2e-health-'));
  const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 10, join(dir, 'people.mp4'));
  site = await startSite({
    cameras: [
      { id: 'rack1', source: clip, loop: true, analysis: { fps: 1, width: 640 }, record: { segmentSeconds: 5 } },
      { id: 'broken', source: join(dir, 'no-such-camera.mp4') },
    ],
  });
  browser = await launchBrowser();
}, 300_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('health page', () => {
  it('shows each camera\'s state, the broker and the outbox, for any logged-in role', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await logIn(page, site, 'bank');
    await page.goto(`${site.url}health`);
    const row = (camera: string) => page.locator(`#camera-table tr[data-camera="${camera}"]`);
    await expect.poll(() => row('rack1').locator('td').first().textContent(), { timeout: 60_000, interval: 500 }).toBe('streaming');
    await expect.poll(() => row('broken').locator('td').first().textContent(), { timeout: 30_000, interval: 500 }).toMatch(/^(backoff|connecting)$/);
    expect(await row('broken').locator('td').last().textContent()).toMatch(/No such file/i);
    await expect.poll(() => page.locator('#broker-connected').textContent(), { timeout: 30_000 }).toBe('接続中 / connected');
    expect(await page.locator('#outbox-pending').textContent()).toMatch(/^\d+$/);
    // Frame rates come in as the camera streams.
    await expect.poll(async () => Number((await row('rack1').locator('td').nth(1).textContent())!.split(' / ')[0]), { timeout: 30_000, interval: 1000 })
      .toBeGreaterThan(0);

    // Disk use and the storage_full alarm, as far as this agent reports them.
    const reported = storageFrom(site.agent.status());
    if (reported?.usedBytes != null && reported.budgetBytes != null) {
      expect(await page.locator('#disk-text').textContent()).toContain(formatBytes(reported.usedBytes));
      expect(await page.locator('#disk-meter').getAttribute('max')).toBe(String(reported.budgetBytes));
    } else if (!reported) {
      expect(await page.locator('#storage').textContent()).toMatch(/Disk use is not reported by this agent/);
    }
    expect(await page.locator('#storage-alarm').isVisible()).toBe(reported?.full ?? false);
    // Analysis: the streaming camera is analysed, the broken one waits for frames; no alarm.
    await expect.poll(() => row('rack1').locator('td').nth(6).textContent(), { timeout: 30_000, interval: 500 }).toBe('running');
    expect(await row('broken').locator('td').nth(6).textContent()).toMatch(/^running: waiting for frames: camera (backoff|connecting)$/);
    expect(await row('rack1').locator('td').nth(7).textContent()).toBe('0 / 0');
    expect(await page.locator('#workers-running').textContent()).toBe('1 / 1');
    expect(await page.locator('#analysis-alarm').isVisible()).toBe(false);
    expect(await unnamedControls(page)).toEqual([]);
    await screenshot(page, 'health');
    await page.close();
  }, 180_000);
});

describe('health page with the disk over its budget', () => {
  it('shows the storage_full alarm prominently, here and on the live page', async () => {
    // A budget of 1% of the filesystem: no cleaning can get under it, so the real cleaner raises the alarm.
    const full = await startSite({ retention: { maxDiskPercent: 1 } });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page, full, 'admin');
      await page.goto(`${full.url}health`);
      const alarm = page.locator('#storage-alarm');
      await expect.poll(() => alarm.isVisible(), { timeout: 60_000, interval: 500 }).toBe(true);
      expect(await alarm.getAttribute('role')).toBe('alert');
      expect(await alarm.textContent()).toMatch(/Storage full/);
      const status = storageFrom(full.agent.status())!;
      expect(status.full).toBe(true);
      expect(await page.locator('#disk-text').textContent()).toContain(`${formatBytes(status.usedBytes!)} / ${formatBytes(status.budgetBytes!)}`);
      expect(await page.locator('#storage').textContent()).toContain('storage_full: オン / on');
      expect(await page.locator('#disk-free').textContent()).toMatch(/^空き \/ free .+ · 予備 \/ reserve .+ · 書き込み失敗 \/ refused writes \d+$/);
      await screenshot(page, 'health-storage-full');
      await page.goto(full.url);
      await expect.poll(() => page.locator('#storage-alarm').textContent(), { timeout: 30_000 }).toMatch(/Storage full/);
      await page.close();
    } finally {
      await full.close();
    }
  }, 180_000);
});

describe('health page with a camera whose analysis stalls', () => {
  it('shows analysis_stalled with the camera and the reason, here and on the live page, while no worker runs', async () => {
    const workers: ChildProcess[] = [];
    const clip = stillClip(join(OPENCV_DATA, 'basketball1.png'), 4, join(dir, 'atm.mp4'));
    // The respawn waits long enough for the screens to be looked at. One frame every 2 s leaves the
    // worker idle most of the time: ending a thread inside an onnxruntime run aborts the process.
    const stalling = await startSite({
      cameras: [{ id: 'atmcam', source: clip, loop: true, analysis: { fps: 0.5, width: 320 }, record: { enabled: false } }],
      perception: { workerRespawn: { initialSeconds: 600, maxSeconds: 600 } },
    }, { onWorkerReady: (_i, w) => workers.push(w) });
    try {
      const analysed = (): number => (stalling.agent.status().cameras as { analysedFrames: number }[])[0]!.analysedFrames;
      await expect.poll(analysed, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);
      // Just after a frame is done, before the next one arrives.
      const done = analysed();
      await expect.poll(analysed, { timeout: 30_000, interval: 20 }).toBeGreaterThan(done);
      workers[0]!.kill('SIGKILL');
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      await logIn(page, stalling, 'clerk');
      await page.goto(`${stalling.url}health`);
      const alarm = page.locator('#analysis-alarm');
      await expect.poll(() => alarm.isVisible(), { timeout: 30_000, interval: 500 }).toBe(true);
      expect(await alarm.getAttribute('role')).toBe('alert');
      expect(await alarm.textContent()).toBe('映像解析が止まっています (analysis_stalled) / Analysis stalled: atmcam (no inference worker running)');
      const row = page.locator('#camera-table tr[data-camera="atmcam"]');
      expect(await row.locator('td').nth(6).textContent()).toBe('stalled: no inference worker running');
      expect(await page.locator('#workers-running').textContent()).toBe('0 / 1');
      await screenshot(page, 'health-analysis-stalled');
      await page.goto(stalling.url);
      await expect.poll(() => page.locator('#analysis-alarm').textContent(), { timeout: 30_000 }).toMatch(/^映像解析が止まっています .*Analysis stalled: atmcam \(no inference worker running\) — 状態 \/ Health$/);
      await page.close();
    } finally {
      await stalling.close();
    }
  }, 180_000);
});

describe('analysisFrom', () => {
  it('reads each camera\'s analysis and the workers, and lists the stalled cameras', () => {
    const view = analysisFrom({
      cameras: [
        { id: 'a', analysis: { state: 'running', since: '2026-11-25T10:00:00.000Z', reason: null, frameErrors: 2, restarts: 0 } },
        { id: 'b', analysis: { state: 'stalled', since: '2026-11-25T10:01:00.000Z', reason: 'frames arriving but none analysed for 31 s', frameErrors: 0, restarts: 1 } },
        { id: 'c' },
      ],
      workers: { size: 2, running: 1, respawns: 3 },
    })!;
    expect(view.cameras.map((c) => c.camera)).toEqual(['a', 'b']);
    expect(view.stalled).toEqual([{ camera: 'b', state: 'stalled', since: '2026-11-25T10:01:00.000Z', reason: 'frames arriving but none analysed for 31 s', frameErrors: 0, restarts: 1 }]);
    expect(view.workers).toEqual({ size: 2, running: 1, respawns: 3 });
    expect(stalledText(view)).toBe('映像解析が止まっています (analysis_stalled) / Analysis stalled: b (frames arriving but none analysed for 31 s)');
    // An agent that does not report analysis is not taken for a healthy one.
    expect(analysisFrom({ cameras: [{ id: 'a', state: 'streaming' }] })).toBeNull();
  });
});

describe('storageFrom', () => {
  it('reads disk use and budget from the shapes the status may take', () => {
    // The agent's own shape.
    expect(storageFrom({ storage: {
      storageFull: true, since: '2026-11-25T10:00:00.000Z', recordingPaused: true, usedBytes: 9e9, budgetBytes: 1e10, measure: 'free',
      disk: { freeBytes: 2e8, reserveBytes: 6e6, writeFailures: 4 }, lastRun: null,
    } })).toEqual({
      usedBytes: 9e9, budgetBytes: 1e10, full: true, since: '2026-11-25T10:00:00.000Z', recordingPaused: true, measure: 'free',
      freeBytes: 2e8, reserveBytes: 6e6, writeFailures: 4,
    });
    expect(storageFrom({ storage: { storageFull: false, usedBytes: 1, budgetBytes: 2 } })).toMatchObject({ full: false, recordingPaused: false });
    expect(storageFrom({ storage: null })).toBeNull();
    // Near shapes.
    expect(storageFrom({ retention: { disk: { usedBytes: 5, budgetBytes: 10 }, alarms: ['storage_full'] } })).toMatchObject({ usedBytes: 5, budgetBytes: 10, full: true });
    expect(storageFrom({ storage: { used: 5, budget: 10, full: true } })).toMatchObject({ usedBytes: 5, budgetBytes: 10, full: true });
    expect(storageFrom({ alarms: [{ name: 'storage_full', since: '2026-11-25T10:00:00Z' }] })).toMatchObject({ usedBytes: null, budgetBytes: null, full: true });
    expect(storageFrom({ alarms: [{ name: 'storage_full', active: false }] })).toBeNull();
    expect(storageFrom({ storage: { storage_full: false, usedBytes: 1 } })!.full).toBe(false);
    expect(storageFrom({ site: 's', cameras: [{ id: 'full' }] })).toBeNull();
  });

  it('prints sizes people read', () => {
    expect([formatBytes(512), formatBytes(1_500_000), formatBytes(250e9)]).toEqual(['512 B', '1.5 MB', '250 GB']);
  });
});
