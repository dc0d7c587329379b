/** Login, logout and "who am I" (api/auth/session-routes.ts). */
import { z } from 'zod';
import { isoTime } from './time.js';

/**
 * Spelled out here rather than imported from the store, which the dashboard cannot compile; the
 * contract test checks the two lists are the same.
 */
export const ROLES = ['clerk', 'bank', 'investigator', 'admin'] as const;
export const role = z.enum(ROLES);
export type Role = z.infer<typeof role>;

export const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) });
export type LoginBody = z.input<typeof loginBody>;

export const session = z.strictObject({ username: z.string(), role, expiresAt: isoTime });
export type Session = z.infer<typeof session>;

export const loggedOut = z.strictObject({ ok: z.literal(true) });
export type LoggedOut = z.infer<typeof loggedOut>;
