/**
 * The cameras for the live view and the zones editor (api/routes/camera-routes.ts): the list, and
 * the parameters of the live picture.
 */
import { z } from 'zod';
import { sourceState } from './status.js';
import { zone } from './zones.js';
import { isoTime } from './time.js';

export const cameraIdParams = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a camera id') });
export const liveQuery = z.strictObject({
  zones: z.enum(['0', '1'], { message: 'must be 0 or 1' }).default('1').describe('0 leaves the zones out of the picture'),
});

export const cameraInfo = z.strictObject({
  id: z.string(),
  state: sourceState,
  width: z.int().positive().nullable().describe('Of the latest analysed frame; null before the first'),
  height: z.int().positive().nullable(),
  lastFrameAt: isoTime.nullable(),
  live: z.boolean().describe('Whether this user may fetch its live picture'),
  // Read-only: the running pipeline's own zones are handed out, never copied.
  zones: z.array(zone).readonly(),
});
export type CameraInfo = z.infer<typeof cameraInfo>;

export const cameraList = z.strictObject({
  cameras: z.array(cameraInfo),
  zonesSavable: z.boolean().describe('Whether this user can save zones: an admin, on an agent started from a config file'),
});
export type CameraList = z.infer<typeof cameraList>;
