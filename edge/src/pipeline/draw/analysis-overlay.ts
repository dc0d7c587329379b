/**
 * Draws an analysed frame: person boxes coloured by phone state, skeletons, phone evidence and other
 * objects. Rendered as SVG composited by sharp, so no canvas dependency is needed on the edge box.
 */
import sharp from 'sharp';
import { phoneRuleSchema } from '../../config/schema.js';
import type { FrameAnalysis, Keypoint, KeypointName, PhoneState, RgbFrame } from '../types.js';

/** Keypoints the phone rule ignores are not drawn either (its default, perception.phone.minKeypointScore). */
const DEFAULT_MIN_KEYPOINT_SCORE = phoneRuleSchema.shape.minKeypointScore.parse(undefined);

export const STATE_COLOUR: Record<PhoneState, string> = { call: '#ff2d2d', hand: '#ffb000', none: '#2dd4ff' };

const BONES: [KeypointName, KeypointName][] = [
  ['leftShoulder', 'rightShoulder'], ['leftShoulder', 'leftElbow'], ['leftElbow', 'leftWrist'],
  ['rightShoulder', 'rightElbow'], ['rightElbow', 'rightWrist'], ['leftShoulder', 'leftHip'],
  ['rightShoulder', 'rightHip'], ['leftHip', 'rightHip'], ['leftHip', 'leftKnee'], ['leftKnee', 'leftAnkle'],
  ['rightHip', 'rightKnee'], ['rightKnee', 'rightAnkle'], ['leftEar', 'leftEye'], ['leftEye', 'nose'],
  ['nose', 'rightEye'], ['rightEye', 'rightEar'],
];

export const escapeXml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
const f1 = (v: number): string => v.toFixed(1);

/** SVG of the analysis in the frame's pixel space (analysis coordinates scaled by `scale`). */
export function analysisSvg(analysis: FrameAnalysis, width: number, height: number, minKeypointScore = DEFAULT_MIN_KEYPOINT_SCORE): string {
  const stroke = Math.max(2, Math.round(width / 320));
  const font = Math.max(12, Math.round(width / 45));
  const parts: string[] = [];
  for (const obj of analysis.objects) {
    if (obj.label === 'person') continue;
    const [x1, y1, x2, y2] = obj.box;
    parts.push(`<rect x="${f1(x1)}" y="${f1(y1)}" width="${f1(x2 - x1)}" height="${f1(y2 - y1)}" fill="none" stroke="#b0ff2d" stroke-width="${stroke}" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${f1(x1)}" y="${f1(Math.max(font, y1 - 4))}" fill="#b0ff2d" font-size="${font}" font-family="sans-serif">${escapeXml(obj.label)} ${obj.score.toFixed(2)}</text>`);
  }
  for (const person of analysis.people) {
    const colour = STATE_COLOUR[person.phone];
    const [x1, y1, x2, y2] = person.box;
    parts.push(`<rect x="${f1(x1)}" y="${f1(y1)}" width="${f1(x2 - x1)}" height="${f1(y2 - y1)}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>`);
    const byName = new Map<KeypointName, Keypoint>();
    for (const k of person.keypoints) if (k.score >= minKeypointScore) byName.set(k.name, k);
    for (const [a, b] of BONES) {
      const pa = byName.get(a);
      const pb = byName.get(b);
      if (pa && pb) parts.push(`<line x1="${f1(pa.x)}" y1="${f1(pa.y)}" x2="${f1(pb.x)}" y2="${f1(pb.y)}" stroke="${colour}" stroke-width="${stroke}" stroke-opacity="0.7"/>`);
    }
    for (const k of byName.values()) {
      const used = person.evidence.keypoints.includes(k.name);
      parts.push(`<circle cx="${f1(k.x)}" cy="${f1(k.y)}" r="${stroke * (used ? 2 : 1.2)}" fill="${used ? '#ffffff' : colour}" stroke="${colour}"/>`);
    }
    // With the learned head deciding, the rule's verdict on the same person is shown beside it.
    const rule = person.evidence.head && person.evidence.rule ? ` · rule ${person.evidence.rule.phone}` : '';
    const label = `${person.phone} ${person.phoneScore.toFixed(2)}${rule}`;
    parts.push(`<rect x="${f1(x1)}" y="${f1(Math.max(0, y1 - font - 6))}" width="${f1(label.length * font * 0.62 + 8)}" height="${font + 6}" fill="${colour}"/>`);
    parts.push(`<text x="${f1(x1 + 4)}" y="${f1(Math.max(font, y1 - 5))}" fill="#000" font-size="${font}" font-family="sans-serif">${escapeXml(label)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** Writes the analysed frame with its overlay; the format follows the file's extension. */
export async function drawAnalysis(frame: RgbFrame, analysis: FrameAnalysis, outFile: string): Promise<void> {
  const svg = Buffer.from(analysisSvg(analysis, frame.width, frame.height));
  await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .composite([{ input: svg, top: 0, left: 0 }])
    .toFile(outFile);
}
