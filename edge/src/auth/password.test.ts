import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password.js';

describe('password hashes', () => {
  it('verifies the password it was made from and nothing else, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('refuses short passwords by name', async () => {
    await expect(hashPassword('short')).rejects.toThrow('password: must be at least 10 characters');
  });

  it('treats an unreadable or tampered hash as no match instead of crashing', async () => {
    const good = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', 'plain-text-password')).toBe(false);
    expect(await verifyPassword('correct horse battery', good.replace('scrypt$32768', 'scrypt$3'))).toBe(false);
    expect(await verifyPassword('correct horse battery', good.replace('$8$', '$999999999$'))).toBe(false);
    expect(await verifyPassword('correct horse battery', 'scrypt$32768$8$1$$')).toBe(false);
  });
});
