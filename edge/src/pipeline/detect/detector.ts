/**
 * Object detector plug-ins, chosen by `decoder`: each knows its model's input layout and how to
 * decode its outputs. Both return detections in frame pixels. A user can point the config at their
 * own YOLOv8/YOLO11 ONNX export with its label list.
 */
import * as ort from 'onnxruntime-node';
import { detectorSchema } from '../../config/schema.js';
import type { Detection, RgbFrame, StageTimings } from '../types.js';
import { FrameResampler, fitRegion, type Layout, type ResizeMode } from '../image/resample.js';
import type { InputGeometry } from './box-mapping.js';
import type { FeatureMap } from '../phone/feature-map.js';
import { CenterNetDecoder } from './centernet-decoder.js';
import { minScoresForLabels } from './label-thresholds.js';
import { openSession, type TensorContract } from './session.js';
import { YoloDecoder } from './yolo-decoder.js';

export type DecoderKind = 'centernet' | 'yolo';

export interface DetectorInputOptions {
  name: string;
  width: number;
  height: number;
  layout: Layout;
  /** Value range the model expects for 0..255 pixels, e.g. [0, 255] or [0, 1]. */
  range: [number, number];
  resize: ResizeMode;
  /** Padding colour for letterbox bands, 0..255 (Ultralytics uses 114). */
  padValue?: number;
}

/** A plain, serialisable description of a detector model. */
export interface DetectorModelOptions {
  path: string;
  decoder: DecoderKind;
  /** Class names in output order. */
  labels: string[];
  input: DetectorInputOptions;
  /**
   * Outputs checked when the session loads. Defaults: centernet `heatmap` [1, ?, ?, C] and `wh`
   * [1, ?, ?, 4]; yolo takes the model's first output, whatever its name.
   */
  outputs?: TensorContract[];
  /**
   * Name of an intermediate feature map output [1, H, W, C] (NHWC) that the learned phone head
   * pools per person; centernet from models.json has one called `features`.
   */
  featureOutput?: string;
}

/** The detector's heatmap and intermediate features of one frame, for per-person pooling. */
export interface DetectorMaps {
  features: FeatureMap;
  heatmap: FeatureMap;
}

export interface DetectOptions {
  /** Also return the feature maps (costs one more output copy; needs `featureOutput`). */
  maps?: boolean;
}

export interface DetectorThresholds {
  personThreshold: number;
  phoneCandidateThreshold: number;
  objectThreshold: number;
  /** perception.detector.nmsIou. */
  nmsIou: number;
  /** Detections kept per frame after NMS. */
  maxDetections: number;
}

/** Detections kept per frame after NMS (not a config key). */
export const MAX_DETECTIONS = 100;

/** The thresholds as the config schema's defaults give them (the one place they are written down). */
export const DEFAULT_DETECTOR_THRESHOLDS: DetectorThresholds = (() => {
  const { personThreshold, phoneCandidateThreshold, objectThreshold, nmsIou } = detectorSchema.parse({});
  return { personThreshold, phoneCandidateThreshold, objectThreshold, nmsIou, maxDetections: MAX_DETECTIONS };
})();

export interface Detector {
  readonly model: DetectorModelOptions;
  /** Whether detect() can return feature maps (a centernet model with a feature output). */
  readonly hasMaps: boolean;
  /** Detections in frame pixels; adds its preprocess, detect and decode times to `timings`. */
  detect(frame: RgbFrame, timings: StageTimings, options?: DetectOptions): Promise<{ detections: Detection[]; maps: DetectorMaps | null }>;
  close(): Promise<void>;
}

/** Input settings of an Ultralytics YOLO export with a square input of `size` pixels. */
export function yoloInput(size: number): DetectorInputOptions {
  return { name: 'images', width: size, height: size, layout: 'NCHW', range: [0, 1], resize: 'letterbox', padValue: 114 };
}

