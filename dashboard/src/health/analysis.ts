/**
 * Each camera's analysis and the inference workers, read from `/api/status`: per camera
 * `analysis: { state: running|stalled|stopped, since, reason, frameErrors, restarts }` and
 * `workers: { size, running, respawns }`. A camera is stalled when its frames arrive but none is
 * analysed, its loop is down or no worker runs; any stalled camera is the `analysis_stalled` alarm.
 * An agent that does not report analysis yields null: the screen does not claim it is fine.
 */
export interface CameraAnalysis {
  camera: string;
  state: string;
  since: string | null;
  reason: string | null;
  frameErrors: number;
  restarts: number;
}

export interface AnalysisView {
  cameras: CameraAnalysis[];
  /** The cameras whose analysis is stalled: the `analysis_stalled` alarm is on while any is. */
  stalled: CameraAnalysis[];
  workers: { size: number; running: number; respawns: number } | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function analysisFrom(status: Json): AnalysisView | null {
  const list = Array.isArray(status.cameras) ? status.cameras.filter(isObject) : [];
  const cameras = list.flatMap((c): CameraAnalysis[] => {
    const a = c.analysis;
    if (!isObject(a) || typeof c.id !== 'string') return [];
    return [{
      camera: c.id, state: text(a.state) ?? 'unknown', since: text(a.since), reason: text(a.reason),
      frameErrors: count(a.frameErrors), restarts: count(a.restarts),
    }];
  });
  const w = status.workers;
  const workers = isObject(w) ? { size: count(w.size), running: count(w.running), respawns: count(w.respawns) } : null;
  if (cameras.length === 0 && !workers) return null;
  return { cameras, stalled: cameras.filter((c) => c.state === 'stalled'), workers };
}

/** The alarm's one line: which cameras, and why. */
export function stalledText(view: AnalysisView): string {
  const which = view.stalled.map((c) => `${c.camera}${c.reason ? ` (${c.reason})` : ''}`).join(', ');
  return `映像解析が止まっています (analysis_stalled) / Analysis stalled: ${which}`;
}
