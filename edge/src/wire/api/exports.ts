/** Evidence exports of legal holds (api/routes/export-routes.ts, evidence/export-service.ts). */
import { z } from 'zod';
import { isoTime } from './time.js';

/** An export's file name as exports make them: one plain, visible path component ending .zip. */
export const EXPORT_NAME = /^[\p{L}\p{N}][\p{L}\p{N}._-]*\.zip$/u;

export function isExportName(name: string): boolean {
  return name.length <= 200 && EXPORT_NAME.test(name) && !name.includes('..');
}

export const exportNameParams = z.strictObject({
  name: z.string().refine(isExportName, 'must be an export name (letters, digits, ".", "_", "-", ending .zip, no "..")')
    .describe('As GET /api/exports lists it: letters, digits, ".", "_", "-", ending .zip'),
});

export const exportStarted = z.strictObject({
  name: z.string(),
  holdId: z.string(),
  caseNumber: z.string(),
  status: z.literal('running'),
  createdAt: isoTime,
  released: z.boolean().describe('Whether the hold has been released'),
});
export type ExportStarted = z.infer<typeof exportStarted>;

export const exportEntry = z.strictObject({
  name: z.string(),
  holdId: z.string(),
  caseNumber: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  error: z.string().nullable().describe('Why a failed export failed (kept in memory for this run only)'),
  bytes: z.int().min(0).nullable(),
  manifestSha256: z.string().nullable(),
  createdAt: isoTime.describe("The manifest's export time for a finished bundle, the start for one running or failed"),
  createdBy: z.string().nullable(),
  downloadUrl: z.string().nullable().describe('For a finished bundle'),
});
export type ExportEntry = z.infer<typeof exportEntry>;

export const exportList = z.array(exportEntry);
export type ExportList = z.infer<typeof exportList>;

/** An export takes nothing but the hold: who asks is the session. */
export const startExportBody = z.strictObject({});
