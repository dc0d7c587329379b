/**
 * `PUT /api/cameras/:id/zones` (admin): the zones editor's save. The body is checked with the same
 * zone schema as the config file (outline included: no repeated corners, no zero area, no crossing
 * edges), errors named by path as at start (`zones[0].polygon: needs at least 3 points`); the zones are written into the site's YAML file
 * (comments kept, a backup beside it; config/save-zones.ts) and then applied to the running camera
 * from its next frame, without a restart. File first: a change the agent runs with but could not
 * write would silently vanish at the next restart.
 */
import type { FastifyInstance } from 'fastify';
import { formatIssues } from '../../config/load.js';
import { ConfigFileError, roundZones, saveCameraZones } from '../../config/save-zones.js';
import { cameraIdParams } from '../../wire/api/cameras.js';
import { zonesBody, type ZonesSaved } from '../../wire/api/zones.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';
import { cameraAccess, findCamera } from './camera-routes.js';

export function registerZoneRoutes(app: FastifyInstance, ctx: ApiContext): void {
  app.put('/api/cameras/:id/zones', { preHandler: requireRole(ctx, 'admin') }, async (req): Promise<ZonesSaved> => {
    const { id } = parseRequest(cameraIdParams, req.params, 'params');
    const camera = findCamera(ctx, id);
    const file = cameraAccess(ctx).configFile;
    if (file === null) {
      throw new HttpError(409, 'zones cannot be saved: this agent was started without a config file (inline config); start it with `mimamori run --config <site.yaml>`');
    }
    const parsed = zonesBody.safeParse(req.body ?? {});
    if (!parsed.success) throw new HttpError(400, formatIssues(parsed.error.issues).join('; '));
    const zones = roundZones(parsed.data.zones);
    // Rounding to what the file keeps can merge two close corners or flatten a sliver: the zone
    // the agent would run must itself pass, or the file check would blame "other problems".
    const rounded = zonesBody.safeParse({ zones });
    if (!rounded.success) throw new HttpError(400, `${formatIssues(rounded.error.issues).join('; ')} (coordinates rounded to 4 decimals)`);
    try {
      await saveCameraZones(file, id, zones);
    } catch (err) {
      if (err instanceof ConfigFileError) throw new HttpError(409, `zones not saved: ${err.message}`);
      throw err;
    }
    camera.setZones(zones);
    ctx.log.info('zones saved', { camera: id, by: currentUser(req).username, zones: zones.map((z) => z.id), file });
    return { camera: id, zones, saved: true };
  });
}
