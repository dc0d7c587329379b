/**
 * The export list (GET /api/exports): status of each export, polled while one is running, and the
 * download link of each finished one (the agent audits every download).
 */
import { api } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { formatSize, showTime } from './time.js';
import type { ExportEntry } from './types.js';

const POLL_MS = 2000;
const STATUS: Record<ExportEntry['status'], string> = {
  running: '作成中 / running',
  done: '完了 / done',
  failed: '失敗 / failed',
};

function row(e: ExportEntry): HTMLTableRowElement {
  const status = el('td', { class: `state-${e.status}` }, STATUS[e.status]);
  if (e.error) status.append(el('br'), el('span', { class: 'error' }, e.error));
  const download = e.downloadUrl
    ? el('a', { href: e.downloadUrl, download: e.name, 'aria-label': `ダウンロード / Download ${e.name}` }, 'ダウンロード / Download')
    : '—';
  return el('tr', { 'data-export': e.name, 'data-status': e.status },
    el('th', { scope: 'row' }, e.name),
    el('td', {}, e.caseNumber),
    status,
    el('td', {}, formatSize(e.bytes)),
    el('td', { class: 'hash' }, e.manifestSha256 ?? '—'),
    el('td', {}, `${showTime(e.createdAt)}${e.createdBy ? ` (${e.createdBy})` : ''}`),
    el('td', {}, download),
  );
}

/** Loads the list; while an export runs, polls again until none does. */
export function exportList(onError: (err: unknown) => void, onSettled: () => void): () => Promise<void> {
  let timer: number | undefined;
  let wasRunning = false;
  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer);
    let list: ExportEntry[];
    try {
      list = await api<ExportEntry[]>('/api/exports');
    } catch (err) {
      onError(err);
      return;
    }
    const body = byId('exports-table').querySelector('tbody')!;
    body.replaceChildren(...(list.length > 0 ? list.map(row) : [el('tr', {}, el('td', { colspan: '7' }, '書き出しはありません / No exports yet'))]));
    const running = list.filter((e) => e.status === 'running').length;
    byId('exports-status').textContent = running > 0 ? `${running} 件作成中 / ${running} running…` : '';
    // An export finished: its export.create entry is in the audit log now.
    if (wasRunning && running === 0) onSettled();
    wasRunning = running > 0;
    if (running > 0 && !document.hidden) timer = window.setTimeout(() => void refresh(), POLL_MS);
  };
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && wasRunning) void refresh();
  });
  return refresh;
}
