/**
 * The device's store as the footage source of an export: segments from the index, events
 * overlapping the range, paths resolved inside the data directory.
 */
import type { EventRecord, Store } from '../store/store.js';
import type { FootageSource } from './export-bundle.js';

/** The event repository's page limit. */
const PAGE = 10_000;
/**
 * Events are listed by start time only, so one that began before the range and ran into it is
 * found by also looking this far back. An event is one person's presence in a zone; a whole day
 * is far longer than any real one.
 */
export const EVENT_LOOKBACK_MS = 24 * 3600_000;

type EventsApi = Pick<Store['events'], 'list'>;

/** Every event of the camera that started in [since, until), however many: a full page is split in two. */
function startedIn(events: EventsApi, camera: string, since: number, until: number, out: Map<string, EventRecord>): void {
  const page = events.list({ camera, since, until, limit: PAGE });
  if (page.length < PAGE || until - since <= 1) {
    for (const e of page) out.set(e.id, e);
    return;
  }
  const mid = since + Math.floor((until - since) / 2);
  startedIn(events, camera, since, mid, out);
  startedIn(events, camera, mid, until, out);
}

/** Events of `camera` whose [start, end] overlaps [fromMs, toMs); an open event ends at its last update. */
export function eventsOverlapping(events: EventsApi, camera: string, fromMs: number, toMs: number): EventRecord[] {
  const found = new Map<string, EventRecord>();
  startedIn(events, camera, Math.max(0, fromMs - EVENT_LOOKBACK_MS), toMs, found);
  return [...found.values()]
    .filter((e) => e.startedAt < toMs && (e.endedAt ?? e.updatedAt) >= fromMs)
    .sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
}

export function storeFootageSource(store: Pick<Store, 'segments' | 'events' | 'resolve'>): FootageSource {
  return {
    segments: (camera, fromMs, toMs) => store.segments.list({ camera, from: fromMs, to: toMs }),
    events: (camera, fromMs, toMs) => eventsOverlapping(store.events, camera, fromMs, toMs),
    resolve: (relative) => store.resolve(relative),
  };
}
