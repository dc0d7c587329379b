/**
 * One frame through the perception stages: detect people and objects, pose on the largest people,
 * then the phone decision per person (the learned phone head by default, or the rule). Runs inside
 * an inference process (see inference-process.ts); it is plain async code so tests can also run it
 * in-process.
 */
import type { ZoneConfig } from '../../config/schema.js';
import { boxShareInPolygon, footPoint, pointInPolygon, polygonInPixels } from '../behaviours/zone-membership.js';
import type { Box, Detection, FrameAnalysis, Keypoint, PersonResult, RgbFrame, StageTimings } from '../types.js';
import { MAX_DETECTIONS, openDetector, type Detector, type DetectorMaps, type DetectorModelOptions } from '../detect/detector.js';
import { PERSON_LABEL, PHONE_LABEL } from '../detect/label-thresholds.js';
import { openMovenet, type PoseEstimator, type PoseModelOptions } from '../pose/movenet.js';
import { decideByRule, type PhoneRuleOptions } from '../phone/classify.js';
import { measurePhoneGeometry, type PhoneGeometry } from '../phone/phone-geometry.js';
import { personFeatures } from '../phone/person-features.js';
import { checkCard, decideByHead, openPhoneHead, type PhoneHead, type PhoneHeadOptions } from '../phone/phone-head.js';
import { closeUpPerson } from './close-up-person.js';
import { iou } from '../detect/nms.js';
import type { FeatureMap } from '../phone/feature-map.js';
import type { PoseResult } from '../pose/movenet.js';

export interface AnalyzerModels {
  detector: DetectorModelOptions;
  pose: PoseModelOptions;
  /** The learned phone head; required when phoneMethod is 'learned'. */
  phoneHead?: PhoneHeadOptions;
}

export type PhoneMethod = 'learned' | 'rule';

/** Everything a frame analyzer needs; plain data so it can cross into an inference process. */
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
  nmsIou: number;
  /** Pose runs on at most this many people per frame, largest first. */
  maxPeople: number;
  phoneRule: PhoneRuleOptions;
  /** Who decides the phone state: the learned head or the rule. */
  phoneMethod: PhoneMethod;
  /** When the detector finds nobody, look for one person filling the frame by pose alone. */
  closeUpFallback: boolean;
}

/** Extras a caller may ask of one analysis. */
export interface AnalyzeRequest {
  /** Person boxes known beforehand (labelled training photos): results come back in `hinted`. */
  hints?: Box[];
  /** Attach each person's phone-head feature vector. */
  features?: boolean;
  /**
   * Run pose and the phone decision only for people at or near these zones (the camera's `atm` and
   * `emoney_rack` zones, where the phone state is used); others are reported from the detector
   * alone, without keypoints. Absent: everyone (up to maxPeople).
   */
  poseZones?: readonly ZoneConfig[];
}

export interface FrameAnalyzer {
  analyze(frame: RgbFrame, request?: AnalyzeRequest): Promise<FrameAnalysis>;
  close(): Promise<void>;
}

/** A hint box is the detected person it overlaps at least this much (IoU). */
const HINT_MATCH_IOU = 0.5;

interface PersonToDecide {
  box: Box;
  score: number;
  keypoints: Keypoint[];
  geometry: PhoneGeometry;
  poseFeatures: FeatureMap | null;
}

