/**
 * Holds on the evidence desk: the form that places one (POST /api/holds) and the list with its
 * actions: export (POST /api/holds/:id/exports) and release with a reason (POST /api/holds/:id/release).
 */
import { api } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { localInputToIso, showTime, toLocalInput } from './time.js';
import type { CameraList } from '../live/types.js';
import type { Desk, ExportStarted, Hold, HoldBody, ReleaseBody } from './types.js';

/** Camera checkboxes from GET /api/cameras, or a text field where the agent lists none. */
export async function setUpCameraChoice(): Promise<void> {
  const box = byId('hold-cameras');
  let ids: string[];
  try {
    ids = (await api<CameraList>('/api/cameras')).cameras.map((c) => c.id);
  } catch {
    ids = [];
  }
  if (ids.length === 0) {
    box.append(
      el('label', { for: 'hold-cameras-text' }, 'カメラ ID（カンマ区切り） / Camera ids, comma separated'),
      el('input', { id: 'hold-cameras-text', name: 'cameras', autocomplete: 'off' }),
    );
    return;
  }
  for (const id of ids) {
    const input = el('input', { type: 'checkbox', name: 'camera', value: id, id: `hold-camera-${id}` });
    box.append(el('label', { for: input.id }, input, id));
  }
}

function selectedCameras(): string[] {
  const text = document.getElementById('hold-cameras-text') as HTMLInputElement | null;
  if (text) return text.value.split(',').map((s) => s.trim()).filter(Boolean);
  return [...document.querySelectorAll<HTMLInputElement>('#hold-cameras input[name="camera"]:checked')].map((c) => c.value);
}

export function setUpHoldForm(desk: Desk): void {
  const form = byId<HTMLFormElement>('hold-form');
  // Sensible defaults: the last hour up to now.
  const now = new Date();
  byId<HTMLInputElement>('hold-to').value = toLocalInput(now);
  byId<HTMLInputElement>('hold-from').value = toLocalInput(new Date(now.getTime() - 3600_000));
  const offset = -now.getTimezoneOffset();
  byId('hold-tz').textContent = `日時はこの端末の時刻です (UTC${offset >= 0 ? '+' : '-'}${Math.abs(offset / 60)}) / Times are this computer's local time`;
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    desk.clearError();
    const value = (id: string): string => byId<HTMLInputElement>(id).value;
    const from = localInputToIso(value('hold-from'));
    const to = localInputToIso(value('hold-to'));
    const expiresText = value('hold-expires');
    const expires = expiresText ? localInputToIso(expiresText) : null;
    if (!from || !to || (expiresText && !expires)) {
      desk.fail(new Error('日時を確認してください / Check the dates and times'));
      return;
    }
    const cameras = selectedCameras();
    const body: HoldBody = {
      caseNumber: value('hold-case').trim(), officer: value('hold-officer').trim(), station: value('hold-station').trim(), reason: value('hold-reason').trim(),
      from, to, ...(cameras.length > 0 ? { cameras } : {}), ...(expires ? { expires } : {}),
    };
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement;
    button.disabled = true;
    api<Hold>('/api/holds', { body })
      .then(async () => {
        byId<HTMLInputElement>('hold-case').value = '';
        await Promise.all([desk.refreshHolds(), desk.refreshAudit()]);
      })
      .catch((err: unknown) => desk.fail(err))
      .finally(() => {
        button.disabled = false;
      });
  });
}

function stateOf(h: Hold): { text: string; cls: string } {
  if (h.releasedAt) return { text: `解除済み / Released ${showTime(h.releasedAt)} (${h.releasedBy ?? ''}${h.releaseReason ? `: ${h.releaseReason}` : ''})`, cls: 'state-released' };
  if (!h.active) return { text: `期限切れ / Expired ${showTime(h.expiresAt)}`, cls: 'state-expired' };
  return { text: `有効 / Active${h.expiresAt ? ` (〜${showTime(h.expiresAt)})` : ''}`, cls: 'state-active' };
}

function row(h: Hold, desk: Desk): HTMLTableRowElement {
  const state = stateOf(h);
  const actions = el('div', { class: 'actions' });
  const exportButton = el('button', { type: 'button', 'aria-label': `書き出し / Export ${h.caseNumber}` }, '書き出し / Export');
  exportButton.addEventListener('click', () => {
    desk.clearError();
    exportButton.disabled = true;
    api<ExportStarted>(`/api/holds/${encodeURIComponent(h.id)}/exports`, { method: 'POST', body: {} })
      .then(() => desk.refreshExports())
      .catch((err: unknown) => desk.fail(err))
      .finally(() => {
        exportButton.disabled = false;
      });
  });
  actions.append(exportButton);
  if (!h.releasedAt) {
    const reasonId = `release-reason-${h.id}`;
    const reason = el('input', { id: reasonId, autocomplete: 'off', placeholder: '解除理由 / reason' });
    const release = el('button', { type: 'button', class: 'secondary', 'aria-label': `解除 / Release ${h.caseNumber}` }, '解除 / Release');
    release.addEventListener('click', () => {
      desk.clearError();
      release.disabled = true;
      const text = reason.value.trim();
      const body: ReleaseBody = text ? { reason: text } : {};
      api<Hold>(`/api/holds/${encodeURIComponent(h.id)}/release`, { body })
        .then(() => Promise.all([desk.refreshHolds(), desk.refreshAudit()]))
        .catch((err: unknown) => desk.fail(err))
        .finally(() => {
          release.disabled = false;
        });
    });
    actions.append(el('label', { for: reasonId, class: 'visually-hidden' }, `解除理由 / Release reason (${h.caseNumber})`), reason, release);
  }
  return el('tr', { 'data-hold': h.id, 'data-case': h.caseNumber },
    el('th', { scope: 'row' }, h.caseNumber),
    el('td', {}, `${showTime(h.from)} 〜 ${showTime(h.to)}`),
    el('td', {}, h.cameras.length > 0 ? h.cameras.join(', ') : '全カメラ / all'),
    el('td', {}, `${h.officer} (${h.station}); ${h.reason}; 登録 / entered by ${h.createdBy}`),
    el('td', { class: state.cls }, state.text),
    el('td', {}, actions),
  );
}

export async function loadHolds(desk: Desk): Promise<void> {
  const filter = byId<HTMLSelectElement>('holds-filter').value;
  const holds = await api<Hold[]>(`/api/holds${filter ? `?active=${filter}` : ''}`);
  const body = byId('holds-table').querySelector('tbody')!;
  body.replaceChildren(...(holds.length > 0
    ? [...holds].reverse().map((h) => row(h, desk))
    : [el('tr', {}, el('td', { colspan: '6' }, '保全はありません / No holds'))]));
}
