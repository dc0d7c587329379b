/**
 * Perception from the site config: the analyzer pool with the configured models, thresholds and
 * phone rule. The config schema holds every default; this only maps it onto the pool's options.
 */
import { resolve } from 'node:path';
import type { DetectorConfig, PerceptionConfig } from '../../config/schema.js';
import { customDetectorModel, type DetectorModelOptions } from '../detect/detector.js';
import { startAnalyzerPool, type AnalyzerPool, type AnalyzerPoolOptions } from './analyzer-pool.js';
import { modelsFromManifest } from './manifest-models.js';

export async function analyzerOptionsFromConfig(config: PerceptionConfig): Promise<AnalyzerPoolOptions> {
  const { detector } = config;
  const userDetector = detector.model.endsWith('.onnx');
  const models = await modelsFromManifest(userDetector ? undefined : detector.model, config.pose.model);
  if (userDetector) models.detector = userOnnxDetector(detector);
  return {
    models,
    workers: config.workers,
    threads: config.threads,
    personThreshold: detector.personThreshold,
    phoneCandidateThreshold: detector.phoneCandidateThreshold,
    objectThreshold: detector.objectThreshold,
    iouThreshold: detector.nmsIou,
    maxPeople: config.maxPeople,
    closeUpFallback: config.closeUpFallback,
    phoneRule: config.phone,
  };
}

function userOnnxDetector(d: DetectorConfig): DetectorModelOptions {
  // The schema has already required decoder, labels and input size for a .onnx model.
  if (!d.decoder || !d.labels || !d.inputSize) {
    throw new Error('perception.detector: decoder, labels and inputSize are required for an .onnx model');
  }
  const model = customDetectorModel(resolve(d.model), d.decoder, d.labels, d.inputSize);
  return { ...model, input: { ...model.input, name: d.inputName } };
}

export async function createPerception(config: PerceptionConfig): Promise<AnalyzerPool> {
  return startAnalyzerPool(await analyzerOptionsFromConfig(config));
}
