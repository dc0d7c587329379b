/**
 * What every route module is given: the agent's services as the API sees them. A module of its own
 * so route files depend on this contract, not on the server that mounts them.
 */
import type { FastifyInstance } from 'fastify';
import type { HttpConfig } from '../config/schema.js';
import type { ExportService } from '../evidence/export-service.js';
import type { Logger } from '../log/logger.js';
import type { Store } from '../store/store.js';
import type { WriteGuard } from '../store/write-guard.js';
import type { LiveContext } from './live/live-bus.js';
import type { CameraAccess } from './routes/camera-routes.js';

export interface ApiContext {
  readonly log: Logger;
  readonly site: string;
  status(): unknown;
  store(): Store;
  /** Live screens (SSE) and acks from the dashboard; absent where no alert service runs (some tests). */
  readonly live?: LiveContext;
  /** Running cameras (live view, zones editor); absent where no pipelines run (some tests). */
  readonly cameras?: CameraAccess;
  /**
   * Every camera id in the config, enabled or not: holds and exports cover a disabled camera's
   * earlier footage too, as the CLI does. Default: the running cameras.
   */
  readonly configuredCameras?: readonly string[];
  /** ffmpeg.ffmpegPath from the config, for joining event clips. */
  readonly ffmpegPath?: string;
  /**
   * Runs the retention cleaner now (e.g. after a hold is released, so a storage_full alarm clears
   * at once rather than at the next scheduled run); absent where no cleaner runs.
   */
  readonly runRetention?: () => Promise<unknown>;
  /** `http.allowedOrigins` and `http.login` from the config; default: the schema's defaults. */
  readonly http?: Pick<HttpConfig, 'allowedOrigins' | 'login'>;
  /** The agent's export desk (it owns and closes it); absent in some tests, where the routes start their own. */
  readonly exports?: ExportService;
  /** The agent's write guard: a dashboard ack on a full disk is committed from the disk reserve. */
  readonly writes?: WriteGuard;
}

export type RouteModule = (app: FastifyInstance, ctx: ApiContext) => void;
