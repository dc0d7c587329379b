/**
 * Real images for model tests: Debian's opencv-doc sample data (always required; CI installs it)
 * and the project's shared eval set beside the repository (optional).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { packageRoot } from '../../src/package-root.js';

export const OPENCV_DATA_DIR = '/usr/share/doc/opencv-doc/examples/data';
/** People, for both the detector and the pose model; fruits has no person (a negative). */
export const OPENCV_IMAGES = ['basketball1.png', 'messi5.jpg', 'fruits.jpg'] as const;

export function opencvImagePaths(): string[] {
  const missing = OPENCV_IMAGES.filter((f) => !existsSync(path.join(OPENCV_DATA_DIR, f)));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')} in ${OPENCV_DATA_DIR}: install Debian's sample images with \`apt-get install -y opencv-doc\``);
  }
  return OPENCV_IMAGES.map((f) => path.join(OPENCV_DATA_DIR, f));
}

export const SHARED_EVAL_DIR = path.resolve(packageRoot(), '..', 'shared', 'eval', 'images');

/** Up to `perFolder` images (sorted by name) from each label folder of the shared eval set; [] when it is absent. */
export function sharedEvalImagePaths(perFolder: number): string[] {
  if (!existsSync(SHARED_EVAL_DIR)) return [];
  return readdirSync(SHARED_EVAL_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((label) =>
      readdirSync(path.join(SHARED_EVAL_DIR, label))
        .filter((f) => /\.(jpe?g|png)$/i.test(f))
        .sort()
        .slice(0, perFolder)
        .map((f) => path.join(SHARED_EVAL_DIR, label, f)),
    );
}

/** Decodes an image and returns RGB bytes of size × size: 'stretch' ignores aspect, 'letterbox' pads with black. */
export async function rgbPixels(file: string, size: number, fit: 'stretch' | 'letterbox'): Promise<Uint8Array> {
  const { data, info } = await sharp(file)
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size, size, fit === 'stretch' ? { fit: 'fill' } : { fit: 'contain', background: { r: 0, g: 0, b: 0 } })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== size || info.height !== size) {
    throw new Error(`${file}: decoded to ${info.width}x${info.height}x${info.channels}, expected ${size}x${size}x3`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}
