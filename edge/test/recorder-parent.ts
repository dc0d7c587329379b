/**
 * A small real parent for lifetime tests: owns one camera's decoder (CameraSource) and recorder
 * (SegmentRecorder) as the agent does, clears leftovers first as the agent's start does, prints
 * `{"source":<pid>,"recorder":<pid>}` once both ffmpeg children run, and closes on SIGTERM.
 *
 * usage: node --import tsx edge/test/recorder-parent.ts <dataDir> <video file>
 */
import { clearLeftovers, runDir } from '../src/clear-leftovers.js';
import { createLogger } from '../src/log/logger.js';
import { SegmentRecorder } from '../src/recording/segment-recorder.js';
import { CameraSource } from '../src/pipeline/source/camera-source.js';

const [dataDir, clip] = process.argv.slice(2) as [string, string];
const log = createLogger('recorder-parent');
await clearLeftovers(dataDir, log);
const source = new CameraSource(
  { id: 'life1', source: clip, loop: true, analysis: { fps: 2, width: 320 }, stallSeconds: 5 },
  { runDir: runDir(dataDir) },
).start();
const recorder = new SegmentRecorder(
  { id: 'life1', source: clip, loop: true, record: { enabled: true, segmentSeconds: 60 }, stallSeconds: 5 },
  { dataDir, log, onSegment: () => undefined },
).start();
const timer = setInterval(() => {
  const s = source.status();
  const r = recorder.status();
  if (s.state === 'streaming' && r.state === 'streaming') {
    clearInterval(timer);
    process.stdout.write(`${JSON.stringify({ source: s.pid, recorder: r.pid })}\n`);
  }
}, 100);
process.once('SIGTERM', () => {
  clearInterval(timer);
  void Promise.all([source.close(), recorder.close()]).then(() => process.exit(0));
});
