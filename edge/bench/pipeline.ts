/**
 * `npm run bench:pipeline -- [--cameras 2] [--minutes 2] [--video file]`: a soak run of the whole
 * agent on N looping file cameras (decode, analysis, tracking, behaviours, recording). Prints
 * frames/s per camera, per-stage ms, CPU % and RSS at start and end. A benchmark, not a test.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from '../src/agent.js';
import { parseConfig } from '../src/config/load.js';
import { createLogger } from '../src/log/logger.js';
import { summarise } from './stats.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '2' },
    minutes: { type: 'string', default: '2' },
    video: { type: 'string', default: '/usr/share/doc/opencv-doc/examples/data/vtest.avi' },
  },
});
const cameras = Number(values.cameras);
const minutes = Number(values.minutes);
const dir = await mkdtemp(join(tmpdir(), 'mimamori-soak-'));
const config = parseConfig({
  site: 'soak',
  dataDir: join(dir, 'data'),
  http: { port: 0 },
  // Free ports: a soak must not collide with an agent or broker already running on this machine.
  mqtt: { embedded: { port: 0, wsPort: 0 } },
  cameras: Array.from({ length: cameras }, (_, i) => ({
    id: `cam${i + 1}`,
    source: values.video,
    loop: true,
    zones: [{ id: 'rack', kind: 'emoney_rack', polygon: [[0.4, 0.3], [0.6, 0.3], [0.6, 0.9], [0.4, 0.9]] }],
  })),
});
const agent = new Agent(config, { log: createLogger('soak', { level: 'warn' }) });
interface CamStatus { id: string; analysedFrames: number; analyseMs: number; trackMs: number; dropped: number; restarts: number; fpsIn: number }
const camStatus = (): CamStatus[] => (agent.status() as { cameras: CamStatus[] }).cameras;

await agent.start();
await new Promise((r) => setTimeout(r, 10_000)); // warm-up: connections, first sessions
const rssStart = process.memoryUsage().rss;
const cpuStart = process.cpuUsage();
const framesStart = camStatus().map((c) => c.analysedFrames);
const t0 = performance.now();
const analyse: number[][] = camStatus().map(() => []);
const track: number[][] = camStatus().map(() => []);
const rss: number[] = [];
while (performance.now() - t0 < minutes * 60_000) {
  await new Promise((r) => setTimeout(r, 5_000));
  camStatus().forEach((c, i) => {
    analyse[i]!.push(c.analyseMs);
    track[i]!.push(c.trackMs);
  });
  rss.push(process.memoryUsage().rss);
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpuStart);
const end = camStatus();
await agent.close();
await rm(dir, { recursive: true, force: true });

const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
console.log(`## Pipeline soak\n\nMachine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
console.log(`${cameras} camera(s) looping ${values.video} at 5 fps analysis, 640 px, recording on; ${seconds.toFixed(0)} s after a 10 s warm-up\n`);
console.log('| camera | analysed frames/s | analyse ms (median / p90 of 5 s EMAs) | track+behaviours ms (median) | dropped | restarts |\n|---|---|---|---|---|---|');
end.forEach((c, i) => {
  const a = summarise(analyse[i]!);
  console.log(`| ${c.id} | ${((c.analysedFrames - framesStart[i]!) / seconds).toFixed(2)} | ${a.median.toFixed(1)} / ${a.p90.toFixed(1)} | ${summarise(track[i]!).median.toFixed(2)} | ${c.dropped} | ${c.restarts} |`);
});
console.log(`\nCPU (agent process incl. inference workers, excl. ffmpeg): ${((100 * (cpu.user + cpu.system)) / 1e6 / seconds).toFixed(0)}% of one core`);
console.log(`RSS: ${mb(rssStart)} MiB at start, ${mb(rss[rss.length - 1] ?? rssStart)} MiB at end (max ${mb(Math.max(...rss))} MiB)`);
// For hours-long runs: RSS every 15 minutes shows a slow leak that start/end alone could hide.
const every = 15 * 60 / 5;
if (rss.length > every) {
  console.log(`RSS every 15 min (MiB): ${rss.filter((_, i) => (i + 1) % every === 0).map(mb).join(', ')}`);
}
