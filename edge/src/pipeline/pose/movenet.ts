/**
 * Single-person pose with MoveNet Lightning on a square crop around each detected person.
 *
 * MoveNet singlepose expects one roughly centred person filling the input, so the crop is the
 * person box's longer side enlarged by 1.25 (room for raised arms and elbows), kept centred; where it
 * runs past the frame edge it is padded with black rather than shifted, which would off-centre the
 * person.
 */
import * as ort from 'onnxruntime-node';
import { KEYPOINT_NAMES, type Box, type Keypoint, type RgbFrame, type StageTimings } from '../types.js';
import { FrameResampler, type Region } from '../image/resample.js';
import { openSession } from '../detect/session.js';
import type { FeatureMap } from '../phone/feature-map.js';

export interface PoseModelOptions {
  path: string;
  /** Defaults match the converted movenet-lightning.onnx: 'input', 'keypoints', 192. */
  inputName?: string;
  outputName?: string;
  inputSize?: number;
  /** An intermediate feature map output [1, H, W, C] the phone head pools (models.json: `features`). */
  featureOutput?: string;
}

export interface PoseResult {
  keypoints: Keypoint[];
  /** The crop's feature map, when asked for and the model has one; its region is the crop. */
  features: FeatureMap | null;
}

export interface PoseEstimator {
  readonly hasFeatures: boolean;
  /** Keypoints of the person in `box`, in frame pixels; adds preprocess, pose and decode times to `timings`. */
  estimate(frame: RgbFrame, box: Box, timings: StageTimings, options?: { features?: boolean }): Promise<PoseResult>;
  close(): Promise<void>;
}

export const POSE_CROP_ENLARGE = 1.25;
/** Below this the crop would be upsampled from a handful of pixels; MoveNet sees nothing useful anyway. */
const MIN_CROP_SIDE = 8;

/** The square frame region fed to MoveNet for a person box. */
export function poseCrop(box: Box, enlarge = POSE_CROP_ENLARGE): Region {
  const side = Math.max(MIN_CROP_SIDE, Math.max(box[2] - box[0], box[3] - box[1]) * enlarge);
  const cx = (box[0] + box[2]) / 2;
  const cy = (box[1] + box[3]) / 2;
  return { x: cx - side / 2, y: cy - side / 2, width: side, height: side };
}

/** MoveNet's [1, 1, 17, 3] (y, x, score) output, normalised to the crop, mapped to frame pixels. */
export function keypointsToFrame(raw: Float32Array, crop: Region): Keypoint[] {
  if (raw.length < KEYPOINT_NAMES.length * 3) {
    throw new Error(`Expected ${KEYPOINT_NAMES.length * 3} MoveNet values (17 × y, x, score) but received ${raw.length}`);
  }
  return KEYPOINT_NAMES.map((name, i) => ({
    name,
    x: crop.x + (raw[i * 3 + 1] as number) * crop.width,
    y: crop.y + (raw[i * 3] as number) * crop.height,
    score: raw[i * 3 + 2] as number,
  }));
}

export async function openMovenet(options: PoseModelOptions, intraOpNumThreads: number): Promise<PoseEstimator> {
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'keypoints';
  const size = options.inputSize ?? 192;
  const shape = [1, size, size, 3];
  const session = await openSession(
    options.path,
    {
      inputs: [{ name: inputName, dtype: 'int32', shape }],
      outputs: [{ name: outputName, dtype: 'float32', shape: [1, 1, KEYPOINT_NAMES.length, 3] }],
    },
    { intraOpNumThreads },
  );
  const resampler = new FrameResampler({ width: size, height: size, layout: 'NHWC', dtype: 'int32', scale: 1, offset: 0, padValue: 0 });
  const tensor = new ort.Tensor('int32', resampler.data as Int32Array, shape);
  const featureOutput = options.featureOutput;
  if (featureOutput !== undefined && !session.session.outputNames.includes(featureOutput)) {
    await session.close();
    throw new Error(`Model ${options.path}: expected feature output '${featureOutput}' but the model's outputs are: ${session.session.outputNames.join(', ')}`);
  }

  return {
    hasFeatures: featureOutput !== undefined,
    async estimate(frame, box, timings, request = {}) {
      const wantFeatures = request.features === true && featureOutput !== undefined;
      const t0 = performance.now();
      const crop = poseCrop(box);
      resampler.sample(frame, crop);
      const t1 = performance.now();
      const results = await session.run({ [inputName]: tensor }, wantFeatures ? [outputName, featureOutput] : [outputName]);
      const t2 = performance.now();
      const out = results[outputName];
      if (!out || !(out.data instanceof Float32Array)) {
        throw new Error(`Model ${options.path}: output '${outputName}' missing or not float32 in the inference result`);
      }
      const keypoints = keypointsToFrame(out.data, crop);
      let features: FeatureMap | null = null;
      if (wantFeatures) {
        const f = results[featureOutput];
        const [n, height, width, channels] = f?.dims ?? [];
        if (!f || !(f.data instanceof Float32Array) || n !== 1 || !height || !width || !channels) {
          throw new Error(`Model ${options.path}: output '${featureOutput}' missing or not a float32 [1, H, W, C] map`);
        }
        // The data buffer belongs to this result only, so keeping it does not alias the next run.
        features = { data: f.data, height, width, channels, region: crop, inputWidth: size, inputHeight: size };
      }
      timings.preprocessMs += t1 - t0;
      timings.poseMs += t2 - t1;
      timings.decodeMs += performance.now() - t2;
      return { keypoints, features };
    },
    close: () => session.close(),
  };
}