export async function openFrameAnalyzer(options: FrameAnalyzerOptions): Promise<FrameAnalyzer> {
  const opened: { close(): Promise<void> }[] = [];
  const closeOpened = async (): Promise<void> => {
    await Promise.allSettled(opened.map((o) => o.close()));
  };
  let detector: Detector;
  let pose: PoseEstimator;
  let head: PhoneHead | null = null;
  try {
    detector = await openDetector(
      options.models.detector,
      {
        personThreshold: options.personThreshold,
        phoneCandidateThreshold: options.phoneCandidateThreshold,
        objectThreshold: options.objectThreshold,
        nmsIou: options.nmsIou,
        maxDetections: MAX_DETECTIONS,
      },
      options.threads,
    );
    opened.push(detector);
    pose = await openMovenet(options.models.pose, options.threads);
    opened.push(pose);
    if (options.phoneMethod === 'learned') {
      const headOptions = options.models.phoneHead;
      if (!headOptions) throw new Error('perception.phone.method is "learned" but no phone head model was given');
      if (!detector.hasMaps) {
        throw new Error(`perception.phone.method is "learned" but detector ${options.models.detector.path} has no feature output; use method "rule" with this detector`);
      }
      if (!pose.hasFeatures) throw new Error(`perception.phone.method is "learned" but pose model ${options.models.pose.path} has no feature output`);
      head = await openPhoneHead(headOptions, options.threads);
      opened.push(head);
    }
  } catch (err) {
    await closeOpened();
    throw err;
  }

  let cardChecked = false;
  async function decide(people: PersonToDecide[], maps: DetectorMaps | null, wantFeatures: boolean, timings: StageTimings): Promise<PersonResult[]> {
    const t0 = performance.now();
    const vectors = maps ? people.map((p) => personFeatures(p, { ...maps, pose: p.poseFeatures })) : [];
    // Checked on the real maps (once their sizes are known), so a head fitted on other models fails loudly.
    const first = people[0];
    if (maps && head && options.models.phoneHead && first && !cardChecked) {
      checkCard(options.models.phoneHead.path, options.models.phoneHead.card, {
        channels: maps.features.channels, classes: maps.heatmap.channels, poseChannels: first.poseFeatures?.channels ?? 0,
      });
      cardChecked = true;
    }
    const probabilities = head ? await head.classify(vectors) : [];
    const results = people.map((p, i): PersonResult => {
      const byRule = decideByRule(p.geometry, options.phoneRule);
      const chance = probabilities[i];
      const verdict = head && chance ? decideByHead(chance, head.thresholds, p.geometry) : byRule;
      if (head) verdict.evidence.rule = { phone: byRule.phone, phoneScore: byRule.phoneScore };
      const vector = vectors[i];
      return { box: p.box, score: p.score, keypoints: p.keypoints, ...verdict, ...(wantFeatures && vector ? { features: vector } : {}) };
    });
    timings.phoneMs += performance.now() - t0;
    return results;
  }

  let poseChannels = 0;
  const toDecide = (box: Box, score: number, result: PoseResult, phones: Detection[]): PersonToDecide => {
    if (result.features) poseChannels = result.features.channels;
    return {
      box,
      score,
      keypoints: result.keypoints,
      geometry: measurePhoneGeometry({ box, keypoints: result.keypoints }, phones, options.phoneRule),
      poseFeatures: result.features,
    };
  };

  return {
    async analyze(frame, request = {}) {
      const timings: StageTimings = { preprocessMs: 0, detectMs: 0, poseMs: 0, decodeMs: 0, phoneMs: 0 };
      const wantFeatures = request.features === true;
      const wantMaps = head !== null || (wantFeatures && detector.hasMaps);
      const { detections, maps } = await detector.detect(frame, timings, { maps: wantMaps });
      const estimate = (box: Box): Promise<PoseResult> => pose.estimate(frame, box, timings, { features: wantMaps });
      const personBoxes = detections.filter((d) => d.label === PERSON_LABEL).sort((a, b) => area(b.box) - area(a.box));
      const phones = detections.filter((d) => d.label === PHONE_LABEL);

      const posed: PersonToDecide[] = [];
      const unposed: PersonResult[] = [];
      const wantsPose = poseFilter(request.poseZones, frame.width, frame.height);
      for (const person of personBoxes) {
        // People beyond the cap, or away from the zones that use a phone state, are still reported
        // (they count as present and are tracked) but get no pose.
        if (posed.length < options.maxPeople && wantsPose(person.box)) {
          posed.push(toDecide(person.box, person.score, await estimate(person.box), phones));
        } else {
          const rule = decideByRule(measurePhoneGeometry({ box: person.box, keypoints: [] }, phones, options.phoneRule), options.phoneRule);
          unposed.push({ box: person.box, score: person.score, keypoints: [], ...rule });
        }
      }
      if (personBoxes.length === 0 && options.closeUpFallback) {
        const whole = await estimate([0, 0, frame.width, frame.height]);
        const closeUp = closeUpPerson(whole.keypoints, frame.width, frame.height);
        if (closeUp) posed.push(toDecide(closeUp.box, closeUp.score, whole, phones));
      }
      const people = [...(await decide(posed, maps, wantFeatures, timings)), ...unposed];

      let hinted: PersonResult[] | undefined;
      if (request.hints) {
        const hintPeople: PersonToDecide[] = [];
        for (const hint of request.hints) {
          const match = bestMatch(hint, posed);
          hintPeople.push(match ?? toDecide(hint, 0, await estimate(hint), phones));
        }
        hinted = await decide(hintPeople, maps, wantFeatures, timings);
      }
      const objects = detections.filter((d) => d.label !== PERSON_LABEL && d.score >= options.objectThreshold);
      const featureShape = wantFeatures && maps
        ? { channels: maps.features.channels, classes: maps.heatmap.channels, poseChannels: pose.hasFeatures ? poseChannels : 0 }
        : undefined;
      return { width: frame.width, height: frame.height, people, objects, timings, ...(hinted ? { hinted } : {}), ...(featureShape ? { featureShape } : {}) };
    },
    async close() {
      const results = await Promise.allSettled(opened.map((o) => o.close()));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** Share of a box's size added on each side before testing it against the pose zones. */
const POSE_ZONE_MARGIN = 0.1;

/**
 * Which people get pose: with zones, those whose box, grown by a margin, touches one of them. The
 * margin and the touch (rather than the zone's own foot-point or overlap rule) make sure that a
 * person the behaviours count as in the zone, from a slightly different tracked box, has a pose.
 */
function poseFilter(zones: readonly ZoneConfig[] | undefined, width: number, height: number): (box: Box) => boolean {
  if (zones === undefined) return () => true;
  const polygons = zones.map((z) => polygonInPixels(z.polygon, width, height));
  return (box) => {
    const mx = (box[2] - box[0]) * POSE_ZONE_MARGIN;
    const my = (box[3] - box[1]) * POSE_ZONE_MARGIN;
    const grown: Box = [box[0] - mx, box[1] - my, box[2] + mx, box[3] + my];
    return polygons.some((p) => boxShareInPolygon(grown, p) > 0 || pointInPolygon(footPoint(box), p));
  };
}

function bestMatch(hint: Box, people: readonly PersonToDecide[]): PersonToDecide | null {
  let best: PersonToDecide | null = null;
  let bestIou = HINT_MATCH_IOU;
  for (const p of people) {
    const overlap = iou(hint, p.box);
    if (overlap >= bestIou) {
      best = p;
      bestIou = overlap;
    }
  }
  return best;
}

function area(b: Box): number {
  return (b[2] - b[0]) * (b[3] - b[1]);
}
