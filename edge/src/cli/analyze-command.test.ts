import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_PERSON_PHOTO, PEDESTRIAN_VIDEO, PERSON_PHOTO, requireOpencvData } from '../../test/fixtures.js';
import { runCli } from '../../test/run-cli.js';
import { locateFfmpeg } from '../ffmpeg/ffmpeg-binaries.js';

const KEYS = ['file', 'frame', 'ptsMs', 'width', 'height', 'people', 'objects'];

function parseLines(stdout: string): Record<string, unknown>[] {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

let dir: string;
let clip: string;
beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-cli-'));
  // A 3-second MP4 cut from the real pedestrian video keeps the test short.
  clip = join(dir, 'street.mp4');
  execFileSync(locateFfmpeg().path, ['-v', 'error', '-i', PEDESTRIAN_VIDEO, '-t', '3', '-an', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', clip]);
});

describe('mimamori analyze', () => {
  it('prints the documented JSON for a photo: people with pixel boxes and phone state, objects', async () => {
    const r = await runCli(['analyze', PERSON_PHOTO, '--json']);
    expect(r.code).toBe(0);
    const [line, ...more] = parseLines(r.stdout);
    expect(more).toHaveLength(0);
    expect(Object.keys(line!)).toEqual(KEYS);
    expect(line).toMatchObject({ file: PERSON_PHOTO, frame: 0, ptsMs: 0, width: 548, height: 342 });
    const people = line!.people as { box: number[]; score: number; phone: string; phoneScore: number }[];
    expect(people.length).toBeGreaterThanOrEqual(1);
    for (const p of people) {
      expect(Object.keys(p)).toEqual(['box', 'score', 'phone', 'phoneScore']);
      expect(['call', 'hand', 'none']).toContain(p.phone);
      expect(p.phoneScore).toBeGreaterThanOrEqual(0);
      expect(p.phoneScore).toBeLessThanOrEqual(1);
      const [x1, y1, x2, y2] = p.box as [number, number, number, number];
      expect(0 <= x1 && x1 < x2 && x2 <= 548 && 0 <= y1 && y1 < y2 && y2 <= 342).toBe(true);
    }
    // The footballer is the biggest person and has no phone.
    expect(people[0]!.phone).toBe('none');
    expect((line!.objects as { label: string }[]).map((o) => o.label)).toContain('sports ball');
  });

  it('samples a video at --fps and reports times and source-size boxes for every frame', async () => {
    const r = await runCli(['analyze', clip, '--json', '--fps', '2']);
    expect(r.code).toBe(0);
    const lines = parseLines(r.stdout);
    expect(lines.map((l) => l.ptsMs)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(lines.every((l) => l.width === 768 && l.height === 576)).toBe(true);
    // A busy street: people in every sampled frame, boxes in the 768x576 source space.
    for (const l of lines) {
      const people = l.people as { box: number[] }[];
      expect(people.length).toBeGreaterThan(0);
      expect(Math.max(...people.map((p) => p.box[2]!))).toBeLessThanOrEqual(768);
    }
  });

  it('reports each bad file on one line naming it, exits non-zero, and still analyses the good ones', async () => {
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, (await readFile(PERSON_PHOTO)).subarray(0, 12_000));
    const text = join(dir, 'readme.png');
    await writeFile(text, 'not a picture');
    const missing = join(dir, 'missing.jpg');
    const r = await runCli(['analyze', missing, truncated, NO_PERSON_PHOTO, text, '--json']);
    expect(r.code).toBe(1);
    const errors = r.stderr.trim().split('\n').filter((l) => l.startsWith('mimamori analyze:'));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain(`${missing}: no such file`);
    expect(errors[1]).toContain(`${truncated}: cannot decode image`);
    expect(errors[2]).toContain(`${text}: not a readable image or video`);
    const lines = parseLines(r.stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ file: NO_PERSON_PHOTO, people: [] });
  });

  it('prints a readable summary without --json and draws the frame with --draw', async () => {
    const out = join(dir, 'drawn.png');
    const r = await runCli(['analyze', PERSON_PHOTO, '--draw', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/messi5\.jpg frame 0 \(0 ms, 548x342\): #1 none/);
    const meta = await sharp(out).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 548, height: 342 });
    // The overlay changed pixels relative to the photo.
    const drawn = await sharp(out).removeAlpha().raw().toBuffer();
    const original = await sharp(PERSON_PHOTO).raw().toBuffer();
    let changed = 0;
    for (let i = 0; i < original.length; i++) if (drawn[i] !== original[i]) changed++;
    expect(changed).toBeGreaterThan(1000);
  });

  it('rejects bad options with usage', async () => {
    const r = await runCli(['analyze', PERSON_PHOTO, '--fps', 'zero']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fps must be a number above 0/);
  });
});
