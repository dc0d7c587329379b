/**
 * `/evidence`: the investigator's desk. Legal holds (place, list, release), exports of a hold
 * (start, watch, download), the audit log with its chain check, and verification of an uploaded
 * manifest or bundle. Every piece of data comes from the investigator/admin API; another role
 * sees the API's refusal in the alert and nothing else.
 */
import '../shared/base.css';
import '../live/live.css';
import '../evidence/evidence.css';
import { ApiError } from '../shared/api.js';
import { byId } from '../shared/dom.js';
import { topbar } from '../live/nav.js';
import { loadAudit } from '../evidence/audit.js';
import { exportList } from '../evidence/exports.js';
import { loadHolds, setUpCameraChoice, setUpHoldForm } from '../evidence/holds.js';
import { setUpVerify } from '../evidence/verify.js';
import type { Desk } from '../evidence/types.js';

const alertBox = byId('evidence-error');

function fail(err: unknown): void {
  alertBox.textContent = err instanceof Error ? err.message : String(err);
  // Refused: the page shows nothing it could not load.
  if (err instanceof ApiError && err.status === 403) byId('desk').hidden = true;
}

const desk: Desk = {
  fail,
  clearError: () => {
    alertBox.textContent = '';
  },
  refreshHolds: () => loadHolds(desk).catch(fail),
  refreshExports: () => refreshExports(),
  refreshAudit: () => loadAudit().catch(fail),
};
const refreshExports = exportList(fail, () => void desk.refreshAudit());

async function main(): Promise<void> {
  await topbar();
  // The holds list answers 403 for roles without access: that refusal is what they see.
  await loadHolds(desk);
  setUpHoldForm(desk);
  setUpVerify(desk);
  byId('holds-filter').addEventListener('change', () => void desk.refreshHolds());
  byId('audit-refresh').addEventListener('click', () => void desk.refreshAudit());
  await Promise.all([setUpCameraChoice(), refreshExports(), desk.refreshAudit()]);
}

main().catch(fail);
