/**
 * Disk use and the `storage_full` alarm, read from `/api/status`: the agent reports them as
 * `storage: { storageFull, since, recordingPaused, usedBytes, budgetBytes, measure, disk, lastRun }`
 * with `disk: { freeBytes, reserveBytes, writeFailures }` (null before its first cleaner run). The reader also accepts near shapes (a `retention` or `disk`
 * object, the alarm in an `alarms` list) so a renamed field does not silently read as "fine", and
 * says "not reported" when there is nothing: the screen never claims a disk is fine when it was
 * not told.
 */
export interface StorageView {
  usedBytes: number | null;
  budgetBytes: number | null;
  /** The `storage_full` alarm is on. */
  full: boolean;
  /** When the alarm came on. */
  since: string | null;
  /** Recording is stopped until there is room again. */
  recordingPaused: boolean;
  /** Which budget binds: the filesystem's percentage (`disk`), its free space (`free`) or the footage index's bytes (`index`). */
  measure: string | null;
  /** Free on the data filesystem, the disk reserve held back for alerts, and writes refused or skipped since start. */
  freeBytes: number | null;
  reserveBytes: number | null;
  writeFailures: number | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function storageFrom(status: Json): StorageView | null {
  const section = [status.storage, status.retention, status.disk].find(isObject) ?? null;
  const nested = section && isObject(section.disk) ? section.disk : null;
  const pick = (...keys: string[]): number | null => {
    for (const source of [nested, section]) {
      if (!source) continue;
      for (const k of keys) {
        const v = num(source[k]);
        if (v !== null) return v;
      }
    }
    return null;
  };
  const usedBytes = pick('usedBytes', 'used', 'diskUsedBytes');
  const budgetBytes = pick('budgetBytes', 'budget', 'maxBytes', 'diskBudgetBytes');
  const full = alarmOn(status);
  if (usedBytes === null && budgetBytes === null && !full && !section) return null;
  return {
    usedBytes, budgetBytes, full,
    since: typeof section?.since === 'string' ? section.since : null,
    recordingPaused: section?.recordingPaused === true,
    measure: typeof section?.measure === 'string' ? section.measure : null,
    freeBytes: num(nested?.freeBytes),
    reserveBytes: num(nested?.reserveBytes),
    writeFailures: num(nested?.writeFailures),
  };
}

/** Whether anything in the status says storage_full is on. */
function alarmOn(value: unknown, depth = 0): boolean {
  if (depth > 4) return false;
  if (Array.isArray(value)) return value.some((v) => v === 'storage_full' || (isObject(v) && namesAlarm(v)) || alarmOn(v, depth + 1));
  if (!isObject(value)) return false;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'storage_full' || k === 'storageFull') {
      if (v === true || (isObject(v) && v.active !== false && v.on !== false)) return true;
    } else if (k === 'full' && v === true && depth > 0) {
      return true;
    } else if (alarmOn(v, depth + 1)) {
      return true;
    }
  }
  return false;
}

function namesAlarm(v: Json): boolean {
  const named = ['name', 'kind', 'type', 'id', 'alarm'].some((k) => v[k] === 'storage_full');
  return named && v.active !== false && v.on !== false && !v.cleared && !v.clearedAt;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${v.toFixed(v >= 100 || i === 0 ? 0 : 1)} ${units[i]}`;
}
