/**
 * Validation at the store's edge: a row is checked in full before it reaches SQL, so a bad value
 * from the pipeline fails with the field's name instead of a bare SQLite CHECK failure (the CHECKs
 * in the schema are the second line, for writers that bypass this module).
 */
import path from 'node:path';
import { z } from 'zod';
import { StoreValidationError } from './errors.js';

export const BEHAVIOURS = ['phone_at_atm', 'emoney_lingering'] as const;
export const SEVERITIES = ['low', 'medium', 'high'] as const;
export const PHONE_STATES = ['call', 'hand', 'none'] as const;
export const CAMERA_STATES = ['connecting', 'streaming', 'backoff', 'stopped', 'failed'] as const;
export const CONTAINERS = ['mpegts', 'mp4'] as const;

/** Epoch milliseconds; z.int() already refuses NaN, ±Infinity and unsafe integers. */
export const epochMs = z.int().nonnegative();
export const name = z.string().trim().min(1).max(200);
export const count = z.int().nonnegative();
/** z.number() refuses NaN and ±Infinity. */
export const finiteNonNegative = z.number().nonnegative();

/**
 * A path under the data directory, stored relative so the directory can be moved or mounted
 * elsewhere; `..` and absolute paths are refused so no row can point outside it.
 */
export const relativePath = z
  .string()
  .min(1)
  .max(1024)
  .refine((p) => !path.isAbsolute(p) && !path.win32.isAbsolute(p), 'must be relative to the data directory')
  .refine((p) => !p.includes('\\'), 'must use "/" separators')
  .refine((p) => !p.split('/').some((part) => part === '..' || part === '.' || part === ''), 'must not contain "", "." or ".." segments');

/** JSON-safe values only: JSON.stringify would silently turn NaN or Infinity into null. */
export const details = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  const walk = (v: unknown, at: (string | number)[]): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) ctx.addIssue({ code: 'custom', path: at, message: `non-finite number ${v}` });
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, [...at, i]));
      return;
    }
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      for (const [k, item] of Object.entries(v)) walk(item, [...at, k]);
      return;
    }
    ctx.addIssue({ code: 'custom', path: at, message: `not a JSON value (${typeof v})` });
  };
  walk(value, []);
});

function fieldName(issuePath: readonly PropertyKey[]): string {
  let out = '';
  for (const part of issuePath) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(value)' : out;
}

/** Parses or throws a StoreValidationError listing every problem by field. */
export function validate<S extends z.ZodType>(operation: string, schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) =>
    // An unknown key is reported on the object; name the key itself, as the caller wrote it.
    issue.code === 'unrecognized_keys' ? issue.keys.map((k) => fieldName([...issue.path, k])).join(', ') : fieldName(issue.path),
  );
  const problems = result.error.issues.map((issue, i) => `${fields[i] ?? ''}: ${issue.message}`);
  return failValidation(operation, fields[0] ?? '(value)', problems);
}

export function failValidation(operation: string, field: string, problems: readonly string[]): never {
  throw new StoreValidationError(operation, field, problems);
}
