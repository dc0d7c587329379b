/**
 * `/health`: what the agent reports in `/api/status`, refreshed every few seconds: the storage and
 * analysis alarms first and large, disk use against its budget, the broker connection and the
 * outbox backlog, the inference workers, and each camera's state, frame rates, dropped frames,
 * restarts and analysis.
 */
import '../shared/base.css';
import '../live/live.css';
import '../health/health.css';
import { api } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { analysisFrom, stalledText, type AnalysisView, type CameraAnalysis } from '../health/analysis.js';
import { formatBytes, storageFrom } from '../health/storage.js';
import { localTime } from '../live/labels.js';
import { topbar } from '../live/nav.js';
import type { AgentStatus as Status, CameraStatus } from '../live/types.js';

const REFRESH_MS = 5000;

const statusLine = byId('health-status');

async function main(): Promise<void> {
  await topbar();
  await refresh();
  setInterval(() => void refresh(), REFRESH_MS);
}

async function refresh(): Promise<void> {
  let s: Status;
  try {
    s = await api<Status>('/api/status');
  } catch (err) {
    statusLine.textContent = `エージェントに接続できません / Agent unreachable: ${err instanceof Error ? err.message : String(err)}`;
    return;
  }
  statusLine.textContent = `${s.site} — 起動 / started ${localTime(s.startedAt)}; 更新 / updated ${localTime(new Date().toISOString())}`;
  storage(s);
  broker(s);
  const analysis = analysisFrom(s);
  analysisAlarm(analysis);
  inference(analysis);
  cameras(s.cameras ?? [], analysis);
}

function analysisAlarm(view: AnalysisView | null): void {
  const alarm = byId('analysis-alarm');
  const on = (view?.stalled.length ?? 0) > 0;
  alarm.hidden = !on;
  alarm.textContent = on ? stalledText(view!) : '';
}

function inference(view: AnalysisView | null): void {
  const dl = byId('inference');
  const w = view?.workers;
  if (!w) {
    dl.replaceChildren(el('dt', {}, '状態 / State'), el('dd', {}, '報告なし / not reported'));
    return;
  }
  dl.replaceChildren(
    el('dt', {}, 'ワーカー / Workers running'),
    el('dd', { class: w.running < w.size ? 'bad' : 'good', id: 'workers-running' }, `${w.running} / ${w.size}`),
    el('dt', {}, '再起動 / Respawns'), el('dd', { class: w.respawns > 0 ? 'bad' : '', id: 'workers-respawns' }, String(w.respawns)),
  );
}

function analysisCell(a: CameraAnalysis | undefined): Node {
  if (!a) return el('td', {}, '—');
  const cls = a.state === 'running' ? 'good' : a.state === 'stalled' ? 'bad' : '';
  return el('td', { class: cls }, a.reason ? `${a.state}: ${a.reason}` : a.state);
}

