/**
 * One frame through the perception stages: detect people and objects, pose on the largest people,
 * then the phone rule per person. Runs inside an inference worker (see inference-worker.ts); it is
 * plain async code so tests can also run it in-process.
 */
import type { Detection, FrameAnalysis, PersonResult, RgbFrame, StageTimings } from '../types.js';
import { openDetector, type Detector, type DetectorModelOptions } from '../detect/detector.js';
import { PERSON_LABEL, PHONE_LABEL } from '../detect/label-thresholds.js';
import { openMovenet, type PoseEstimator, type PoseModelOptions } from '../pose/movenet.js';
import { classifyPhone, type PhoneRuleOptions } from '../phone/classify.js';
import { closeUpPerson } from './close-up-person.js';

export interface AnalyzerModels {
  detector: DetectorModelOptions;
  pose: PoseModelOptions;
}

/** Everything a frame analyzer needs; plain data so it can cross into a worker thread. */
export interface FrameAnalyzerOptions {
  models: AnalyzerModels;
  /** onnxruntime intra-op threads per session. */
  threads: number;
  /** Minimum score of a person box. */
  personThreshold: number;
  /** Minimum score of a `cell phone` box handed to the phone rule. */
  phoneCandidateThreshold: number;
  /** Minimum score of other objects (and of phones) reported in `objects`. */
  objectThreshold: number;
  /** IoU above which overlapping boxes of one class are merged. */
  iouThreshold: number;
  /** Pose runs on at most this many people per frame, largest first. */
  maxPeople: number;
  phoneRule: PhoneRuleOptions;
  /** When the detector finds nobody, look for one person filling the frame by pose alone. */
  closeUpFallback: boolean;
}

export interface FrameAnalyzer {
  analyze(frame: RgbFrame): Promise<FrameAnalysis>;
  close(): Promise<void>;
}

export async function openFrameAnalyzer(options: FrameAnalyzerOptions): Promise<FrameAnalyzer> {
  const detector: Detector = await openDetector(
    options.models.detector,
    {
      personThreshold: options.personThreshold,
      phoneCandidateThreshold: options.phoneCandidateThreshold,
      objectThreshold: options.objectThreshold,
      iouThreshold: options.iouThreshold,
      maxDetections: 100,
    },
    options.threads,
  );
  let pose: PoseEstimator;
  try {
    pose = await openMovenet(options.models.pose, options.threads);
  } catch (err) {
    await detector.close();
    throw err;
  }

  return {
    async analyze(frame) {
      const timings: StageTimings = { preprocessMs: 0, detectMs: 0, poseMs: 0, decodeMs: 0 };
      const detections = await detector.detect(frame, timings);
      const personBoxes = detections.filter((d) => d.label === PERSON_LABEL).sort((a, b) => area(b) - area(a));
      const phones = detections.filter((d) => d.label === PHONE_LABEL);

      const people: PersonResult[] = [];
      for (const [i, person] of personBoxes.entries()) {
        // People beyond the cap are still reported (they count as present) but get no pose.
        const keypoints = i < options.maxPeople ? await pose.estimate(frame, person.box, timings) : [];
        const t0 = performance.now();
        const verdict = classifyPhone({ box: person.box, keypoints }, phones, options.phoneRule);
        timings.decodeMs += performance.now() - t0;
        people.push({ box: person.box, score: person.score, keypoints, ...verdict });
      }
      if (personBoxes.length === 0 && options.closeUpFallback) {
        const keypoints = await pose.estimate(frame, [0, 0, frame.width, frame.height], timings);
        const closeUp = closeUpPerson(keypoints, frame.width, frame.height);
        if (closeUp) {
          const t0 = performance.now();
          const verdict = classifyPhone({ box: closeUp.box, keypoints }, phones, options.phoneRule);
          timings.decodeMs += performance.now() - t0;
          people.push({ box: closeUp.box, score: closeUp.score, keypoints, ...verdict });
        }
      }
      const objects = detections.filter((d) => d.label !== PERSON_LABEL && d.score >= options.objectThreshold);
      return { width: frame.width, height: frame.height, people, objects, timings };
    },
    async close() {
      const results = await Promise.allSettled([detector.close(), pose.close()]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

function area(d: Detection): number {
  return (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]);
}
