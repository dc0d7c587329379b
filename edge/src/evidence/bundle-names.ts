/**
 * File names inside and of an evidence bundle. Case numbers come from a police request, camera ids
 * and segment names from config and the index: none of them is trusted as a path. Each becomes one
 * path component of letters, digits, ".", "_" and "-" (Unicode letters kept, so 令和8年第12号 stays
 * readable), never "." or "..", never hidden, never a Windows device name, and short enough for
 * FAT/exFAT USB sticks that evidence is often carried on.
 */

const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;
const MAX_COMPONENT = 80;

/** One safe path component made from `raw`, or `fallback` when nothing usable is left. */
export function safeComponent(raw: string, fallback: string, maxLength = MAX_COMPONENT): string {
  let s = raw
    .normalize('NFKC')
    // Everything but letters, digits, ".", "_" and "-" (so "/", "\", ":", NUL, spaces, controls,
    // bidi overrides) becomes "_".
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/_{2,}/g, '_')
    // Leading dots would hide the file or make "..": trailing dots and "_" are dropped by Windows.
    .replace(/^[._-]+/, '')
    .replace(/[._]+$/, '');
  s = Array.from(s).slice(0, maxLength).join('').replace(/[._]+$/, '');
  if (s === '') return fallback;
  return WINDOWS_DEVICE.test(s) ? `_${s}` : s;
}

/**
 * Hands out safe names that are unique case-insensitively (two cameras "A/b" and "A_b", or "Cam"
 * and "cam" on a case-insensitive stick, must not land in one folder).
 */
export class UniqueNames {
  private readonly taken = new Set<string>();

  take(raw: string, fallback: string): string {
    const base = safeComponent(raw, fallback);
    const dot = base.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
    let name = base;
    for (let n = 2; this.taken.has(name.toLowerCase()); n += 1) name = `${stem}-${n}${ext}`;
    this.taken.add(name.toLowerCase());
    return name;
  }
}

/** `mimamori-evidence-<case>-<yyyymmddThhmmss>` in the device's local time: sorts by export time. */
export function defaultBundleName(caseNumber: string, exportedAtMs: number): string {
  const d = new Date(exportedAtMs);
  const p = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}T${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
  return `mimamori-evidence-${safeComponent(caseNumber, 'case', 48)}-${stamp}`;
}
