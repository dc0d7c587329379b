/**
 * Placing and releasing legal holds, as the CLI and the HTTP API do it: the request as people write
 * it (ISO-8601 times, camera ids of this site) is checked, turned into the store's hold, and
 * logged. The store writes the hold and its audit entry in one transaction (hold-repository.ts),
 * so no caller can make a hold the audit log does not know about.
 */
import { z } from 'zod';
import type { Logger } from '../log/logger.js';
import { formatTimestamp } from '../store/timestamps.js';
import { StoreValidationError, type HoldRecord, type Store } from '../store/store.js';
import type { Hold } from '../wire/api/holds.js';

/** A hold request as an officer's paperwork gives it; times are ISO-8601 with a UTC offset. */
export interface HoldRequest {
  readonly caseNumber: string;
  readonly officer: string;
  readonly station: string;
  readonly reason: string;
  readonly from: string;
  readonly to: string;
  /** Camera ids of this site; absent or empty: every camera. */
  readonly cameras?: readonly string[];
  /** When the hold lapses by itself; absent or null: held until released. */
  readonly expires?: string | null;
  /** Who is entering the hold (the audit actor). */
  readonly by: string;
}

export interface ReleaseRequest {
  readonly by: string;
  readonly reason?: string | null;
}

/**
 * A request refused before or by the store, with `field` named as in HoldRequest / ReleaseRequest
 * (`from`, `cameras[1]`, `by`) so the CLI can name its option and the API its body field.
 */
export class HoldRequestError extends Error {
  override readonly name = 'HoldRequestError';
  constructor(readonly operation: string, readonly field: string, readonly problems: readonly string[]) {
    super(`${operation}: ${problems.join('; ')}`);
  }
}

export interface HoldServiceOptions {
  /** Camera ids of the site's config (enabled or not): a hold naming any other is refused as a typo. */
  readonly cameras: readonly string[];
  readonly log?: Logger;
}

export interface HoldService {
  create(request: HoldRequest): HoldRecord;
  release(id: string, request: ReleaseRequest): HoldRecord;
}

const OFFSET_EXAMPLE = '2026-03-02T10:00:00+09:00';
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch ms of an ISO-8601 date-time with an explicit offset (`Z`, `+09:00`, `+0900`, `+09`), or
 * the reason it is refused. A time without offset is refused rather than read in the device's zone:
 * a hold placed an hour off would protect the wrong footage. Impossible dates (Feb 30) are refused
 * too, where Date.parse would roll them over.
 */
export function parseInstant(text: string): number | string {
  const m = ISO_INSTANT.exec(text.trim());
  if (!m) return `"${text}" is not an ISO-8601 date and time; write e.g. ${OFFSET_EXAMPLE}`;
  const [, y, mo, d, h, mi, s = '0', frac = '', offset] = m;
  if (offset === undefined) return `"${text}" has no UTC offset; add one, e.g. ${OFFSET_EXAMPLE} (the device's time zone is not assumed)`;
  const year = Number(y), month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return `"${text}" is not a real date and time`;
  }
  let offsetMinutes = 0;
  if (offset !== 'Z') {
    const digits = offset.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || '0');
    if (oh > 14 || om > 59) return `"${text}" has an impossible UTC offset ${offset}`;
    offsetMinutes = (offset.startsWith('-') ? -1 : 1) * (oh * 60 + om);
  }
  const ms = Number((frac + '000').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, ms) - offsetMinutes * 60_000;
}

const instant = z.string().transform((text, ctx) => {
  const parsed = parseInstant(text);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: 'custom', message: parsed });
    return z.NEVER;
  }
  return parsed;
});

// The shape only; the store checks the content (case-number alphabet, lengths, to > from, ...).
const holdRequestSchema = z
  .object({
    caseNumber: z.string(),
    officer: z.string(),
    station: z.string(),
    reason: z.string(),
    from: instant,
    to: instant,
    cameras: z.array(z.string()).optional(),
    expires: instant.nullable().optional(),
    by: z.string(),
  })
  .strict();

