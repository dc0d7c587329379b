/**
 * Perception from the site config: the analyzer pool with the configured models, thresholds and
 * phone rule. The config schema holds every default; this only maps it onto the pool's options.
 */
import { resolve } from 'node:path';
import type { DetectorConfig, PerceptionConfig } from '../../config/schema.js';
import { customDetectorModel, type DetectorModelOptions } from '../detect/detector.js';
import { startAnalyzerPool, type AnalyzerPool, type AnalyzerPoolOptions, type AnalyzerPoolRuntime } from './analyzer-pool.js';
import { modelsFromManifest } from './manifest-models.js';
import { cardPathFor, loadPhoneHeadCard } from '../phone/phone-head-card.js';
import type { PhoneHeadOptions } from '../phone/phone-head.js';

export async function analyzerOptionsFromConfig(config: PerceptionConfig): Promise<AnalyzerPoolOptions> {
  const { detector } = config;
  const { method, head, ...phoneRule } = config.phone;
  const userDetector = detector.model.endsWith('.onnx');
  // The head is only loaded when it decides: the rule must run even where the head's card is bad
  // (and `npm run train:phone` runs the rule while it writes a new head).
  const learned = method === 'learned';
  const userHead = head.model.endsWith('.onnx');
  const models = await modelsFromManifest(userDetector ? undefined : detector.model, config.pose.model, learned && !userHead ? head.model : null);
  if (userDetector) models.detector = userOnnxDetector(detector);
  if (learned && userHead) models.phoneHead = await userPhoneHead(head.model);
  if (learned && !models.phoneHead) {
    throw new Error(`perception.phone.head.model: '${head.model}' is not a fitted model in models/models.json`);
  }
  if (models.phoneHead) {
    models.phoneHead = {
      ...models.phoneHead,
      ...(head.callThreshold !== undefined ? { callThreshold: head.callThreshold } : {}),
      ...(head.handThreshold !== undefined ? { handThreshold: head.handThreshold } : {}),
      requireHandAtHead: head.requireHandAtHead,
      farFromHead: phoneRule.farFromHead,
    };
  }
  return {
    models,
    workers: config.workers,
    threads: config.threads,
    personThreshold: detector.personThreshold,
    phoneCandidateThreshold: detector.phoneCandidateThreshold,
    objectThreshold: detector.objectThreshold,
    nmsIou: detector.nmsIou,
    maxPeople: config.maxPeople,
    closeUpFallback: config.closeUpFallback,
    phoneRule,
    phoneMethod: method,
    respawnInitialMs: config.workerRespawn.initialSeconds * 1000,
    respawnMaxMs: config.workerRespawn.maxSeconds * 1000,
  };
}

async function userPhoneHead(model: string): Promise<PhoneHeadOptions> {
  const path = resolve(model);
  try {
    return { path, card: await loadPhoneHeadCard(cardPathFor(path)) };
  } catch (err) {
    throw new Error(`perception.phone.head.model: ${(err as Error).message}`, { cause: err });
  }
}

function userOnnxDetector(d: DetectorConfig): DetectorModelOptions {
  // The schema has already required decoder, labels and input size for a .onnx model.
  if (!d.decoder || !d.labels || !d.inputSize) {
    throw new Error('perception.detector: decoder, labels and inputSize are required for an .onnx model');
  }
  const model = customDetectorModel(resolve(d.model), d.decoder, d.labels, d.inputSize);
  return { ...model, input: { ...model.input, name: d.inputName } };
}

export async function createPerception(config: PerceptionConfig, runtime: AnalyzerPoolRuntime = {}): Promise<AnalyzerPool> {
  return startAnalyzerPool(await analyzerOptionsFromConfig(config), runtime);
}
