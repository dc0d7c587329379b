/**
 * The dashboard's live picture: the latest analysed frame with its zones, the tracked people (box,
 * track id, phone state) drawn over it, encoded as a JPEG by sharp. Drawn only when a viewer asks
 * (see api/routes/camera-routes.ts for the rate cap), never per frame.
 */
import sharp from 'sharp';
import type { ZoneConfig, ZoneKind } from '../../config/schema.js';
import type { LiveFrame } from '../camera-pipeline.js';
import { escapeXml, STATE_COLOUR } from './analysis-overlay.js';

/** One colour per zone kind, the same on the live picture and in the zones editor. */
export const ZONE_COLOUR: Record<ZoneKind, string> = { atm: '#ff8c00', emoney_rack: '#d05cff', register: '#3ddc84', entrance: '#bdbdbd' };

const f1 = (v: number): string => v.toFixed(1);

export function liveSvg(view: LiveFrame): string {
  const { width, height } = view.frame;
  const stroke = Math.max(2, Math.round(width / 320));
  const font = Math.max(12, Math.round(width / 40));
  const parts: string[] = [];
  for (const zone of view.zones) parts.push(...zoneSvg(zone, width, height, stroke, font));
  // Tentative tracks are not drawn: they are not yet anyone the behaviours look at.
  for (const track of view.tracks) {
    if (track.state === 'tentative') continue;
    const colour = STATE_COLOUR[track.phone];
    const [x1, y1, x2, y2] = track.box;
    // A lost track is where the tracker expects the person: dashed, so it does not look like a detection.
    const dash = track.state === 'lost' ? ' stroke-dasharray="8 6"' : '';
    parts.push(`<rect x="${f1(x1)}" y="${f1(y1)}" width="${f1(Math.max(1, x2 - x1))}" height="${f1(Math.max(1, y2 - y1))}" fill="none" stroke="${colour}" stroke-width="${stroke}"${dash}/>`);
    const label = `#${track.id} ${track.phone}`;
    const top = Math.max(0, y1 - font - 6);
    parts.push(`<rect x="${f1(x1)}" y="${f1(top)}" width="${f1(label.length * font * 0.62 + 8)}" height="${font + 6}" fill="${colour}"/>`);
    parts.push(`<text x="${f1(x1 + 4)}" y="${f1(top + font + 1)}" fill="#000" font-size="${font}" font-family="sans-serif">${escapeXml(label)}</text>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

function zoneSvg(zone: ZoneConfig, width: number, height: number, stroke: number, font: number): string[] {
  const colour = ZONE_COLOUR[zone.kind];
  const points = zone.polygon.map(([x, y]) => `${f1(x * width)},${f1(y * height)}`).join(' ');
  const [lx, ly] = zone.polygon.reduce(([ax, ay], [x, y]) => [Math.min(ax, x), Math.min(ay, y)], [1, 1]);
  const label = `${zone.id} (${zone.kind})`;
  return [
    `<polygon points="${points}" fill="${colour}" fill-opacity="0.15" stroke="${colour}" stroke-width="${stroke}" stroke-dasharray="12 6"/>`,
    `<text x="${f1(lx * width + 4)}" y="${f1(Math.min(height - 4, ly * height + font + 2))}" fill="${colour}" stroke="#000" stroke-width="0.6" font-size="${font}" font-weight="bold" font-family="sans-serif">${escapeXml(label)}</text>`,
  ];
}

export async function renderLiveJpeg(view: LiveFrame, quality = 70): Promise<Buffer> {
  const { width, height, data } = view.frame;
  return sharp(data, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(liveSvg(view)), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
}
