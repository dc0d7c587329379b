import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPhoneHeadCard } from './phone-head-card.js';
import { checkCard, decideByHead } from './phone-head.js';
import { FEATURES_VERSION, featureCount } from './person-features.js';
import { measurePhoneGeometry } from './phone-geometry.js';
import { DEFAULT_PHONE_RULE } from './classify.js';
import type { Keypoint, KeypointName } from '../types.js';

const committedCard = (): Promise<Awaited<ReturnType<typeof loadPhoneHeadCard>>> => loadPhoneHeadCard(join(process.cwd(), 'models', 'phone-head.json'));

function geometry(wrist: [number, number]) {
  const points: Partial<Record<KeypointName, [number, number]>> = {
    nose: [100, 42], leftEye: [94, 36], rightEye: [106, 36], leftEar: [85, 40], rightEar: [115, 40],
    leftShoulder: [70, 75], rightShoulder: [130, 75], rightElbow: [135, 115], rightWrist: wrist,
  };
  const keypoints = Object.entries(points).map(([name, [x, y]]): Keypoint => ({ name: name as KeypointName, x, y, score: 0.9 }));
  return measurePhoneGeometry({ box: [55, 15, 145, 240], keypoints }, [], DEFAULT_PHONE_RULE);
}

describe('phone head card and decision', () => {
  it('the committed card describes the features this code computes', async () => {
    const card = await committedCard();
    expect(card.features.version).toBe(FEATURES_VERSION);
    expect(card.features.count).toBe(featureCount(card.features.channels, card.features.classes, card.features.poseChannels));
    expect(() => checkCard('h.onnx', card, { channels: 128, classes: 80, poseChannels: 1280 })).not.toThrow();
  });

  it('refuses a head fitted on other features, naming the file', async () => {
    const card = await committedCard();
    expect(() => checkCard('h.onnx', { ...card, features: { ...card.features, version: 'other/1' } }, { channels: 128, classes: 80, poseChannels: 1280 }))
      .toThrow(/phone head h\.onnx was fitted on features 'other\/1'/);
    expect(() => checkCard('h.onnx', card, { channels: 64, classes: 80, poseChannels: 1280 })).toThrow(/phone head h\.onnx expects 3597 features/);
  });

  it('names the card file and the field when a card is invalid', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mimamori-card-'));
    const file = join(dir, 'h.json');
    await writeFile(file, JSON.stringify({ ...(await committedCard()), decision: { callThreshold: 2, handThreshold: 0.5 } }));
    await expect(loadPhoneHeadCard(file)).rejects.toThrow(new RegExp(`phone head card ${file} is invalid: decision\\.callThreshold`));
    await writeFile(file, '{');
    await expect(loadPhoneHeadCard(file)).rejects.toThrow(/is not valid JSON/);
  });

  it('decides call, then hand, then none by the thresholds, keeping the geometry in the evidence', () => {
    const atEar = geometry([118, 48]);
    const t = { call: 0.4, hand: 0.4, handAwayBeyond: Infinity };
    const call = decideByHead({ call: 0.6, hand: 0.3, none: 0.1 }, t, atEar);
    expect(call).toMatchObject({ phone: 'call', phoneScore: 0.6, evidence: { head: { call: 0.6, hand: 0.3, none: 0.1 } } });
    expect(call.evidence.wristToHead).toBeLessThan(1);
    expect(call.evidence.reason).toMatch(/^phone head: p\(call\) 0\.60, p\(hand\) 0\.30; rightWrist/);
    expect(decideByHead({ call: 0.3, hand: 0.5, none: 0.2 }, t, atEar).phone).toBe('hand');
    expect(decideByHead({ call: 0.3, hand: 0.3, none: 0.4 }, t, atEar)).toMatchObject({ phone: 'none', phoneScore: 0.3 });
  });

  it('with requireHandAtHead, a call whose wrists are all far from the head holds a phone but is not a call', () => {
    const down = geometry([137, 160]);
    expect(down.wristToHead).toBeGreaterThan(DEFAULT_PHONE_RULE.farFromHead);
    const p = { call: 0.5, hand: 0.2, none: 0.3 };
    expect(decideByHead(p, { call: 0.4, hand: 0.4, handAwayBeyond: Infinity }, down).phone).toBe('call');
    expect(decideByHead(p, { call: 0.4, hand: 0.4, handAwayBeyond: DEFAULT_PHONE_RULE.farFromHead }, down).phone).toBe('hand');
    expect(decideByHead(p, { call: 0.4, hand: 0.4, handAwayBeyond: DEFAULT_PHONE_RULE.farFromHead }, geometry([118, 48])).phone).toBe('call');
  });
});
