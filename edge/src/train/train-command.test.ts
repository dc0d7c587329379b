/**
 * `npm run train:phone -- --data <folder>` on a tiny labelled folder the test makes from real
 * frames of the pedestrian video and opencv's photos: the command fits a head, prints
 * cross-validated figures, writes the head and its card, gives the same bytes when run again, and
 * the analyzer then runs with that head (`perception.phone.head.model`). The labels here are
 * arbitrary: this checks the mechanics a bank uses on its own stills, not accuracy.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENCV_DATA, PEDESTRIAN_VIDEO, PERSON_PHOTO, requireOpencvData } from '../../test/fixtures.js';
import { runScript } from '../../test/run-cli.js';
import { parseConfig } from '../config/load.js';
import type { AnalyzerPool } from '../pipeline/analyze/analyzer-pool.js';
import { createPerception } from '../pipeline/analyze/perception.js';
import { decodeImageFile } from '../pipeline/decode/image-file.js';
import { locateFfmpeg } from '../ffmpeg/ffmpeg-binaries.js';
import { loadPhoneHeadCard } from '../pipeline/phone/phone-head-card.js';

const TRAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

let dir: string;
let data: string;

beforeAll(async () => {
  requireOpencvData();
  dir = await mkdtemp(join(tmpdir(), 'mimamori-train-'));
  data = join(dir, 'stills');
  const frames = join(dir, 'frames');
  await mkdir(frames);
  // Real frames of walking people, 10 s apart.
  execFileSync(locateFfmpeg().path, ['-v', 'error', '-i', PEDESTRIAN_VIDEO, '-vf', 'fps=1/10', '-frames:v', '6', join(frames, 'street-%d.jpg')]);
  const put = async (label: string, from: string, name: string): Promise<void> => {
    await mkdir(join(data, label), { recursive: true });
    await copyFile(from, join(data, label, name));
  };
  await put('phone_call', join(frames, 'street-1.jpg'), 'cam1-001.jpg');
  await put('phone_call', join(frames, 'street-2.jpg'), 'cam1-002.jpg');
  await put('phone_call', join(OPENCV_DATA, 'basketball1.png'), 'cam2-001.png');
  await put('phone_in_hand', join(frames, 'street-3.jpg'), 'cam1-003.jpg');
  await put('phone_in_hand', join(OPENCV_DATA, 'basketball2.png'), 'cam2-002.png');
  await put('no_phone_person', join(frames, 'street-4.jpg'), 'cam1-004.jpg');
  await put('no_phone_person', join(frames, 'street-5.jpg'), 'cam1-005.jpg');
  await put('no_phone_person', PERSON_PHOTO, 'cam3-001.jpg');
  // Not training data for a per-person head, and must not break the run.
  await put('no_person', join(OPENCV_DATA, 'fruits.jpg'), 'empty.jpg');
}, 120_000);

function train(out: string): ReturnType<typeof runScript> {
  return runScript(TRAIN, ['--data', data, '--out', out, '--augment', 'original,flip', '--folds', '2', '--l2', '0.1,0.3', '--epochs', '10', '--workers', '1', '--no-cache'], 300_000);
}

describe('npm run train:phone -- --data <folder>', () => {
  let perception: AnalyzerPool | undefined;
  afterAll(async () => {
    await perception?.close();
  });

  it('fits, reports cross-validation, writes the head and its card, and does it again byte for byte', async () => {
    const first = await train(join(dir, 'a', 'head.onnx'));
    expect(first.stderr).not.toMatch(/train:phone:/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/8 photos \(call 3, hand 2, none 3\)/);
    expect(first.stdout).toMatch(/cross-validation: 2 folds/);
    expect(first.stdout).toMatch(/^learned:\n\s+call precision .*recall/m);
    expect(first.stdout).toMatch(/^rule:\n\s+call precision/m);
    expect(first.stdout).toMatch(/thresholds \(from cross-validation\): call \d/);

    const card = await loadPhoneHeadCard(join(dir, 'a', 'head.json'));
    expect(card.training).toMatchObject({ data: 'stills', photos: 8, augment: ['original', 'flip'], folds: 2 });
    expect(card.crossValidation.candidates.map((c) => c.l2)).toEqual([0.1, 0.3]);
    expect(card.crossValidation.learned.people).toBe(8);

    const second = await train(join(dir, 'b', 'head.onnx'));
    expect(second.code).toBe(0);
    const [a, b] = await Promise.all([readFile(join(dir, 'a', 'head.onnx')), readFile(join(dir, 'b', 'head.onnx'))]);
    expect(Buffer.compare(a, b)).toBe(0);
    const [ca, cb] = await Promise.all([readFile(join(dir, 'a', 'head.json')), readFile(join(dir, 'b', 'head.json'))]);
    expect(ca.equals(cb)).toBe(true);
  }, 600_000);

  it('the analyzer runs with the fitted head and shows its probabilities beside the rule', async () => {
    const config = parseConfig({ perception: { phone: { method: 'learned', head: { model: join(dir, 'a', 'head.onnx') } } } });
    perception = await createPerception(config.perception);
    const image = await decodeImageFile(PERSON_PHOTO);
    const analysis = await perception.analyze(image.frame);
    const p = analysis.people[0];
    expect(p).toBeDefined();
    const head = p!.evidence.head!;
    expect(head.call + head.hand + head.none).toBeCloseTo(1, 2);
    expect(p!.evidence.rule?.phone).toMatch(/call|hand|none/);
    expect(p!.evidence.reason).toMatch(/^phone head: p\(call\)/);
  });

  it('names the folder when it holds no labelled photos', async () => {
    const empty = join(dir, 'empty');
    await mkdir(join(empty, 'no_person'), { recursive: true });
    await writeFile(join(empty, 'no_person', 'x.jpg'), 'not an image');
    const r = await runScript(TRAIN, ['--data', empty, '--out', join(dir, 'c.onnx'), '--no-cache', '--workers', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`train:phone: ${empty}: no photos labelled phone_call, phone_in_hand or no_phone_person`));
  }, 120_000);
});
