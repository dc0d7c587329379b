/** Decodes a still image file into packed RGB for analysis, honouring EXIF orientation. */
import sharp from 'sharp';
import type { RgbFrame } from '../types.js';

export interface DecodedImage {
  frame: RgbFrame;
  /** Size of the image as stored (after EXIF rotation); boxes are reported in these pixels. */
  width: number;
  height: number;
  /** frame pixels = image pixels × scale (≤ 1: large photos are analysed downscaled). */
  scale: number;
}

/**
 * Larger photos are analysed at this width: the detector sees 512 px anyway and the pose model a
 * 192 px crop, so more pixels only cost time.
 */
export const DEFAULT_MAX_ANALYSIS_WIDTH = 1280;

export async function decodeImageFile(file: string, maxWidth = DEFAULT_MAX_ANALYSIS_WIDTH): Promise<DecodedImage> {
  // failOn 'truncated' turns a cut-off JPEG into an error instead of a half-grey frame that would be
  // analysed as if it were real.
  const image = sharp(file, { failOn: 'truncated' }).rotate();
  const meta = await image.metadata();
  const rotated = (meta.orientation ?? 1) >= 5;
  const width = (rotated ? meta.height : meta.width) ?? 0;
  const height = (rotated ? meta.width : meta.height) ?? 0;
  if (width <= 0 || height <= 0) throw new Error('image has no size');
  const scale = width > maxWidth ? maxWidth / width : 1;
  const { data, info } = await image
    .resize(scale < 1 ? { width: Math.round(width * scale) } : undefined)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 colour channels after decoding, got ${info.channels}`);
  return {
    frame: { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height },
    width,
    height,
    scale: info.width / width,
  };
}

/** Whether sharp recognises the file as an image at all (cheap: reads the header only). */
export async function isImageFile(file: string): Promise<boolean> {
  try {
    const meta = await sharp(file).metadata();
    return meta.width !== undefined && meta.height !== undefined;
  } catch {
    return false; // not an image format sharp knows; the caller tries it as video
  }
}