const releaseRequestSchema = z.object({ by: z.string(), reason: z.string().nullable().optional() }).strict();

/** The store's field names, as the request calls them. */
const REQUEST_FIELD: Readonly<Record<string, string>> = { fromMs: 'from', toMs: 'to', expiresAt: 'expires', createdBy: 'by' };
const requestField = (field: string): string => field.replace(/^[A-Za-z]+/, (root) => REQUEST_FIELD[root] ?? root);

function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('') || '(request)';
}

function parseRequest<S extends z.ZodType>(operation: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : fieldName(issue.path),
  );
  throw new HoldRequestError(operation, fields[0] ?? '(request)', result.error.issues.map((issue, i) => `${fields[i]}: ${issue.message}`));
}

/** Re-raises the store's validation error under the request's field names. */
function asRequestError(error: unknown): never {
  if (error instanceof StoreValidationError) {
    const problems = error.problems.map((p) => {
      const colon = p.indexOf(': ');
      return colon < 0 ? p : `${requestField(p.slice(0, colon))}${p.slice(colon)}`;
    });
    throw new HoldRequestError(error.operation, requestField(error.field), problems);
  }
  throw error;
}

export function createHoldService(store: Store, options: HoldServiceOptions): HoldService {
  const known = new Set(options.cameras);
  const log = options.log;
  return {
    create(request) {
      const operation = 'holds.create';
      const r = parseRequest(operation, holdRequestSchema, request);
      const unknown = (r.cameras ?? []).map((c, i) => [c, i] as const).filter(([c]) => !known.has(c));
      if (unknown.length > 0) {
        const configured = [...known].join(', ') || 'none';
        throw new HoldRequestError(operation, `cameras[${unknown[0]![1]}]`,
          unknown.map(([c, i]) => `cameras[${i}]: unknown camera "${c}" (this site's cameras: ${configured})`));
      }
      let hold: HoldRecord;
      try {
        hold = store.holds.create({
          caseNumber: r.caseNumber, officer: r.officer, station: r.station, reason: r.reason, fromMs: r.from, toMs: r.to,
          cameras: r.cameras ?? [], expiresAt: r.expires ?? null, createdBy: r.by,
        });
      } catch (error) {
        asRequestError(error);
      }
      log?.info('hold created', {
        hold: hold.id, caseNumber: hold.caseNumber, cameras: hold.cameras, from: hold.fromMs, to: hold.toMs, by: hold.createdBy,
      });
      return hold;
    },

    release(id, request) {
      const r = parseRequest('holds.release', releaseRequestSchema, request);
      let hold: HoldRecord;
      try {
        hold = store.holds.release(id, { by: r.by, reason: r.reason ?? null });
      } catch (error) {
        asRequestError(error);
      }
      log?.info('hold released', { hold: hold.id, caseNumber: hold.caseNumber, by: hold.releasedBy });
      return hold;
    },
  };
}

/** In force at `at`: the same rule as the store's activeAt (not released, not expired by then). */
export function isHoldActive(hold: HoldRecord, at: number): boolean {
  return (hold.releasedAt === null || hold.releasedAt > at) && (hold.expiresAt === null || hold.expiresAt > at);
}

/** The documented JSON of a hold (CLI --json and the HTTP API, wire/api/holds.ts): times as ISO-8601 with offset. */
export function holdJson(hold: HoldRecord, at: number): Hold {
  const iso = (ms: number | null): string | null => (ms === null ? null : formatTimestamp(ms));
  return {
    id: hold.id,
    caseNumber: hold.caseNumber,
    officer: hold.officer,
    station: hold.station,
    reason: hold.reason,
    from: formatTimestamp(hold.fromMs),
    to: formatTimestamp(hold.toMs),
    cameras: hold.cameras,
    active: isHoldActive(hold, at),
    createdAt: formatTimestamp(hold.createdAt),
    createdBy: hold.createdBy,
    expiresAt: iso(hold.expiresAt),
    releasedAt: iso(hold.releasedAt),
    releasedBy: hold.releasedBy,
    releaseReason: hold.releaseReason,
  };
}