function storage(s: Status): void {
  const view = storageFrom(s);
  const alarm = byId('storage-alarm');
  alarm.hidden = !view?.full;
  alarm.textContent = view?.full
    ? `ディスクが一杯です (storage_full)${view.recordingPaused ? '：録画を停止中' : ''} / Storage full${view.recordingPaused ? ': recording is paused' : ''}${view.since ? ` (${localTime(view.since)} ~)` : ''}`
    : '';
  const box = byId('storage');
  if (!view) {
    box.replaceChildren(el('p', {}, 'このエージェントはディスク使用量を報告していません / Disk use is not reported by this agent'));
    return;
  }
  const parts: Node[] = [];
  if (view.usedBytes !== null && view.budgetBytes !== null && view.budgetBytes > 0) {
    // Low is good: past `high` the browser draws the meter in its warning colour, at the budget in its alarm colour.
    const meter = el('meter', {
      id: 'disk-meter', min: '0', max: String(view.budgetBytes), low: String(view.budgetBytes * 0.8), high: String(view.budgetBytes * 0.95),
      optimum: '0', value: String(view.usedBytes),
    });
    const share = Math.round((view.usedBytes / view.budgetBytes) * 100);
    const what = view.measure === 'index' ? '録画の上限 / recordings vs retention.maxBytes'
      : view.measure === 'free' ? '空き容量の下限 / free space vs retention.minFreeBytes' : 'ディスクの上限 / disk vs retention.maxDiskPercent';
    parts.push(el('label', { for: 'disk-meter' }, 'ディスク使用量 / Disk use vs budget'), meter,
      el('p', { id: 'disk-text' }, `${formatBytes(view.usedBytes)} / ${formatBytes(view.budgetBytes)} (${share}%, ${what})`));
  } else if (view.usedBytes !== null) {
    parts.push(el('p', { id: 'disk-text' }, `${formatBytes(view.usedBytes)} 使用 / used`));
  }
  if (view.freeBytes !== null) {
    // A reserve below what it should be, or refused writes, mean the disk has been full: worth a look.
    parts.push(el('p', { id: 'disk-free', class: view.writeFailures ? 'error' : '' },
      `空き / free ${formatBytes(view.freeBytes)} · 予備 / reserve ${formatBytes(view.reserveBytes ?? 0)} · 書き込み失敗 / refused writes ${view.writeFailures ?? 0}`));
  }
  parts.push(el('p', { class: view.full ? 'error' : '' }, view.full ? 'storage_full: オン / on' : 'storage_full: オフ / off'));
  box.replaceChildren(...parts);
}

function broker(s: Status): void {
  const m = s.mqtt;
  const dl = byId('broker');
  if (!m) {
    dl.replaceChildren(el('dt', {}, '状態 / State'), el('dd', {}, '不明 / unknown'));
    return;
  }
  dl.replaceChildren(
    el('dt', {}, '接続 / Connection'),
    el('dd', { class: m.connected ? 'good' : 'bad', id: 'broker-connected' }, m.connected ? '接続中 / connected' : '切断 / disconnected'),
    el('dt', {}, 'ブローカー / Broker'), el('dd', {}, `${m.url}${m.embedded ? ' (内蔵 / embedded)' : ''}`),
    el('dt', {}, '未送信 / Outbox pending'), el('dd', { class: m.pending > 0 && !m.connected ? 'bad' : '', id: 'outbox-pending' }, String(m.pending)),
  );
}

function cameras(list: CameraStatus[], analysis: AnalysisView | null): void {
  const body = byId('camera-table').querySelector('tbody')!;
  body.replaceChildren(...list.map((c) => {
    const a = analysis?.cameras.find((x) => x.camera === c.id);
    return el('tr', { 'data-camera': c.id },
    el('th', { scope: 'row' }, c.id),
    el('td', { class: c.state === 'streaming' ? 'good' : c.state === 'ended' ? '' : 'bad' }, c.state),
    el('td', {}, `${c.fpsIn} / ${c.fpsOut}`),
    el('td', {}, String(c.dropped)),
    el('td', { class: c.restarts > 0 ? 'bad' : '' }, String(c.restarts)),
    el('td', {}, c.lastFrameAt ? localTime(c.lastFrameAt) : '—'),
    // A recorder stopped by storage_full has no segment count to show.
    el('td', {}, c.recorder ? ('segments' in c.recorder ? `${c.recorder.state}, ${c.recorder.segments}` : c.recorder.state) : '—'),
    analysisCell(a),
    el('td', { class: (a?.frameErrors ?? 0) > 0 || (a?.restarts ?? 0) > 0 ? 'bad' : '' }, a ? `${a.frameErrors} / ${a.restarts}` : '—'),
    el('td', {}, c.lastError ?? ''),
    );
  }));
}

main().catch((err: unknown) => {
  statusLine.textContent = err instanceof Error ? err.message : String(err);
});
