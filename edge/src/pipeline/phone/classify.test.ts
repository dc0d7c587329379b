import { describe, expect, it } from 'vitest';
import type { Box, Detection, Keypoint, KeypointName } from '../types.js';
import { classifyPhone, DEFAULT_PHONE_RULE } from './classify.js';

/**
 * A person facing the camera, about 200 px tall, head centred at (100, 40), head size 30 px
 * (ears 30 px apart, shoulders 60 px apart). Arms hang down unless overridden.
 */
function person(overrides: Partial<Record<KeypointName, [number, number] | null>> = {}): { box: Box; keypoints: Keypoint[] } {
  const base: Record<KeypointName, [number, number]> = {
    nose: [100, 42], leftEye: [94, 36], rightEye: [106, 36], leftEar: [85, 40], rightEar: [115, 40],
    leftShoulder: [70, 75], rightShoulder: [130, 75], leftElbow: [65, 115], rightElbow: [135, 115],
    leftWrist: [63, 150], rightWrist: [137, 150], leftHip: [80, 150], rightHip: [120, 150],
    leftKnee: [80, 195], rightKnee: [120, 195], leftAnkle: [80, 235], rightAnkle: [120, 235],
  };
  const keypoints: Keypoint[] = [];
  for (const [name, xy] of Object.entries({ ...base, ...overrides }) as [KeypointName, [number, number] | null][]) {
    keypoints.push(xy ? { name, x: xy[0], y: xy[1], score: 0.8 } : { name, x: 0, y: 0, score: 0.01 });
  }
  return { box: [55, 15, 145, 240], keypoints };
}

const phoneAt = (cx: number, cy: number, score = 0.4): Detection => ({
  label: 'cell phone', classId: 67, score, box: [cx - 6, cy - 10, cx + 6, cy + 10],
});

describe('phone rule', () => {
  it('says none for a person with hands down', () => {
    const v = classifyPhone(person(), []);
    expect(v.phone).toBe('none');
    expect(v.evidence.wristToHead).toBeGreaterThan(DEFAULT_PHONE_RULE.farFromHead);
  });

  it('says call for a hand held at the ear with the forearm raised', () => {
    const v = classifyPhone(person({ rightWrist: [118, 48], rightElbow: [140, 95] }), []);
    expect(v.phone).toBe('call');
    expect(v.phoneScore).toBeGreaterThanOrEqual(DEFAULT_PHONE_RULE.callThreshold);
    expect(v.evidence).toMatchObject({ elbowRaised: true });
    expect(v.evidence.wristToHead).toBeLessThan(DEFAULT_PHONE_RULE.nearHead);
    expect(v.evidence.keypoints).toEqual(expect.arrayContaining(['rightWrist', 'rightElbow', 'rightEar']));
  });

  it('still finds the call when the hand hides the ear (ear estimated from eye and nose)', () => {
    const v = classifyPhone(person({ rightEar: null, rightWrist: [117, 45], rightElbow: [138, 95] }), []);
    expect(v.phone).toBe('call');
  });

  it('a phone box at the head raises the score over a hand alone', () => {
    const pose = person({ rightWrist: [122, 62], rightElbow: [140, 100] });
    const without = classifyPhone(pose, []);
    const withPhone = classifyPhone(pose, [phoneAt(116, 45)]);
    expect(withPhone.phoneScore).toBeGreaterThan(without.phoneScore);
    expect(withPhone.phone).toBe('call');
    expect(withPhone.evidence.phoneNear).toBe('head');
  });

  it('does not call a hand in front of the mouth without a phone (drinking, eating)', () => {
    const v = classifyPhone(person({ rightWrist: [101, 56], rightElbow: [125, 100] }), []);
    expect(v.phone).toBe('none');
    expect(v.phoneScore).toBeLessThan(DEFAULT_PHONE_RULE.callThreshold);
    expect(v.evidence.reason).toMatch(/no hand at an ear with a phone/);
  });

  it('does not call hands resting low on the body even with a phone-like peak at the head', () => {
    const v = classifyPhone(person({ rightWrist: [120, 130] }), [phoneAt(115, 42, 0.6)]);
    expect(v.evidence.wristToHead).toBeGreaterThan(DEFAULT_PHONE_RULE.farFromHead);
    expect(v.phone).toBe('none');
  });

  it('does not call a weak phone-like peak at the head when both hands are down', () => {
    const v = classifyPhone(person(), [phoneAt(115, 42, 0.3)]);
    expect(v.phone).not.toBe('call');
  });

  it('says hand for a phone held in front of the body', () => {
    const v = classifyPhone(person({ rightWrist: [110, 120], rightElbow: [135, 125] }), [phoneAt(108, 112)]);
    expect(v.phone).toBe('hand');
    expect(v.evidence.phoneNear).toBe('hand');
    expect(v.evidence.phoneBox?.label).toBe('cell phone');
  });

  it('ignores phone boxes belonging to someone else', () => {
    const v = classifyPhone(person({ rightWrist: [110, 120] }), [phoneAt(400, 120, 0.9)]);
    expect(v.phone).toBe('none');
  });

  it('scales with the person: the same pose twice as large gives the same verdict', () => {
    const small = person({ rightWrist: [118, 48], rightElbow: [140, 95] });
    const large = {
      box: small.box.map((v) => v * 2) as Box,
      keypoints: small.keypoints.map((k) => ({ ...k, x: k.x * 2, y: k.y * 2 })),
    };
    const a = classifyPhone(small, []);
    const b = classifyPhone(large, []);
    expect(b.phone).toBe(a.phone);
    expect(b.phoneScore).toBeCloseTo(a.phoneScore, 5);
  });

  it('says none with the reason when no head keypoint is visible', () => {
    const hidden = Object.fromEntries(
      (['nose', 'leftEye', 'rightEye', 'leftEar', 'rightEar'] as const).map((n) => [n, null]),
    ) as Partial<Record<KeypointName, null>>;
    const v = classifyPhone(person({ ...hidden, rightWrist: [118, 48] }), []);
    expect(v.phone).toBe('none');
    expect(v.evidence.reason).toBe('head not visible');
  });
});
