/**
 * Each camera's live picture: the agent's latest analysed frame as a JPEG with zones and tracked
 * people drawn on it. One request per camera at a time, about once a second, and none while the
 * page is hidden (a handheld in a pocket costs the edge box nothing). The agent encodes at most
 * two pictures a second per camera whoever watches, so more screens cost no more.
 */
import { el } from '../shared/dom.js';
import { localTime } from './labels.js';
import type { CameraInfo } from './types.js';
import type { ErrorBody } from '../../../edge/src/wire/api/error.js';

const POLL_MS = 1000;
const WAIT_MS = 3000;

export interface LiveTile {
  readonly camera: string;
  setState(state: string, detail?: string): void;
}

export function liveTiles(container: HTMLElement, cameras: CameraInfo[], query = ''): LiveTile[] {
  return cameras.filter((c) => c.live).map((camera) => {
    const img = el('img', {
      alt: `カメラ ${camera.id} のライブ映像 / Live picture of camera ${camera.id}`,
      width: String(camera.width ?? 640),
      height: String(camera.height ?? 480),
    });
    const state = el('span', { class: 'state' }, camera.state);
    const updated = el('span', { class: 'updated' }, '—');
    const message = el('span', { class: 'note' });
    const figure = el('figure', { class: 'camera-tile', 'data-camera': camera.id }, img,
      el('figcaption', {}, el('strong', {}, camera.id), ' ', state, ' ', updated, ' ', message));
    container.append(figure);
    void poll(camera.id, img, updated, message, query);
    return {
      camera: camera.id,
      setState(s: string, detail?: string) {
        state.textContent = s;
        state.dataset.state = s;
        state.title = detail ?? '';
      },
    };
  });
}

async function poll(camera: string, img: HTMLImageElement, updated: HTMLElement, message: HTMLElement, query: string): Promise<void> {
  let shown: string | null = null;
  for (;;) {
    if (document.hidden) {
      await new Promise<void>((resolve) => document.addEventListener('visibilitychange', () => resolve(), { once: true }));
      continue;
    }
    let wait = POLL_MS;
    try {
      const res = await fetch(`/api/cameras/${encodeURIComponent(camera)}/live.jpg${query}`, { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) {
        location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
        return;
      }
      if (res.ok) {
        const url = URL.createObjectURL(await res.blob());
        img.src = url;
        // The previous picture is released once the new one is decoded, so nothing flickers.
        await img.decode().catch(() => undefined);
        if (shown) URL.revokeObjectURL(shown);
        shown = url;
        img.dataset.frameSeq = res.headers.get('x-frame-seq') ?? '';
        const at = res.headers.get('x-frame-at');
        updated.textContent = at ? localTime(at) : '';
        message.textContent = '';
      } else {
        const body = (await res.json().catch(() => ({}))) as Partial<ErrorBody>;
        message.textContent = body.error ?? res.statusText;
        wait = WAIT_MS;
      }
    } catch {
      message.textContent = '接続待ち / agent unreachable';
      wait = WAIT_MS;
    }
    await new Promise((r) => setTimeout(r, wait));
  }
}
