/**
 * Presence of one person in one zone, kept continuous across what the tracker cannot: a person
 * hidden for a moment, a track lost and re-found under a new id. Dwell is measured per presence,
 * never per track, so a tracker id change mid-way neither restarts the dwell clock nor starts a
 * second event.
 */
import type { Box, PhoneState } from '../types.js';
import { footPoint } from './zone-membership.js';
import type { TrackView } from './types.js';

export interface ZonePresence {
  /** Counts from 1 per zone; identifies the presence to the behaviours. */
  readonly seq: number;
  /** The track following the presence now (the last one seen). */
  readonly trackId: number;
  /** Every track id the presence went through, oldest first. */
  readonly trackIds: readonly number[];
  readonly enteredAtMs: number;
  /** Last frame the person was seen in the zone. */
  readonly lastSeenMs: number;
  /** Whether the person was seen in the zone in the frame just evaluated. */
  readonly seen: boolean;
  readonly box: Box;
  readonly phone: PhoneState;
  readonly phoneScore: number;
}

export interface ZonePresenceOptions {
  gapMs: number;
  /** In last box heights. */
  rejoinDistance: number;
}

export interface PresenceUpdate {
  /** Presences alive after this frame, seen or in their gap, oldest first. */
  active: ZonePresence[];
  /** Presences whose gap ran out in this frame. */
  ended: ZonePresence[];
}

interface MutablePresence {
  seq: number;
  trackId: number;
  trackIds: number[];
  enteredAtMs: number;
  lastSeenMs: number;
  seen: boolean;
  box: Box;
  phone: PhoneState;
  phoneScore: number;
}

export class ZonePresenceTracker {
  private presences: MutablePresence[] = [];
  private nextSeq = 1;

  constructor(private readonly options: ZonePresenceOptions) {}

  /**
   * @param inZone confirmed tracks in the zone this frame
   * @param confirmedIds every confirmed track id in the frame, in the zone or not: a presence whose
   *   own track is still confirmed elsewhere has simply walked out, and nobody may take it over
   */
  update(atMs: number, inZone: readonly TrackView[], confirmedIds: ReadonlySet<number>): PresenceUpdate {
    for (const p of this.presences) p.seen = false;
    const byTrack = new Map(this.presences.map((p) => [p.trackId, p]));
    const unclaimed: TrackView[] = [];
    for (const track of inZone) {
      const own = byTrack.get(track.id);
      if (own) see(own, track, atMs);
      else unclaimed.push(track);
    }

    const orphans = this.presences.filter((p) => !p.seen && atMs - p.lastSeenMs <= this.options.gapMs && !confirmedIds.has(p.trackId));
    for (const [presence, track] of this.rejoins(orphans, unclaimed)) {
      presence.trackId = track.id;
      if (!presence.trackIds.includes(track.id)) presence.trackIds.push(track.id);
      see(presence, track, atMs);
      unclaimed.splice(unclaimed.indexOf(track), 1);
    }

    for (const track of unclaimed) {
      const presence: MutablePresence = {
        seq: this.nextSeq++, trackId: track.id, trackIds: [track.id], enteredAtMs: atMs, lastSeenMs: atMs,
        seen: false, box: track.box, phone: track.phone, phoneScore: track.phoneScore,
      };
      see(presence, track, atMs);
      this.presences.push(presence);
    }

    const ended = this.presences.filter((p) => atMs - p.lastSeenMs > this.options.gapMs);
    if (ended.length > 0) this.presences = this.presences.filter((p) => !ended.includes(p));
    return { active: [...this.presences], ended };
  }

  /** Ends every presence (camera stopped); returns them. */
  clear(): ZonePresence[] {
    const all = this.presences;
    this.presences = [];
    return all;
  }

  /** Nearest pairs first, so two people re-found at once each get their own presence back. */
  private rejoins(orphans: MutablePresence[], tracks: TrackView[]): [MutablePresence, TrackView][] {
    const pairs: { presence: MutablePresence; track: TrackView; distance: number }[] = [];
    for (const presence of orphans) {
      const [lx, ly] = footPoint(presence.box);
      const reach = this.options.rejoinDistance * (presence.box[3] - presence.box[1]);
      for (const track of tracks) {
        const [x, y] = footPoint(track.box);
        const distance = Math.hypot(x - lx, y - ly);
        if (distance <= reach) pairs.push({ presence, track, distance });
      }
    }
    pairs.sort((a, b) => a.distance - b.distance);
    const taken = new Set<MutablePresence | TrackView>();
    const out: [MutablePresence, TrackView][] = [];
    for (const { presence, track } of pairs) {
      if (taken.has(presence) || taken.has(track)) continue;
      taken.add(presence);
      taken.add(track);
      out.push([presence, track]);
    }
    return out;
  }
}

function see(p: MutablePresence, track: TrackView, atMs: number): void {
  p.seen = true;
  p.lastSeenMs = atMs;
  p.box = track.box;
  p.phone = track.phone;
  p.phoneScore = track.phoneScore;
}
