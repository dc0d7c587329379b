/**
 * Real media for tests. Debian's opencv-doc package (installed by .ci/run) ships real photos and a
 * pedestrian video; the labelled development set lives in ../shared/eval when it is present.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data';
export const PEDESTRIAN_VIDEO = join(OPENCV_DATA, 'vtest.avi');
/** A photo of a footballer (one person, hands away from the head). */
export const PERSON_PHOTO = join(OPENCV_DATA, 'messi5.jpg');
/** A photo with no people in it. */
export const NO_PERSON_PHOTO = join(OPENCV_DATA, 'fruits.jpg');

export const EVAL_ROOT = resolve(process.cwd(), '../shared/eval');
export const hasEvalSet = existsSync(join(EVAL_ROOT, 'MANIFEST.tsv'));

export function requireOpencvData(): void {
  if (!existsSync(PEDESTRIAN_VIDEO)) {
    throw new Error(`${PEDESTRIAN_VIDEO} missing: install Debian's opencv-doc (.ci/run does)`);
  }
}

export function warnIfNoEvalSet(): void {
  if (!hasEvalSet) console.warn(`skipping tests on the labelled set: ${EVAL_ROOT} is absent`);
}
