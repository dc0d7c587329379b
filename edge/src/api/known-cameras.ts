/** Camera ids that holds and exports may name. */
import type { ApiContext } from './api-context.js';

/** The configured cameras (a disabled camera's earlier footage counts too), else the running ones. */
export function knownCameraIds(ctx: ApiContext): string[] {
  return ctx.configuredCameras ? [...ctx.configuredCameras] : (ctx.cameras?.list().map((c) => c.id) ?? []);
}
