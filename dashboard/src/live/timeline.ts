/**
 * The event timeline: newest first, each event with its snapshot, zone, severity, whether anyone
 * acknowledged it, and a button to play its clip. Rows are kept by event id across refreshes, so
 * a refresh changes only the text that changed and never fetches a snapshot again (each snapshot
 * view is an audit entry on the agent).
 */
import { el } from '../shared/dom.js';
import { BEHAVIOUR_LABEL, localTime, PHONE_LABEL, SEVERITY_LABEL } from './labels.js';
import type { EventItem } from './types.js';

export class Timeline {
  private readonly rows = new Map<string, { li: HTMLLIElement; update(e: EventItem): void }>();

  constructor(private readonly list: HTMLOListElement, private readonly onPlay: (e: EventItem) => void) {}

  render(events: EventItem[]): void {
    const keep = new Set(events.map((e) => e.id));
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    const ordered = events.map((e) => {
      let row = this.rows.get(e.id);
      if (!row) {
        row = this.row(e);
        this.rows.set(e.id, row);
      }
      row.update(e);
      return row.li;
    });
    // Moves only what is out of place (new events arrive at the top).
    ordered.forEach((li, i) => {
      if (this.list.children[i] !== li) this.list.insertBefore(li, this.list.children[i] ?? null);
    });
  }

  private row(e: EventItem): { li: HTMLLIElement; update(e: EventItem): void } {
    const severity = el('span', { class: 'severity' });
    const when = el('span', { class: 'when' });
    const dwell = el('span', { class: 'dwell' });
    const ack = el('span', { class: 'ack' });
    const play = el('button', { type: 'button', class: 'secondary' }, '映像を再生 / Play clip');
    play.setAttribute('aria-label', `イベント ${e.id} の映像を再生 / Play the clip of the ${e.behaviour} event on ${e.camera}`);
    play.addEventListener('click', () => this.onPlay(e));
    const picture = e.snapshot
      ? el('img', {
        class: 'snapshot', loading: 'lazy', width: '320', height: '240', src: `/api/events/${encodeURIComponent(e.id)}/snapshot`,
        alt: `${e.camera} ${e.zone}: ${BEHAVIOUR_LABEL[e.behaviour]} のスナップショット / snapshot`,
      })
      : el('div', { class: 'snapshot none' }, 'スナップショットなし / no snapshot');
    const li = el('li', { class: 'event', 'data-event-id': e.id, 'data-behaviour': e.behaviour },
      picture,
      el('div', { class: 'details' },
        el('h3', {}, BEHAVIOUR_LABEL[e.behaviour]),
        el('p', {}, severity, ' ', el('span', { class: 'where' }, `${e.camera} / ${e.zone}`), ' ', el('span', {}, `#${e.trackId}`)),
        el('p', {}, when, ' ', dwell),
        el('p', {}, ack),
        play));
    return {
      li,
      update(next: EventItem) {
        severity.textContent = SEVERITY_LABEL[next.severity];
        severity.dataset.severity = next.severity;
        when.textContent = `${localTime(next.startedAt)} – ${next.endedAt ? localTime(next.endedAt) : '継続中 / ongoing'}`;
        dwell.textContent = `${Math.round(next.dwellSeconds)} s, ${PHONE_LABEL[next.phone]}`;
        ack.textContent = next.ack ? `対応済み / Acknowledged by ${next.ack.by} ${localTime(next.ack.at)}` : '未対応 / Not acknowledged';
        ack.dataset.acked = next.ack ? 'true' : 'false';
      },
    };
  }
}
