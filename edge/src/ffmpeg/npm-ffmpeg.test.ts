/**
 * A machine with only Node has only the ffmpeg from npm (4.1, 2018): the camera source and the
 * recorder must work with it too, over the same RTSP and file inputs as with a current ffmpeg.
 */
import { createRequire } from 'node:module';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireOpencvData } from '../../test/fixtures.js';
import { startRtspServer, type RtspTestServer } from '../../test/rtsp-server.js';
import { cutH264Clip } from '../../test/video-clips.js';
import { waitUntil } from '../../test/wait-until.js';
import { ffmpegCapabilities } from './ffmpeg-capabilities.js';
import { SegmentRecorder, type RecordedSegment } from '../recording/segment-recorder.js';
import { CameraSource, type CameraFrame } from '../pipeline/source/camera-source.js';
import { ffmpegInput } from './ffmpeg-input-args.js';

const npmFfmpeg = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;
let dir = '';
let clip = '';
let server: RtspTestServer | null = null;

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'npm-ffmpeg-'));
  clip = await cutH264Clip(dir, 4);
});
afterAll(async () => {
  await server?.stop();
});

describe('with the npm ffmpeg 4.1', () => {
  it('builds the RTSP timeout with the option that version knows', async () => {
    const caps = await ffmpegCapabilities(npmFfmpeg);
    expect(ffmpegInput({ source: 'rtsp://127.0.0.1/x', loop: false, ioTimeoutSeconds: 5, caps }).inputOptions)
      .toEqual(['-rtsp_transport', 'tcp', '-stimeout', '5000000']);
  });

  it('decodes a file camera and an RTSP camera, and records segments', async () => {
    const file = new CameraSource(
      { id: 'file1', source: clip, loop: false, analysis: { fps: 5, width: 320 }, stallSeconds: 5 },
      { ffmpegPath: npmFfmpeg },
    ).start();
    const frames: CameraFrame[] = [];
    for await (const f of file.frames()) frames.push(f);
    await file.close();
    expect(frames.length).toBeGreaterThanOrEqual(15);
    expect(frames[0]).toMatchObject({ width: 320, height: 240 });
    expect(file.status().state).toBe('ended');

    server = await startRtspServer({ clip, dir });
    const rtsp = new CameraSource(
      { id: 'rtsp1', source: server.url, loop: false, analysis: { fps: 5, width: 320 }, stallSeconds: 5 },
      { ffmpegPath: npmFfmpeg, backoff: { initialMs: 300, maxMs: 1000 } },
    ).start();
    try {
      let got = 0;
      for await (const f of rtsp.frames()) {
        expect(f.width).toBe(320);
        if (++got === 5) break;
      }
      expect(got).toBe(5);
    } finally {
      await rtsp.close();
    }

    const segments: RecordedSegment[] = [];
    const recorder = new SegmentRecorder(
      { id: 'rec1', source: clip, loop: true, record: { enabled: true, segmentSeconds: 2 }, stallSeconds: 5 },
      { dataDir: dir, ffmpegPath: npmFfmpeg, onSegment: (s) => { segments.push(s); } },
    ).start();
    try {
      await waitUntil('a recorded segment', () => segments.length >= 1, 20_000);
    } finally {
      await recorder.close();
    }
    expect(segments[0]!.bytes).toBeGreaterThan(0);
    expect(segments[0]!.endMs).toBeGreaterThan(segments[0]!.startMs);
  }, 60_000);
});
