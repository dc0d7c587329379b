/**
 * The cameras for the dashboard's live view and zones editor:
 *
 * - `GET /api/cameras`: each running camera's state, picture size and zones (normalised
 *   polygons), and whether this user may watch it live. No images.
 * - `GET /api/cameras/:id/live.jpg`: the latest analysed frame with zones, tracked people, their
 *   track ids and phone state drawn over it; `?zones=0` leaves the zones out (the zones editor
 *   draws the zones being edited itself).
 *
 * Who sees what: store clerks and admins every camera; banks only cameras with an ATM zone (their
 * ATMs are what they answer for); investigators see the list (to filter events by camera) but no
 * live picture: their work is recorded evidence, and a live picture of customers is shown only to
 * those who must react to it. Live pictures are not written to the audit log: a viewer fetches
 * one every second or so, and the log records access to evidence, which these are not.
 *
 * Cost: a picture is drawn and encoded only when asked for, and at most every LIVE_MIN_INTERVAL_MS
 * per camera however many screens are watching: requests in between share the last JPEG.
 */
import type { FastifyInstance } from 'fastify';
import type { ZoneConfig } from '../../config/schema.js';
import { cameraIdParams, liveQuery, type CameraList } from '../../wire/api/cameras.js';
import type { SourceState } from '../../wire/api/status.js';
import type { LiveFrame } from '../../pipeline/camera-pipeline.js';
import { renderLiveJpeg } from '../../pipeline/draw/live-overlay.js';
import type { UserRecord } from '../../store/store.js';
import { currentUser, requireRole } from '../auth/guard.js';
import { HttpError, parseRequest } from '../http-error.js';
import type { ApiContext } from '../api-context.js';

/** One running camera, as the agent exposes it to the API. */
export interface CameraHandle {
  readonly id: string;
  state(): SourceState;
  zones(): readonly ZoneConfig[];
  liveFrame(): LiveFrame | null;
  /** Applies new zones to the running pipeline (from its next frame). */
  setZones(zones: readonly ZoneConfig[]): void;
}

export interface CameraAccess {
  list(): readonly CameraHandle[];
  /** The YAML file zones are saved to; null when the agent was started from an inline config. */
  readonly configFile: string | null;
}

export const LIVE_MIN_INTERVAL_MS = 500;

/** The cameras of the running agent, or a 503 where there are none to manage (some API tests). */
export function cameraAccess(ctx: ApiContext): CameraAccess {
  if (!ctx.cameras) throw new HttpError(503, 'cameras are not available: no camera pipelines run in this process');
  return ctx.cameras;
}

export function findCamera(ctx: ApiContext, id: string): CameraHandle {
  const camera = cameraAccess(ctx).list().find((c) => c.id === id);
  if (!camera) throw new HttpError(404, `no camera ${id}`);
  return camera;
}

const hasAtmZone = (camera: CameraHandle): boolean => camera.zones().some((z) => z.kind === 'atm');

function mayWatchLive(user: UserRecord, camera: CameraHandle): boolean {
  if (user.role === 'admin' || user.role === 'clerk') return true;
  return user.role === 'bank' && hasAtmZone(camera);
}

/** What a bank may see of the site: cameras with an ATM zone; everyone else every camera. */
function visibleTo(user: UserRecord, camera: CameraHandle): boolean {
  return user.role !== 'bank' || hasAtmZone(camera);
}

interface EncodedLive {
  readonly seq: number;
  readonly atMs: number;
  readonly encodedAt: number;
  readonly jpeg: Promise<Buffer>;
}

/**
 * The last JPEG per camera. A new one is encoded only when the camera has a newer frame and the
 * last encode is at least `minIntervalMs` old; concurrent viewers share one encode in flight.
 */
export class LiveJpegCache {
  private readonly last = new Map<string, EncodedLive>();
  /** How many JPEGs were encoded: lets tests check the cap. */
  encodes = 0;

  constructor(
    private readonly minIntervalMs = LIVE_MIN_INTERVAL_MS,
    private readonly render: (view: LiveFrame) => Promise<Buffer> = renderLiveJpeg,
    private readonly now: () => number = Date.now,
  ) {}

  get(camera: string, view: LiveFrame): EncodedLive {
    const cached = this.last.get(camera);
    if (cached && (cached.seq === view.frame.seq || this.now() - cached.encodedAt < this.minIntervalMs)) return cached;
    this.encodes += 1;
    const entry: EncodedLive = { seq: view.frame.seq, atMs: view.frame.atMs, encodedAt: this.now(), jpeg: this.render(view) };
    // A failed encode is not cached: the next request tries again.
    entry.jpeg.catch(() => {
      if (this.last.get(camera) === entry) this.last.delete(camera);
    });
    this.last.set(camera, entry);
    return entry;
  }
}

export function registerCameraRoutes(app: FastifyInstance, ctx: ApiContext): void {
  const live = new LiveJpegCache();

  app.get('/api/cameras', { preHandler: requireRole(ctx, 'clerk', 'bank', 'investigator') }, (req): CameraList => {
    const user = currentUser(req);
    const access = cameraAccess(ctx);
    return {
      cameras: access.list().filter((c) => visibleTo(user, c)).map((c) => {
        const frame = c.liveFrame()?.frame;
        return {
          id: c.id,
          state: c.state(),
          width: frame?.width ?? null,
          height: frame?.height ?? null,
          lastFrameAt: frame ? new Date(frame.atMs).toISOString() : null,
          live: mayWatchLive(user, c),
          zones: c.zones(),
        };
      }),
      // The zones editor needs to know whether a save can be written anywhere.
      zonesSavable: user.role === 'admin' && access.configFile !== null,
    };
  });

  app.get('/api/cameras/:id/live.jpg', { preHandler: requireRole(ctx, 'clerk', 'bank') }, async (req, reply) => {
    const { id } = parseRequest(cameraIdParams, req.params, 'params');
    const { zones } = parseRequest(liveQuery, req.query, 'query');
    const camera = findCamera(ctx, id);
    if (!mayWatchLive(currentUser(req), camera)) throw new HttpError(403, `camera ${id} has no ATM zone: banks see ATM cameras only`);
    const view = camera.liveFrame();
    if (!view) throw new HttpError(503, `camera ${id} has no picture yet (${camera.state()})`);
    const encoded = zones === '1' ? live.get(id, view) : live.get(`${id}?zones=0`, { ...view, zones: [] });
    const jpeg = await encoded.jpeg;
    return reply
      .type('image/jpeg')
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-seq', String(encoded.seq))
      .header('x-frame-at', new Date(encoded.atMs).toISOString())
      .send(jpeg);
  });
}
