/**
 * Times are stored as integer epoch milliseconds (UTC): they compare and index as numbers, match
 * the segment and frame clocks (`ptsMs`, `start_ms`), and cannot carry a wrong or missing offset.
 * Anything shown to people or sent off the device is formatted here as ISO-8601 with the
 * device's offset (`2025-06-01T14:03:07.250+09:00`), which is what a clerk or an investigator reads.
 */

/**
 * ISO-8601 with an explicit offset. `offsetMinutes` is east of UTC (+540 for JST); by default the
 * device's local offset at that instant.
 */
export function formatTimestamp(ms: number, offsetMinutes: number = -new Date(ms).getTimezoneOffset()): string {
  if (!Number.isFinite(ms)) throw new RangeError(`cannot format timestamp ${ms}`);
  const shifted = new Date(ms + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${shifted}${sign}${hh}:${mm}`;
}
