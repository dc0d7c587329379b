/**
 * kill -9 at the worst moments: the agent while it records, the `mimamori export` command while
 * it writes an evidence bundle, and the agent while its retention cleaner deletes footage. What
 * must hold: nothing stored or held is lost, no ffmpeg of the killed agent keeps running, the
 * restarted agent indexes the footage it had on disk and analyses again, a killed export leaves
 * no bundle that passes for complete and can simply be run again, the audit chain stays intact.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../test/run-cli.js';
import { locateFfmpeg } from '../../src/ffmpeg/ffmpeg-binaries.js';
import { openStore } from '../../src/store/store.js';
import { chaosRun, placeHold } from '../harness/chaos-run.js';
import { CAMERA } from '../harness/chaos-site.js';
import { readEvidence } from '../harness/evidence-snapshot.js';
import { killAll, processesMentioning } from '../harness/process-tree.js';
import { awaitStatus, recordRecovery } from '../harness/recovery.js';
import type { ScenarioResult } from '../harness/verdict.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const RECOVERY_TIMEOUT_MS = 120_000;

/** Relative paths of the .ts segment files under <dataDir>/recordings. */
function segmentFiles(dataDir: string): string[] {
  const root = join(dataDir, 'recordings');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `recordings/${f}`);
}

/**
 * The killed agent's ffmpeg children that still run 3 s after the kill (then killed, so the
 * restart is clean). Found by the site folder in their command line: the recorder's output path
 * names it; a decoder reading a shared file would not, but it dies with its stdout pipe.
 */
async function orphansOf(root: string): Promise<string[]> {
  await sleep(3000);
  const orphans = processesMentioning(root, 'ffmpeg');
  killAll(orphans.map((p) => p.pid));
  return orphans.map((p) => `pid ${p.pid}: ${p.cmdline.slice(0, 120)}`);
}

export function kill9WhileRecording(): Promise<ScenarioResult> {
  return chaosRun('agent kill -9 while recording', { warmUp: { segments: 2 } }, async (run) => {
    const { verdict } = run;
    await sleep(2500); // into the next segment: ffmpeg is mid-file
    const killedAt = Date.now();
    await run.agent.kill('SIGKILL');
    const onDisk = segmentFiles(run.site.dataDir);
    const orphans = await orphansOf(run.site.root);
    verdict.check(orphans.length === 0, `${orphans.length} ffmpeg process(es) of the killed agent kept running (they write footage no index knows of): ${orphans.join('; ')}`);
    const agent = await run.restart();
    await recordRecovery(agent, verdict, 'kill -9 while recording (restart included)', killedAt, RECOVERY_TIMEOUT_MS);
    const index = readEvidence(run.site.dataDir).segments;
    const unindexed = onDisk.filter((f) => !index.has(f));
    verdict.check(unindexed.length === 0, `${unindexed.length} segment file(s) on disk at the kill are not in the index after the restart: ${unindexed.slice(0, 3).join(', ')}`);
  });
}

export function kill9DuringExport(): Promise<ScenarioResult> {
  return chaosRun('export kill -9 mid-bundle', { warmUp: { segments: 3 }, noHold: true }, async (run) => {
    const { agent, verdict, site } = run;
    const holdId = placeHold(site.dataDir);
    run.snapshot();
    const out = join(site.root, 'bundle');
    let killedMidway = false;
    for (let attempt = 0; attempt < 3 && !killedMidway; attempt++) {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'export', '--config', site.configFile, '--hold', holdId, '--out', out, '--by', 'chaos'], { stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let done = false;
      void exited.then(() => (done = true));
      // Kill at the first sign of writing: anything new in the site folder named like the bundle.
      while (!done && !readdirSync(site.root).some((n) => n.includes('bundle') || n.includes('mimamori-evidence'))) await sleep(5);
      if (!done) {
        child.kill('SIGKILL');
        killedMidway = true;
      }
      const code = await exited;
      if (!killedMidway) {
        verdict.check(code === 0, `an export that was not killed failed with exit code ${code}`);
        rmSync(out, { recursive: true, force: true });
      }
    }
    verdict.check(killedMidway, 'the export finished before it could be killed, three times: no kill -9 landed mid-bundle');
    const killedAt = Date.now();
    // Origin is proven only against the device's own fingerprint, as an investigator would check it.
    const keys = await runCli(['keys', 'show', '--config', site.configFile, '--json']);
    const fingerprint = keys.code === 0 ? (JSON.parse(keys.stdout) as { fingerprint: string }).fingerprint : '';
    verdict.check(fingerprint !== '', `mimamori keys show failed (exit ${keys.code}): ${keys.stderr.slice(-300)}`);
    if (existsSync(out)) {
      const verify = await runCli(['verify', out, '--fingerprint', fingerprint]);
      verdict.check(verify.code === 0, `the killed export left ${out} in place and it does not verify (a half bundle at the final path): ${verify.stdout.slice(-300)}${verify.stderr.slice(-300)}`);
    }
    const again = await runCli(['export', '--config', site.configFile, '--hold', holdId, '--out', join(site.root, 'bundle-again'), '--by', 'chaos']);
    verdict.check(again.code === 0, `an export after the killed one failed (exit ${again.code}): ${again.stderr.slice(-400)}`);
    // Recovery of an export is the time until a good bundle exists again.
    verdict.recovered(again.code === 0 ? (Date.now() - killedAt) / 1000 : null);
    if (again.code === 0) {
      const verify = await runCli(['verify', join(site.root, 'bundle-again'), '--fingerprint', fingerprint]);
      verdict.check(verify.code === 0, `the export after the killed one does not verify: ${verify.stdout.slice(-300)}${verify.stderr.slice(-300)}`);
    }
    const audit = await runCli(['audit', 'verify', '--config', site.configFile]);
    verdict.check(audit.code === 0, `the audit chain does not verify after the killed export: ${audit.stdout.slice(-300)}${audit.stderr.slice(-300)}`);
    const leftovers = readdirSync(site.root).filter((n) => !['site.yaml', 'data', 'bundle', 'bundle-again'].includes(n));
    verdict.check(leftovers.length === 0, `the killed export left staging files beside its output: ${leftovers.join(', ')}`);
    verdict.check(agent.alive, 'the agent exited during the export');
  });
}

