/**
 * Who runs a command on the device itself, for the audit log when no `--by` is given: the OS
 * account. Some containers run a uid with no passwd entry, where userInfo() throws; the uid still
 * says who it was, so the actor is `uid-<n>` rather than a made-up name or no entry at all.
 */
import { userInfo } from 'node:os';

export function loginName(): string {
  try {
    const { username } = userInfo();
    if (username !== '') return username;
  } catch {
    // No passwd entry for this uid: named by the uid below.
  }
  return `uid-${process.getuid?.() ?? 'unknown'}`;
}
