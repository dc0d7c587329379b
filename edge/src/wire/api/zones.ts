/**
 * The zones editor's save, `PUT /api/cameras/:id/zones` (api/routes/zone-routes.ts). A zone is
 * the config file's own zone (config/schema.ts): what the editor sends is checked exactly as the
 * file is at start.
 */
import { z } from 'zod';
import { zoneSchema } from '../../config/schema.js';

/** Bounds beyond the config schema: every zone is tested for every person on every frame. */
export const MAX_ZONES = 32;
export const MAX_POINTS = 64;

/** A zone as the agent runs it: every default filled in. */
export const zone = zoneSchema;
export type Zone = z.output<typeof zoneSchema>;
/** A zone as the editor may send it: defaults may be left out. */
export type ZoneDraft = z.input<typeof zoneSchema>;

export const zonesBody = z
  .strictObject({ zones: z.array(zoneSchema).max(MAX_ZONES, `at most ${MAX_ZONES} zones per camera`) })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.zones.forEach((zone, i) => {
      if (seen.has(zone.id)) ctx.addIssue({ code: 'custom', path: ['zones', i, 'id'], message: `duplicate zone id "${zone.id}"` });
      seen.add(zone.id);
      if (zone.polygon.length > MAX_POINTS) ctx.addIssue({ code: 'custom', path: ['zones', i, 'polygon'], message: `at most ${MAX_POINTS} points` });
    });
  });
export type ZonesBody = z.input<typeof zonesBody>;

export const zonesSaved = z.strictObject({ camera: z.string(), zones: z.array(zone), saved: z.literal(true) });
export type ZonesSaved = z.infer<typeof zonesSaved>;
