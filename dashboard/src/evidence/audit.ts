/**
 * The audit log (GET /api/audit, newest entries first) and its hash-chain check
 * (GET /api/audit/verify), with the verdict in words a person acts on.
 */
import { api } from '../shared/api.js';
import { byId, el } from '../shared/dom.js';
import { showTime } from './time.js';
import type { AuditEntry, AuditVerdict } from './types.js';

/** The newest entries shown; the whole chain is still checked by the agent. */
const SHOWN = 200;

function details(d: Record<string, unknown>): string {
  return Object.entries(d).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
}

export async function loadAudit(): Promise<void> {
  const verdict = await api<AuditVerdict>('/api/audit/verify');
  const line = byId('audit-verdict');
  if (verdict.ok) {
    line.className = 'verdict good';
    line.textContent = `チェーン正常 / chain intact — ${verdict.entries} 件 / entries`;
  } else {
    line.className = 'verdict bad';
    line.textContent = `改ざんの疑い / chain BROKEN at entry ${verdict.seq}: ${verdict.reason}`;
  }
  const total = verdict.ok ? verdict.entries : verdict.seq + SHOWN;
  const entries = await api<AuditEntry[]>(`/api/audit?afterSeq=${Math.max(0, total - SHOWN)}&limit=${SHOWN}`);
  const body = byId('audit-table').querySelector('tbody')!;
  body.replaceChildren(...(entries.length > 0
    ? [...entries].reverse().map((e) => el('tr', { 'data-seq': String(e.seq), 'data-action': e.action },
      el('td', {}, String(e.seq)),
      el('td', {}, showTime(e.time)),
      el('td', {}, e.actor),
      el('th', { scope: 'row' }, e.action),
      el('td', { class: 'hash' }, e.subject ?? '—'),
      el('td', { class: 'hash' }, details(e.details)),
    ))
    : [el('tr', {}, el('td', { colspan: '6' }, '記録はありません / No entries'))]));
}
