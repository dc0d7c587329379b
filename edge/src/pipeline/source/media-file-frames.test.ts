import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_PERSON_PHOTO, PEDESTRIAN_VIDEO, PERSON_PHOTO, requireOpencvData } from '../../../test/fixtures.js';
import { MediaFileError, mediaFileFrames, type MediaFrame } from './media-file-frames.js';

async function collect(file: string, fps = 5): Promise<MediaFrame[]> {
  const out: MediaFrame[] = [];
  for await (const f of mediaFileFrames(file, { fps, videoWidth: 640 })) out.push(f);
  return out;
}

let dir: string;
beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-media-'));
});

describe('media file frames', () => {
  it('decodes a real photo to one RGB frame of its size', async () => {
    const [frame, ...rest] = await collect(PERSON_PHOTO);
    expect(rest).toHaveLength(0);
    expect(frame).toMatchObject({ index: 0, ptsMs: 0, width: 548, height: 342, scale: 1 });
    expect(frame!.frame.data.length).toBe(548 * 342 * 3);
    // A real photo, not a blank buffer.
    const mean = frame!.frame.data.reduce((s, v) => s + v, 0) / frame!.frame.data.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(235);
  });

  it('samples a real video at the requested rate and width, keeping the aspect ratio', async () => {
    const frames: MediaFrame[] = [];
    for await (const f of mediaFileFrames(PEDESTRIAN_VIDEO, { fps: 2, videoWidth: 320 })) {
      frames.push(f);
      if (frames.length === 6) break; // stopping early must end ffmpeg, not hang
    }
    expect(frames.map((f) => f.ptsMs)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(frames[0]).toMatchObject({ width: 768, height: 576 });
    expect(frames[0]!.frame).toMatchObject({ width: 320, height: 240 });
    expect(frames[0]!.scale).toBeCloseTo(320 / 768);
    // Consecutive frames of a street scene differ: people move.
    expect(Buffer.compare(Buffer.from(frames[0]!.frame.data), Buffer.from(frames[5]!.frame.data))).not.toBe(0);
  });

  it('names the file for missing, non-media and truncated input', async () => {
    await expect(collect(join(dir, 'missing.jpg'))).rejects.toThrow(/missing\.jpg: no such file/);
    await expect(collect(join(dir, 'missing.jpg'))).rejects.toMatchObject({ cause: { code: 'ENOENT', syscall: 'stat' } });
    const text = join(dir, 'notes.jpg');
    await writeFile(text, 'this is not an image\n');
    await expect(collect(text)).rejects.toThrow(MediaFileError);
    await expect(collect(text)).rejects.toThrow(/notes\.jpg: not a readable image or video/);
    const truncated = join(dir, 'cut.jpg');
    await writeFile(truncated, (await readFile(PERSON_PHOTO)).subarray(0, 15_000));
    await expect(collect(truncated)).rejects.toThrow(/cut\.jpg: cannot decode image: .*premature end/i);
    await expect(collect(truncated)).rejects.toMatchObject({ cause: { message: expect.stringMatching(/premature end/i) } });
  });

  it('gives a photo without people just as well', async () => {
    const frames = await collect(NO_PERSON_PHOTO);
    expect(frames).toHaveLength(1);
  });
});
