/**
 * What the chaos suite reads from `GET /api/status`: today's fields plus the ones the fixes of
 * issue 11 add (docs: /work/briefs/contracts.md, mirrored in docs/reliability.md). The added
 * fields are optional here so a missing one is reported as a broken invariant by name, not as a
 * TypeError.
 */
export interface AnalysisStatus {
  readonly state: 'running' | 'stalled' | 'stopped';
  readonly since: string;
  readonly reason: string | null;
  readonly frameErrors: number;
  readonly restarts: number;
}

export interface CameraStatus {
  readonly id: string;
  readonly state: string;
  readonly lastError: string | null;
  readonly restarts: number;
  readonly analysedFrames: number;
  readonly events: number;
  readonly analysis?: AnalysisStatus;
  readonly recorder: {
    readonly state: string;
    readonly segments?: number;
    readonly reason?: string;
    readonly mode?: 'copy' | 'transcode';
    readonly codec?: string | null;
  } | null;
}

export interface AgentStatus {
  readonly site: string;
  readonly startedAt: string;
  readonly mqtt: { readonly connected: boolean; readonly pending: number; readonly embedded: boolean };
  readonly cameras: readonly CameraStatus[];
  readonly workers?: { readonly size: number; readonly running: number; readonly respawns: number };
  readonly storage: {
    readonly storageFull: boolean;
    readonly recordingPaused?: boolean;
    readonly disk?: { readonly freeBytes: number; readonly reserveBytes: number; readonly writeFailures: number };
  } | null;
}

/** One camera's status by id; throws naming the camera when it is missing. */
export function cameraStatus(status: AgentStatus, id: string): CameraStatus {
  const camera = status.cameras.find((c) => c.id === id);
  if (!camera) throw new Error(`/api/status has no camera "${id}" (cameras: ${status.cameras.map((c) => c.id).join(', ')})`);
  return camera;
}
