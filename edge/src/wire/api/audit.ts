/** The hash-chained audit log over HTTP (api/routes/holds-routes.ts), as `mimamori audit list|verify --json` print it. */
import { z } from 'zod';
import { isoTime } from './time.js';

const whole = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ message }).int(message).min(min, message).max(max, message);
};

export const auditQuery = z.strictObject({
  afterSeq: whole(0, Number.MAX_SAFE_INTEGER).default(0).describe('Entries after this sequence number'),
  limit: whole(1, 1000).default(100),
});

/** Every hashed field as stored (so the hash can be recomputed), plus a readable time (wire/audit-json.ts). */
export const auditLine = z.strictObject({
  seq: z.int().min(1),
  at: z.int().describe('Epoch milliseconds, as hashed'),
  time: isoTime,
  actor: z.string(),
  action: z.string(),
  subject: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditLine = z.infer<typeof auditLine>;

export const auditList = z.array(auditLine);
export type AuditList = z.infer<typeof auditList>;

export const auditVerdict = z.union([
  z.strictObject({
    ok: z.literal(true),
    entries: z.int().min(0),
    head: z.strictObject({ seq: z.int(), hash: z.string() }).nullable().describe('The newest entry; null for an empty log'),
  }),
  z.strictObject({ ok: z.literal(false), seq: z.int().describe('The first entry that does not check'), reason: z.string() }),
]);
export type AuditVerdict = z.infer<typeof auditVerdict>;
