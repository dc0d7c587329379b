/** Logging in through the real API for route tests driven with app.inject(). */
import type { FastifyInstance } from 'fastify';
import { hashPassword } from '../src/auth/password.js';
import type { Role, Store } from '../src/store/store.js';

const PASSWORD = 'correct horse battery';
let hash: Promise<string> | null = null;

/** Adds a user named after its role (unless present) and logs in; returns the Cookie header value. */
export async function logInAs(app: FastifyInstance, store: Store, role: Role, username: string = role): Promise<string> {
  hash ??= hashPassword(PASSWORD);
  if (!store.users.credentials(username)) store.users.add({ username, role, passwordHash: await hash });
  const res = await app.inject({ method: 'POST', url: '/api/login', payload: { username, password: PASSWORD } });
  if (res.statusCode !== 200) throw new Error(`login as ${username} failed: ${res.statusCode} ${res.body}`);
  return String(res.headers['set-cookie']).split(';')[0]!;
}
