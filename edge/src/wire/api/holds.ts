/** Legal holds (api/routes/holds-routes.ts), as `mimamori hold list --json` prints them too. */
import { z } from 'zod';
import { isoTime } from './time.js';

export const holdsQuery = z.strictObject({
  active: z.enum(['true', 'false'], { message: 'must be true or false' }).optional().describe('Only holds in force now (true) or not (false)'),
});

// Shape only here; the hold service (evidence/holds.ts) checks content (formats, lengths, ranges) and names fields.
export const holdBody = z.strictObject({
  caseNumber: z.string(),
  officer: z.string(),
  station: z.string(),
  reason: z.string(),
  from: z.string().describe('ISO-8601 with offset'),
  to: z.string().describe('ISO-8601 with offset'),
  cameras: z.array(z.string()).max(256).optional().describe('Absent or []: every camera'),
  expires: z.string().nullable().optional().describe('ISO-8601 with offset; null or absent: until released'),
});
export type HoldBody = z.input<typeof holdBody>;

export const holdIdParams = z.strictObject({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'must be a hold id (a lower-case UUID)') });
export const releaseBody = z.strictObject({ reason: z.string().optional() });
export type ReleaseBody = z.input<typeof releaseBody>;

export const hold = z.strictObject({
  id: z.string(),
  caseNumber: z.string(),
  officer: z.string(),
  station: z.string(),
  reason: z.string(),
  from: isoTime,
  to: isoTime,
  cameras: z.array(z.string()).describe('[]: every camera'),
  active: z.boolean(),
  createdAt: isoTime,
  createdBy: z.string(),
  expiresAt: isoTime.nullable(),
  releasedAt: isoTime.nullable(),
  releasedBy: z.string().nullable(),
  releaseReason: z.string().nullable(),
});
export type Hold = z.infer<typeof hold>;

export const holdList = z.array(hold);
export type HoldList = z.infer<typeof holdList>;
