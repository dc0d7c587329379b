/**
 * The data disk fills up while the camera records, and the agent restarts on a disk that is
 * already full. The data directory is a 64 MB tmpfs of its own, filled by a real file until the
 * kernel answers ENOSPC. What must hold: the agent runs on (analysis and alerts need no disk
 * room), /api/status and the retained storage_full alarm say the disk is full, nothing stored or
 * held is lost, and recording comes back once there is room again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cameraStatus, type AgentStatus } from '../harness/agent-status.js';
import { chaosRun, type ChaosRun } from '../harness/chaos-run.js';
import { CAMERA, SITE } from '../harness/chaos-site.js';
import { MqttObserver } from '../harness/mqtt-observer.js';
import { awaitStatus, describeAnalysis, recordRecovery } from '../harness/recovery.js';
import { TmpfsDisk } from '../faults/tmpfs-disk.js';
import type { ScenarioResult } from '../harness/verdict.js';

const DISK_MB = 64;
/** The cleaner re-checks a full disk every minute: the alarm may take that long, plus a margin. */
const ALARM_TIMEOUT_MS = 80_000;
const FULL_FOR_MS = 10_000;
const MiB = 1 << 20;
/**
 * Scaled to the 64 MB disk: the defaults (256 MiB must stay free) would pause recording on such a
 * small disk from the first second, before any fault.
 */
const SMALL_DISK_RETENTION = { minFreeBytes: 8 * MiB, reserveBytes: 4 * MiB };

function tmpfsSetup(): { disk: TmpfsDisk; dataDir: string; cleanup: () => void } {
  const mountPoint = mkdtempSync(join(tmpdir(), 'mimamori-chaos-disk-'));
  const disk = new TmpfsDisk(mountPoint, DISK_MB);
  disk.mount();
  return {
    disk,
    dataDir: join(mountPoint, 'data'),
    cleanup: () => {
      disk.unmount();
      rmSync(mountPoint, { recursive: true, force: true });
    },
  };
}

function storageLine(s: AgentStatus | null): string {
  return s ? `storage ${JSON.stringify(s.storage)}, recorder ${JSON.stringify(cameraStatus(s, CAMERA).recorder)}` : 'no status';
}

/** While the disk is full: the status and the retained alarm say so, analysis goes on. */
async function checkFullDiskTold(run: ChaosRun, disk: TmpfsDisk, observer: MqttObserver, what: string): Promise<void> {
  const { agent, verdict } = run;
  const full = await awaitStatus(agent, (s) => s.storage?.storageFull === true, ALARM_TIMEOUT_MS);
  verdict.check(full.ok, `${what}: /api/status storage.storageFull did not become true within ${ALARM_TIMEOUT_MS / 1000} s: ${storageLine(full.last)}`);
  const d = full.last?.storage?.disk;
  if (verdict.check(d !== undefined, `${what}: /api/status has no storage.disk { freeBytes, reserveBytes, writeFailures } (disk slice contract)`) && d) {
    const real = disk.freeBytes();
    verdict.check(Math.abs(d.freeBytes - real) <= 2 * MiB, `${what}: storage.disk.freeBytes says ${d.freeBytes} but the disk has ${real} bytes free`);
    verdict.check(d.freeBytes < d.reserveBytes, `${what}: storage.disk.freeBytes ${d.freeBytes} is not below reserveBytes ${d.reserveBytes} although the disk is full`);
  }
  const topic = `mimamori/${SITE}/health/storage_full`;
  const alarm = await awaitStatus(agent, () => observer.json(topic).some((m) => m.active === true), 5_000);
  verdict.check(alarm.ok, `${what}: no retained ${topic} with active: true reached an MQTT subscriber (got ${JSON.stringify(observer.json(topic))})`);
  const frames = cameraStatus(full.last ?? (await agent.status()), CAMERA).analysedFrames;
  const goesOn = await awaitStatus(agent, (s) => cameraStatus(s, CAMERA).analysedFrames > frames, FULL_FOR_MS);
  verdict.check(goesOn.ok, `${what}: analysis stopped while the disk was full (analysedFrames stayed at ${frames}): ${describeAnalysis(goesOn.last?.cameras.find((c) => c.id === CAMERA))}`);
}

/** After room is back: the alarm clears and the recorder records again; returns seconds or null. */
async function checkRecordingResumes(run: ChaosRun, endMs: number): Promise<number | null> {
  const { agent, verdict } = run;
  const back = await awaitStatus(agent, (s) => s.storage?.storageFull === false && cameraStatus(s, CAMERA).recorder?.state === 'streaming', ALARM_TIMEOUT_MS, endMs);
  verdict.check(back.ok, `recording did not resume within ${ALARM_TIMEOUT_MS / 1000} s of room coming back: ${storageLine(back.last)}`);
  return back.ok ? back.seconds : null;
}

export function diskFillsWhileRecording(): Promise<ScenarioResult> {
  const t = tmpfsSetup();
  return chaosRun('disk fills while recording', { dataDir: t.dataDir, cleanup: t.cleanup, retention: SMALL_DISK_RETENTION }, async (run) => {
    const observer = await MqttObserver.connect(run.site.mqttUrl, `mimamori/${SITE}/health/#`, { dataDir: run.site.dataDir, username: `dashboard-${SITE}` });
    try {
      try {
        t.disk.fill();
        await checkFullDiskTold(run, t.disk, observer, 'disk filled while recording');
      } finally {
        // Also when a check threw: the evidence after the fault must be readable.
        t.disk.empty();
      }
      const end = Date.now();
      const resumed = await checkRecordingResumes(run, end);
      const analysed = await recordRecovery(run.agent, run.verdict, 'room coming back', end, 30_000);
      run.verdict.recovered(resumed === null || analysed === null ? null : Math.max(resumed, analysed));
    } finally {
      await observer.close();
    }
  });
}

export function restartOnFullDisk(): Promise<ScenarioResult> {
  const t = tmpfsSetup();
  return chaosRun('restart on a full disk', { dataDir: t.dataDir, cleanup: t.cleanup, retention: SMALL_DISK_RETENTION }, async (run) => {
    const stopped = await run.agent.kill('SIGTERM');
    run.verdict.check(stopped.code === 0, `the agent did not stop cleanly on SIGTERM before the disk filled: exit code ${stopped.code}, signal ${stopped.signal}`);
    t.disk.fill();
    const startAt = Date.now();
    let started: number | null;
    try {
      try {
        await run.restart();
      } catch (err) {
        run.verdict.fail(`the agent did not start on a full disk: ${(err as Error).message}`);
        return;
      }
      const observer = await MqttObserver.connect(run.site.mqttUrl, `mimamori/${SITE}/health/#`, { dataDir: run.site.dataDir, username: `dashboard-${SITE}` });
      try {
        started = await recordRecovery(run.agent, run.verdict, 'a restart on a full disk', startAt, 60_000);
        await checkFullDiskTold(run, t.disk, observer, 'restarted on a full disk');
      } finally {
        await observer.close();
      }
    } finally {
      // Also when the start failed: the evidence after the fault must be readable.
      t.disk.empty();
    }
    const resumed = await checkRecordingResumes(run, Date.now());
    run.verdict.recovered(started === null || resumed === null ? null : started);
  });
}
