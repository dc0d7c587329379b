/**
 * `/`: live pictures of the cameras this user may watch, the event timeline with its filters,
 * snapshots and clips, and the storage and analysis alarms when they are on. Plain DOM, a few small polls: it has
 * to stay quick on a cheap handheld.
 */
import '../shared/base.css';
import '../live/live.css';
import { api, ApiError } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { analysisFrom, stalledText } from '../health/analysis.js';
import { formatBytes, storageFrom } from '../health/storage.js';
import { BEHAVIOUR_LABEL, localTime } from '../live/labels.js';
import { liveTiles, type LiveTile } from '../live/live-view.js';
import { topbar } from '../live/nav.js';
import { Timeline } from '../live/timeline.js';
import type { AgentStatus, CameraList, ClipInfo, EventItem } from '../live/types.js';

const EVENTS_REFRESH_MS = 10_000;
const STATUS_REFRESH_MS = 15_000;
const EVENTS_LIMIT = 50;

const filters = byId<HTMLFormElement>('filters');
const status = byId('events-status');
const timeline = new Timeline(byId<HTMLOListElement>('timeline'), (e) => void playClip(e));
let tiles: LiveTile[] = [];

async function main(): Promise<void> {
  await topbar();
  const { cameras } = await api<CameraList>('/api/cameras');
  const select = byId<HTMLSelectElement>('filter-camera');
  for (const c of cameras) select.append(el('option', { value: c.id }, c.id));
  if (cameras.some((c) => c.live)) {
    byId('live').hidden = false;
    tiles = liveTiles(byId('cameras'), cameras);
  }
  filters.addEventListener('change', () => void loadEvents());
  await loadEvents();
  setInterval(() => void loadEvents(), EVENTS_REFRESH_MS);
  await loadStatus();
  setInterval(() => void loadStatus(), STATUS_REFRESH_MS);
}

let loading = 0;
async function loadEvents(): Promise<void> {
  const query = new URLSearchParams();
  for (const [key, value] of new FormData(filters)) if (typeof value === 'string' && value !== '') query.set(key, value);
  query.set('limit', String(EVENTS_LIMIT));
  const mine = ++loading;
  try {
    const events = await api<EventItem[]>(`/api/events?${query.toString()}`);
    if (mine !== loading) return; // a newer filter answered first
    timeline.render(events);
    status.textContent = events.length === 0 ? 'イベントはありません / No events' : `${events.length} 件 / events`;
  } catch (err) {
    status.textContent = err instanceof Error ? err.message : String(err);
  }
}

/** Camera states on the tiles, and the storage and analysis alarms, from the agent's status. */
async function loadStatus(): Promise<void> {
  let s: AgentStatus;
  try {
    s = await api<AgentStatus>('/api/status');
  } catch {
    return; // the tiles say when the agent cannot be reached
  }
  for (const tile of tiles) {
    const c = s.cameras.find((x) => x.id === tile.camera);
    if (c) tile.setState(c.state, c.lastError ?? undefined);
  }
  const storage = storageFrom(s);
  const alarm = byId('storage-alarm');
  alarm.hidden = !storage?.full;
  alarm.textContent = storage?.full
    ? `ディスクが一杯です / Storage full${storage.usedBytes !== null && storage.budgetBytes !== null ? `: ${formatBytes(storage.usedBytes)} / ${formatBytes(storage.budgetBytes)}` : ''} — `
    : '';
  if (storage?.full) alarm.append(el('a', { href: '/health' }, '状態 / Health'));
  const analysis = analysisFrom(s);
  const stalled = analysis !== null && analysis.stalled.length > 0;
  const analysisAlarm = byId('analysis-alarm');
  analysisAlarm.hidden = !stalled;
  analysisAlarm.textContent = stalled ? `${stalledText(analysis)} — ` : '';
  if (stalled) analysisAlarm.append(el('a', { href: '/health' }, '状態 / Health'));
}

const dialog = byId<HTMLDialogElement>('clip-dialog');
const video = byId<HTMLVideoElement>('clip-video');
const clipError = byId('clip-error');
byId('clip-close').addEventListener('click', () => dialog.close());
dialog.addEventListener('close', () => {
  // Stops the download, so the agent ends its ffmpeg for this clip.
  video.pause();
  video.removeAttribute('src');
  video.load();
});

async function playClip(e: EventItem): Promise<void> {
  byId('clip-title').textContent = `${BEHAVIOUR_LABEL[e.behaviour]} — ${e.camera} / ${e.zone}, ${localTime(e.startedAt)}`;
  clipError.textContent = '';
  video.hidden = true;
  dialog.showModal();
  try {
    // Asked first: a missing clip is explained by the agent, which a <video> error cannot do.
    const clip = await api<ClipInfo>(`/api/events/${encodeURIComponent(e.id)}/clip`);
    video.hidden = false;
    video.src = clip.url;
    video.play().catch(() => undefined); // autoplay may be refused; the controls are there
  } catch (err) {
    clipError.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
  }
}
video.addEventListener('error', () => {
  if (video.getAttribute('src')) clipError.textContent = '映像を再生できません / The clip could not be played';
});

main().catch((err: unknown) => {
  status.textContent = err instanceof Error ? err.message : String(err);
});
