/** SegmentRecorder against real ffmpeg: segment lengths, reports, finalising on close, power-cut files. */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PEDESTRIAN_VIDEO, requireOpencvData } from '../../test/fixtures.js';
import { cutH264Clip, ffprobeJson, isRunning } from '../../test/video-clips.js';
import { createLogger } from '../log/logger.js';
import { SegmentRecorder, type RecordedSegment, type RecorderCameraConfig } from './segment-recorder.js';
import { dayFolders, parseSegmentListLine, segmentOutputOptions, segmentOutputPattern, segmentPath } from './segment-output-args.js';
import { waitUntil } from '../../test/wait-until.js';
import { probeMedia } from './media-probe.js';

let dir = '';
let clip = '';
const recorders: SegmentRecorder[] = [];

function camera(id: string, source = clip): RecorderCameraConfig {
  return { id, source, loop: true, record: { enabled: true, segmentSeconds: 5 }, stallSeconds: 5 };
}

const until = (what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> => waitUntil(what, check, timeoutMs);

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'segment-recorder-'));
  clip = await cutH264Clip(dir, 3);
});

afterEach(async () => {
  await Promise.all(recorders.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('segment output arguments', () => {
  it('copy into strftime-named MPEG-TS segments with the list on stdout', () => {
    expect(segmentOutputPattern({ root: '/data/recordings', camera: 'atm1' })).toBe('/data/recordings/atm1/%Y-%m-%d/atm1-%Y%m%d-%H%M%S.ts');
    expect(segmentOutputOptions({ root: '/r', camera: 'atm1', segmentSeconds: 60, audio: true })).toEqual([
      '-map', '0:v', '-map', '0:a?', '-c', 'copy', '-f', 'segment', '-segment_time', '60', '-segment_format', 'mpegts',
      '-reset_timestamps', '1', '-strftime', '1', '-segment_list', 'pipe:1', '-segment_list_type', 'csv',
    ]);
    expect(segmentOutputOptions({ root: '/r', camera: 'atm1', segmentSeconds: 60, audio: false })).not.toContain('0:a?');
  });

  it('parses list lines and ignores progress lines', () => {
    expect(parseSegmentListLine('atm1-20260101-235959.ts,5.000000,10.000000')).toEqual({ name: 'atm1-20260101-235959.ts', startS: 5, endS: 10 });
    expect(parseSegmentListLine('out_time_us=5000000')).toBeNull();
    expect(segmentPath('/r', 'atm1', 'atm1-20260101-235959.ts')).toBe('/r/atm1/2026-01-01/atm1-20260101-235959.ts');
  });

  it('day folders: today and tomorrow, across month ends', () => {
    expect(dayFolders(new Date(2026, 0, 31, 23, 59))).toEqual(['2026-01-31', '2026-02-01']);
    expect(dayFolders(new Date(2026, 11, 31, 0, 1))).toEqual(['2026-12-31', '2027-01-01']);
  });
});

describe('SegmentRecorder', () => {
  it('records 5 s segments of a looping file, reports each, finalises the last on close', async () => {
    const segments: RecordedSegment[] = [];
    let streamingAt = 0;
    const recorder = new SegmentRecorder(camera('rec1'), {
      dataDir: dir, onSegment: (s) => void segments.push(s), onStateChange: (c) => void (c.state === 'streaming' && (streamingAt ||= c.at)),
    });
    recorders.push(recorder);
    const t0 = Date.now();
    recorder.start();
    await until('two segments', () => segments.length >= 2);
    await new Promise((r) => setTimeout(r, Math.max(0, 12_000 - (Date.now() - t0))));
    const beforeClose = segments.length;
    expect(beforeClose).toBeGreaterThanOrEqual(2);
    await recorder.close();
    expect(segments.length).toBe(beforeClose + 1);
    expect(recorder.status().state).toBe('stopped');
    expect(recorder.status()).toMatchObject({ mode: 'copy', codec: 'h264', withoutVideo: 0 });

    for (const [i, s] of segments.entries()) {
      expect(s.camera).toBe('rec1');
      expect(s.transcodedFrom).toBeNull();
      expect(s.path).toMatch(new RegExp(`/recordings/rec1/\\d{4}-\\d{2}-\\d{2}/rec1-\\d{8}-\\d{6}\\.ts$`));
      const info = await stat(s.path);
      expect(s.bytes).toBe(info.size);
      expect(s.bytes).toBeGreaterThan(0);
      expect(info.mode & 0o777).toBe(0o600);
      const probe = await ffprobeJson(s.path);
      expect(probe.streams[0]).toMatchObject({ codec_type: 'video', width: 768, height: 576 });
      const duration = Number(probe.format.duration);
      if (i < segments.length - 1) {
        expect(duration).toBeGreaterThan(4.5);
        expect(duration).toBeLessThan(5.6);
        expect(Math.abs((s.endMs - s.startMs) / 1000 - 5)).toBeLessThan(0.3);
      }
      if (i > 0) {
        const prev = segments[i - 1] as RecordedSegment;
        expect(s.startMs).toBeGreaterThan(prev.startMs);
        expect(s.startMs).toBe(prev.endMs);
      }
    }
    const first = segments[0] as RecordedSegment;
    // Media time is mapped to wall-clock at ffmpeg's first progress report (about a second in),
    // which comes after the codec probe: the first segment starts between start() and that report.
    expect(first.startMs).toBeGreaterThan(t0 - 500);
    expect(first.startMs).toBeLessThanOrEqual(streamingAt);
    expect(streamingAt - first.startMs).toBeLessThan(2500);
    const dayDir = join(dir, 'recordings', 'rec1');
    expect((await stat(dayDir)).mode & 0o777).toBe(0o700);
    for (const day of await readdir(dayDir)) expect((await stat(join(dayDir, day))).mode & 0o777).toBe(0o700);
  });

  it('a segment cut by kill -9 is still readable (MPEG-TS), and the recorder retries', async () => {
    const segments: RecordedSegment[] = [];
    const recorder = new SegmentRecorder(camera('cut1'), { dataDir: dir, onSegment: (s) => void segments.push(s), backoff: { initialMs: 300, maxMs: 1000 } });
    recorders.push(recorder);
    recorder.start();
    await until('recording', () => recorder.status().state === 'streaming');
    await new Promise((r) => setTimeout(r, 3000));
    const pid = recorder.status().pid as number;
    process.kill(pid, 'SIGKILL');
    await until('backoff after the kill', () => recorder.status().state === 'backoff');
    expect(isRunning(pid)).toBe(false);
    expect(recorder.status().lastError).toMatch(/^camera cut1 recorder \(.*clip\.mp4\): ffmpeg was killed with signal SIGKILL/);
    expect(segments).toEqual([]);

    const [day] = dayFolders(new Date());
    const files = (await readdir(join(dir, 'recordings', 'cut1', day as string))).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBe(1);
    const probe = await ffprobeJson(join(dir, 'recordings', 'cut1', day as string, files[0] as string));
    expect(probe.streams[0]).toMatchObject({ codec_type: 'video', width: 768 });
    expect(Number(probe.format.duration)).toBeGreaterThan(2);
    await until('recording again', () => recorder.status().state === 'streaming' && recorder.status().restarts >= 1);
  });

  it('transcodes what MPEG-TS cannot carry (the sample camera\'s msmpeg4) into H.264 segments that say so', async () => {
    const segments: RecordedSegment[] = [];
    const recorder = new SegmentRecorder(camera('ms1', PEDESTRIAN_VIDEO), { dataDir: dir, onSegment: (s) => void segments.push(s) });
    recorders.push(recorder);
    recorder.start();
    await until('a transcoded segment', () => segments.length >= 1, 40_000);
    await recorder.close();
    expect(recorder.status()).toMatchObject({ mode: 'transcode', codec: 'msmpeg4v3', withoutVideo: 0 });
    for (const s of segments) {
      expect(s.transcodedFrom).toBe('msmpeg4v3');
      const probe = await ffprobeJson(s.path);
      expect(probe.streams.filter((st) => st.codec_type === 'video')).toHaveLength(1);
      expect(probe.streams[0]).toMatchObject({ codec_type: 'video', codec_name: 'h264', width: 768, height: 576 });
      expect(await probeMedia(s.path)).toMatchObject({ videoCodec: 'h264', transcodedFrom: 'msmpeg4v3' });
      expect((await stat(s.path)).mode & 0o777).toBe(0o600);
    }
    // Key frames at every boundary keep transcoded segments to length too.
    expect(Number((await ffprobeJson((segments[0] as RecordedSegment).path)).format.duration)).toBeLessThan(5.6);
  });

  it('a source without video records nothing and says why', async () => {
    const audioOnly = join(dir, 'audio-only.m4a');
    await promisify(execFile)('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:a', 'aac', audioOnly]);
    const segments: RecordedSegment[] = [];
    const recorder = new SegmentRecorder(camera('mute1', audioOnly), { dataDir: dir, onSegment: (s) => void segments.push(s), backoff: { initialMs: 5000 } });
    recorders.push(recorder);
    recorder.start();
    await until('the recorder in backoff', () => recorder.status().state === 'backoff');
    expect(recorder.status().lastError).toMatch(/camera mute1 recorder: the source has no video stream/);
    expect(recorder.status()).toMatchObject({ mode: null, codec: null });
    expect(segments).toEqual([]);
  });

  it('without onSegmentError, a failing segment report goes to the logger with its cause', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('recorder', { level: 'info', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    let offered = 0;
    const recorder = new SegmentRecorder({ ...camera('fail1'), record: { enabled: true, segmentSeconds: 1 } }, {
      dataDir: dir, log,
      onSegment: () => {
        offered += 1;
        throw Object.assign(new Error('the index is locked'), { code: 'SQLITE_BUSY' });
      },
    });
    recorders.push(recorder);
    recorder.start();
    await until('a failed report logged', () => lines.some((l) => l.msg === 'segment report failed'));
    await recorder.close();
    expect(offered).toBeGreaterThan(0);
    const line = lines.find((l) => l.msg === 'segment report failed')!;
    expect(line).toMatchObject({ level: 'error', ns: 'recorder', camera: 'fail1', err: { message: expect.stringMatching(/^camera fail1 recorder: segment \/.*\.ts: the index is locked$/) } });
    const err = line.err as { stack: string; cause: { message: string; code: string; stack: string } };
    expect(err.cause).toMatchObject({ message: 'the index is locked', code: 'SQLITE_BUSY' });
    expect(err.cause.stack).toContain('segment-recorder.test.ts');
    expect(line.path).toMatch(/\/recordings\/fail1\/.*\.ts$/);
    expect(lines.some((l) => l.msg === 'recording mode' && l.camera === 'fail1')).toBe(true);
  });
});