const SEEDED = 1500;

/** 1 s of a real 16x16 transport stream, the footage the seeded index rows point at. */
function tinySegment(dir: string): string {
  const out = join(dir, 'seed.ts');
  execFileSync(locateFfmpeg().path, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=16x16:rate=10', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-f', 'mpegts', out]);
  return out;
}

function localName(ms: number): { day: string; file: string } {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  return { day, file: `${CAMERA}-${day.replaceAll('-', '')}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.ts` };
}

/** Footage from 20 days ago (past the 14-day continuous retention), the first third under a hold. */
function seedExpiredFootage(dataDir: string, sample: string): { held: string[]; expired: string[] } {
  const start = Date.now() - 20 * 86_400_000;
  const store = openStore(dataDir);
  const held: string[] = [];
  const expired: string[] = [];
  try {
    const bytes = statSync(sample).size;
    for (let i = 0; i < SEEDED; i++) {
      const t = start + i * 1000;
      const { day, file } = localName(t);
      const rel = `recordings/${CAMERA}/${day}/${file}`;
      mkdirSync(join(dataDir, 'recordings', CAMERA, day), { recursive: true, mode: 0o700 });
      copyFileSync(sample, join(dataDir, rel));
      store.segments.add({ camera: CAMERA, path: rel, startMs: t, endMs: t + 1000, bytes, container: 'mpegts' });
      (i < SEEDED / 3 ? held : expired).push(rel);
    }
  } finally {
    store.close();
  }
  placeHold(dataDir, start - 1000, start + (SEEDED / 3) * 1000 - 1, [CAMERA]);
  return { held, expired };
}

export function kill9DuringRetention(): Promise<ScenarioResult> {
  return chaosRun('agent kill -9 during retention deletion', {}, async (run) => {
    const { verdict, site } = run;
    const stopped = await run.agent.kill('SIGTERM');
    verdict.check(stopped.code === 0, `the agent did not stop cleanly on SIGTERM: exit ${stopped.code}`);
    const seeded = seedExpiredFootage(site.dataDir, tinySegment(site.root));
    run.snapshot();
    // The cleaner runs once at start: kill the agent as soon as the first expired file is gone.
    const agent = await run.restart(false);
    const killedAt = await (async () => {
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline && agent.alive) {
        if (seeded.expired.some((f) => !existsSync(join(site.dataDir, f)))) {
          await agent.kill('SIGKILL');
          return Date.now();
        }
        await sleep(2);
      }
      return null;
    })();
    if (!verdict.check(killedAt !== null, 'the cleaner deleted nothing within 120 s of the start: no kill -9 landed during deletion')) return;
    const left = seeded.expired.filter((f) => existsSync(join(site.dataDir, f))).length;
    verdict.check(left > 0, `the kill came after the cleaner had deleted all ${seeded.expired.length} expired segments: it did not land mid-deletion`);
    await orphansOf(site.root);
    const again = await run.restart();
    await recordRecovery(again, verdict, 'kill -9 during retention deletion (restart included)', killedAt!, RECOVERY_TIMEOUT_MS);
    const heldGone = seeded.held.filter((f) => !existsSync(join(site.dataDir, f)));
    verdict.check(heldGone.length === 0, `${heldGone.length} held seeded segment(s) were deleted: ${heldGone.slice(0, 3).join(', ')}`);
    // The restarted cleaner finishes the job, and the index names only files that exist.
    const finished = await awaitStatus(again, () => seeded.expired.every((f) => !existsSync(join(site.dataDir, f))), 60_000);
    verdict.check(finished.ok, `the restarted cleaner did not finish deleting the expired footage within 60 s (${seeded.expired.filter((f) => existsSync(join(site.dataDir, f))).length} left)`);
    const dangling = [...readEvidence(site.dataDir).segments.entries()].filter(([p, bytes]) => bytes !== null && !existsSync(join(site.dataDir, p))).map(([p]) => p);
    verdict.check(dangling.length === 0, `${dangling.length} index row(s) name segment files that no longer exist after the restart: ${dangling.slice(0, 3).join(', ')}`);
  });
}
