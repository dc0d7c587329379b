/**
 * Dashboard users, their login sessions and the ATM kiosk pages' read-only tokens. Secrets are
 * stored only as hashes (passwords by the caller's scrypt, tokens by SHA-256): whoever copies the
 * database cannot log in with what they find in it.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { z } from 'zod';
import { epochMs, validate } from './validation.js';

export const ROLES = ['clerk', 'bank', 'investigator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface UserRecord {
  readonly id: number;
  readonly username: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly disabledAt: number | null;
}

export interface SessionRecord {
  readonly user: UserRecord;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface UserRepository {
  add(user: { username: string; role: Role; passwordHash: string }): UserRecord;
  /** The user and their stored password hash, for login; null when unknown. */
  credentials(username: string): { user: UserRecord; passwordHash: string } | null;
  list(): UserRecord[];
  /** Replaces the password and ends all of the user's sessions. */
  setPassword(username: string, passwordHash: string): void;
  disable(username: string): void;
  /** Stores a session under the hash of `token`; the token itself is only ever in the cookie. */
  createSession(userId: number, token: string, ttlMs: number): SessionRecord;
  /** The live session of `token` with an enabled user, or null. */
  session(token: string): SessionRecord | null;
  endSession(token: string): void;
  /** Removes expired sessions; returns how many. */
  pruneSessions(): number;
  addKioskToken(atmId: string, token: string): void;
  /** The ATM a live kiosk token belongs to, or null. */
  kioskAtm(token: string): string | null;
  revokeKioskTokens(atmId: string): number;
}

export const username = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, ".", "_" and "-" (1 to 64, starting with a letter or digit)');
const atmId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, "-" and "_" only');
const passwordHash = z.string().regex(/^scrypt\$/, 'must be an scrypt hash');
const newUser = z.object({ username, role: z.enum(ROLES), passwordHash }).strict();

interface UserRow { id: number; username: string; role: Role; created_at: number; disabled_at: number | null }
const toUser = (r: UserRow): UserRecord => ({ id: r.id, username: r.username, role: r.role, createdAt: r.created_at, disabledAt: r.disabled_at });

/** Tokens are 32 random bytes, so a plain SHA-256 is enough: there is nothing to brute-force. */
export const tokenHash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export function createUserRepository(db: Database, clock: () => number): UserRepository {
  const USER_COLS = 'id, username, role, created_at, disabled_at';
  const byName = db.prepare<[string], UserRow & { password_hash: string }>(`SELECT ${USER_COLS}, password_hash FROM users WHERE username = ?`);
  const insertSession = db.prepare<[string, number, number, number]>('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  const findSession = db.prepare<[string, number], UserRow & { s_created: number; s_expires: number }>(
    `SELECT u.id, u.username, u.role, u.created_at, u.disabled_at, s.created_at AS s_created, s.expires_at AS s_expires
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL`,
  );
  const mustExist = (operation: string, name: string): UserRow => {
    const row = byName.get(validate(operation, username, name));
    if (!row) throw new Error(`${operation}: no user "${name}"`);
    return row;
  };
  return {
    add(user) {
      const u = validate('users.add', newUser, user);
      if (byName.get(u.username)) throw new Error(`users.add: user "${u.username}" already exists`);
      const info = db.prepare('INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)')
        .run(u.username, u.role, u.passwordHash, clock());
      return toUser(db.prepare<[number], UserRow>(`SELECT ${USER_COLS} FROM users WHERE id = ?`).get(Number(info.lastInsertRowid))!);
    },
    credentials(name) {
      if (!username.safeParse(name).success) return null;
      const row = byName.get(name);
      return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
    },
    list() {
      return db.prepare<[], UserRow>(`SELECT ${USER_COLS} FROM users ORDER BY username`).all().map(toUser);
    },
    setPassword(name, hash) {
      const row = mustExist('users.setPassword', name);
      const checked = validate('users.setPassword', passwordHash, hash);
      // A password is changed because the old one may be known to someone else: whoever logged in
      // with it must not stay logged in, so the user's sessions end in the same step.
      db.transaction(() => {
        db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(checked, row.id);
        db.prepare('DELETE FROM sessions WHERE user_id = ?').run(row.id);
      })();
    },
    disable(name) {
      const row = mustExist('users.disable', name);
      // Disabling also ends the user's sessions, in one step, so no open tab keeps working.
      db.transaction(() => {
        db.prepare('UPDATE users SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL').run(clock(), row.id);
        db.prepare('DELETE FROM sessions WHERE user_id = ?').run(row.id);
      })();
    },
    createSession(userId, token, ttlMs) {
      const now = clock();
      const expiresAt = now + validate('users.createSession', epochMs.positive(), ttlMs);
      insertSession.run(tokenHash(token), userId, now, expiresAt);
      const s = findSession.get(tokenHash(token), now);
      if (!s) throw new Error(`users.createSession: user ${userId} is unknown or disabled`);
      return { user: toUser(s), createdAt: s.s_created, expiresAt: s.s_expires };
    },
    session(token) {
      const s = findSession.get(tokenHash(token), clock());
      return s ? { user: toUser(s), createdAt: s.s_created, expiresAt: s.s_expires } : null;
    },
    endSession(token) {
      db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash(token));
    },
    pruneSessions() {
      return db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(clock()).changes;
    },
    addKioskToken(atm, token) {
      db.prepare('INSERT INTO kiosk_tokens (token_hash, atm_id, created_at) VALUES (?, ?, ?)')
        .run(tokenHash(token), validate('users.addKioskToken', atmId, atm), clock());
    },
    kioskAtm(token) {
      const row = db.prepare<[string], { atm_id: string }>('SELECT atm_id FROM kiosk_tokens WHERE token_hash = ? AND revoked_at IS NULL').get(tokenHash(token));
      return row?.atm_id ?? null;
    },
    revokeKioskTokens(atm) {
      return db.prepare('UPDATE kiosk_tokens SET revoked_at = ? WHERE atm_id = ? AND revoked_at IS NULL').run(clock(), atm).changes;
    },
  };
}