/**
 * Options for a user's own detector file given only its decoder, labels and square input size:
 * yolo means an Ultralytics export (NCHW, 0..1, letterbox); centernet means human's layout
 * (NHWC, 0..255, stretch, outputs `heatmap` and `wh`).
 */
export function customDetectorModel(path: string, decoder: DecoderKind, labels: string[], inputSize: number): DetectorModelOptions {
  const input: DetectorInputOptions =
    decoder === 'yolo'
      ? yoloInput(inputSize)
      : { name: 'images', width: inputSize, height: inputSize, layout: 'NHWC', range: [0, 255], resize: 'stretch' };
  return { path, decoder, labels, input };
}

/** Turns one inference result into detections; one per decoder kind. */
interface DetectorHead {
  decode(results: ort.InferenceSession.ReturnType, geometry: InputGeometry): Detection[];
  /** Output names the decode needs fetched. */
  fetches: string[];
  /** The heatmap as a feature map, when the decoder has one. */
  heatmap?(results: ort.InferenceSession.ReturnType, geometry: InputGeometry): FeatureMap;
}

interface HeadPlugin {
  /** Outputs checked when the session loads, unless the model options list their own. */
  defaultOutputs(labels: readonly string[]): TensorContract[];
  /** `outputs` are the checked contract outputs; `modelOutputs` the names the model really has. */
  create(model: DetectorModelOptions, thresholds: DetectorThresholds, outputs: TensorContract[], modelOutputs: readonly string[]): DetectorHead;
}

const HEADS: Record<DecoderKind, HeadPlugin> = {
  centernet: {
    defaultOutputs: (labels) => [
      { name: 'heatmap', dtype: 'float32', shape: [1, null, null, labels.length] },
      { name: 'wh', dtype: 'float32', shape: [1, null, null, 4] },
    ],
    create(model, thresholds, outputs) {
      const [heatmapName, whName] = [outputs[0]?.name, outputs[1]?.name];
      if (heatmapName === undefined || whName === undefined) {
        throw new Error(`Model ${model.path}: a centernet detector needs two outputs (heatmap, wh) but ${outputs.length} were given`);
      }
      const decoder = new CenterNetDecoder({
        labels: model.labels,
        minScores: minScoresForLabels(model.labels, scoreThresholds(thresholds)),
        topK: thresholds.maxDetections * 2,
        nmsIou: thresholds.nmsIou,
        maxDetections: thresholds.maxDetections,
      });
      return {
        fetches: [heatmapName, whName],
        heatmap: (results, geometry) => featureMapOf(model.path, results, heatmapName, geometry),
        decode(results, geometry) {
          const heatmap = floatOutput(model.path, results, heatmapName);
          const wh = floatOutput(model.path, results, whName);
          const [, height, width] = heatmap.dims;
          return decoder.decode(heatmap.data, wh.data, { height: height ?? 0, width: width ?? 0 }, geometry);
        },
      };
    },
  },
  yolo: {
    // Exports name their output differently (output0, output, …): take the first one.
    defaultOutputs: () => [],
    create(model, thresholds, outputs, modelOutputs) {
      const outputName = outputs[0]?.name ?? modelOutputs[0];
      if (outputName === undefined) throw new Error(`Model ${model.path}: a yolo detector needs an output but the model has none`);
      const decoder = new YoloDecoder({
        labels: model.labels,
        minScores: minScoresForLabels(model.labels, scoreThresholds(thresholds)),
        nmsIou: thresholds.nmsIou,
        maxDetections: thresholds.maxDetections,
      });
      return {
        fetches: [outputName],
        decode(results, geometry) {
          const out = floatOutput(model.path, results, outputName);
          return decoder.decode(out.data, out.dims, geometry);
        },
      };
    },
  },
};

