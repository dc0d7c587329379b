/**
 * The evidence desk's checks (api/routes/export-routes.ts, evidence/verify-manifest.ts): a manifest
 * with its signature, or a whole bundle zip, and the one report both answer with.
 */
import { z } from 'zod';

/** A manifest lists every file; a day of 60 s segments on several cameras stays far below this. */
export const MAX_MANIFEST_UPLOAD = 16 * 1024 * 1024;

/** A fingerprint as people copy it: hex, any case, optionally grouped with colons or spaces; null if it is not one. */
export function normaliseFingerprint(text: string): string | null {
  const hex = text.replace(/[\s:]/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : null;
}

/** Empty means not given (a form's blank field); otherwise 64 hex digits, colons and spaces allowed. */
const fingerprintField = z
  .string()
  .max(200)
  .transform((text, c) => {
    if (text.trim() === '') return undefined;
    const fp = normaliseFingerprint(text);
    if (fp === null) {
      c.addIssue({ code: 'custom', message: 'must be a key fingerprint (64 hex digits, as `mimamori keys show` prints it)' });
      return z.NEVER;
    }
    return fp;
  })
  .optional();

export const verifyBody = z.strictObject({
  manifest: z.string().min(1, 'must be the text of manifest.json').max(MAX_MANIFEST_UPLOAD),
  signature: z.string().min(1, 'must be the text of manifest.sig').max(1024),
  publicKeyPem: z.string().max(16 * 1024).optional().describe("A key to check with instead of this device's (SPKI PEM)"),
  fingerprint: fingerprintField.describe('The fingerprint the signing key must have'),
});
export type VerifyBody = z.input<typeof verifyBody>;

export const bundleQuery = z.strictObject({
  key: z.enum(['device', 'bundled'], { message: 'must be device or bundled' }).default('device')
    .describe("Check against this device's key, or the key inside the zip"),
  fingerprint: fingerprintField,
});

const PROBLEM_KINDS = ['bundle', 'manifest', 'signature', 'key', 'origin', 'missing', 'extra', 'size', 'sha256', 'unreadable', 'not-a-file', 'duplicate'] as const;

// Read-only arrays: the evidence code's report (verify-manifest.ts) is typed so, and must fit as it is.
export const verifyReport = z.strictObject({
  verified: z.boolean().describe('Integrity and origin both proven'),
  integrity: z.boolean().describe('Unchanged since signed, by whichever key signed it'),
  scope: z.enum(['manifest', 'bundle']),
  signature: z.enum(['valid', 'invalid', 'not-checked']),
  key: z.strictObject({ source: z.enum(['given', 'device', 'bundled', 'none']), fingerprint: z.string().nullable() }),
  originProven: z.boolean().describe("Signed by this device's key, or by a key with the fingerprint given"),
  deviceFingerprint: z.string().nullable().describe("This device's key fingerprint; null when it has none (it has signed nothing)"),
  expectedFingerprint: z.string().nullable(),
  manifestSha256: z.string().nullable(),
  manifest: z.strictObject({
    bundleName: z.string(),
    caseNumber: z.string(),
    holdId: z.string(),
    deviceId: z.string(),
    publicKeyFingerprint: z.string(),
    exportedAt: z.string(),
    exportedBy: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    files: z.int().min(0),
    cameras: z.array(z.string().nullable()).readonly(),
  }).nullable().describe('What the manifest says (untrusted unless the signature is valid)'),
  filesChecked: z.boolean(),
  filesMatched: z.int().min(0),
  filesListed: z.int().min(0),
  problems: z.array(z.strictObject({ file: z.string(), kind: z.enum(PROBLEM_KINDS), message: z.string() })).readonly(),
});
export type VerifyReport = z.infer<typeof verifyReport>;