export async function openDetector(
  model: DetectorModelOptions,
  thresholds: DetectorThresholds,
  intraOpNumThreads: number,
): Promise<Detector> {
  const plugin = HEADS[model.decoder];
  if (!plugin) throw new Error(`Expected detector decoder "centernet" or "yolo" but received "${String(model.decoder)}"`);
  const { input } = model;
  const shape = input.layout === 'NCHW' ? [1, 3, input.height, input.width] : [1, input.height, input.width, 3];
  const outputs = model.outputs ?? plugin.defaultOutputs(model.labels);
  const session = await openSession(model.path, { inputs: [{ name: input.name, dtype: 'float32', shape }], outputs }, { intraOpNumThreads });
  let head: DetectorHead;
  try {
    head = plugin.create(model, thresholds, outputs, session.session.outputNames);
  } catch (err) {
    await session.close();
    throw err;
  }
  const [lo, hi] = input.range;
  const resampler = new FrameResampler({
    width: input.width,
    height: input.height,
    layout: input.layout,
    dtype: 'float32',
    scale: (hi - lo) / 255,
    offset: lo,
    padValue: input.padValue ?? 0,
  });
  const tensor = new ort.Tensor('float32', resampler.data as Float32Array, shape);
  const featureOutput = model.featureOutput;
  const hasMaps = featureOutput !== undefined && head.heatmap !== undefined && session.session.outputNames.includes(featureOutput);
  if (featureOutput !== undefined && !session.session.outputNames.includes(featureOutput)) {
    await session.close();
    throw new Error(`Model ${model.path}: expected feature output '${featureOutput}' but the model's outputs are: ${session.session.outputNames.join(', ')}`);
  }

  return {
    model,
    hasMaps,
    async detect(frame, timings, options = {}) {
      const wantMaps = options.maps === true;
      if (wantMaps && !hasMaps) throw new Error(`Model ${model.path}: feature maps were asked for but this detector has no feature output`);
      const t0 = performance.now();
      const region = fitRegion(frame.width, frame.height, input.width, input.height, input.resize);
      resampler.sample(frame, region);
      const t1 = performance.now();
      const fetches = wantMaps && featureOutput ? [...head.fetches, featureOutput] : head.fetches;
      const results = await session.run({ [input.name]: tensor }, fetches);
      const t2 = performance.now();
      const geometry: InputGeometry = {
        inputWidth: input.width,
        inputHeight: input.height,
        region,
        frameWidth: frame.width,
        frameHeight: frame.height,
      };
      const detections = head.decode(results, geometry);
      const maps = wantMaps && featureOutput && head.heatmap
        ? { features: featureMapOf(model.path, results, featureOutput, geometry), heatmap: head.heatmap(results, geometry) }
        : null;
      timings.preprocessMs += t1 - t0;
      timings.detectMs += t2 - t1;
      timings.decodeMs += performance.now() - t2;
      return { detections, maps };
    },
    close: () => session.close(),
  };
}

function scoreThresholds(t: DetectorThresholds): { person: number; phoneCandidate: number; object: number } {
  return { person: t.personThreshold, phoneCandidate: t.phoneCandidateThreshold, object: t.objectThreshold };
}

function featureMapOf(path: string, results: ort.InferenceSession.ReturnType, name: string, geometry: InputGeometry): FeatureMap {
  const { data, dims } = floatOutput(path, results, name);
  const [n, height, width, channels] = dims;
  if (dims.length !== 4 || n !== 1 || !height || !width || !channels) {
    throw new Error(`Model ${path}: expected output '${name}' of shape [1, H, W, C] but received [${dims.join(', ')}]`);
  }
  return { data, height, width, channels, region: geometry.region, inputWidth: geometry.inputWidth, inputHeight: geometry.inputHeight };
}

function floatOutput(path: string, results: ort.InferenceSession.ReturnType, name: string): { data: Float32Array; dims: readonly number[] } {
  const value = results[name];
  if (!value) throw new Error(`Model ${path}: output '${name}' missing from the inference result`);
  if (!(value.data instanceof Float32Array)) throw new Error(`Model ${path}: expected output '${name}' of type float32 but received ${value.type}`);
  return { data: value.data, dims: value.dims };
}
