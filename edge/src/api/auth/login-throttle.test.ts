import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

const LIMITS = { userFailures: 3, addressFailures: 5, lockoutSeconds: 10, maxLockoutSeconds: 60 };

/** One checked attempt that turns out wrong, as the login route runs it. */
function wrong(t: LoginThrottle, user: string, ip: string): ReturnType<LoginThrottle['begin']> {
  const refusal = t.begin(user, ip);
  if (refusal) return refusal;
  t.release();
  t.failed(user, ip);
  return null;
}

describe('login throttle', () => {
  it('lets a username fail a few times, then makes it wait, doubling up to the maximum', () => {
    let now = 0;
    const t = new LoginThrottle(LIMITS, () => now);
    expect([wrong(t, 'clerk1', 'a'), wrong(t, 'clerk1', 'b'), wrong(t, 'clerk1', 'c')]).toEqual([null, null, null]);
    expect(t.begin('clerk1', 'd')).toEqual({ reason: 'user', retryAfterSeconds: 10 });
    // Another user from another address is not affected.
    expect(wrong(t, 'clerk2', 'e')).toBeNull();
    now += 9_500;
    expect(t.begin('clerk1', 'd')).toEqual({ reason: 'user', retryAfterSeconds: 1 });
    now += 500;
    expect(wrong(t, 'clerk1', 'f')).toBeNull(); // the 4th wrong login: next wait 20 s
    expect(t.begin('clerk1', 'g')).toEqual({ reason: 'user', retryAfterSeconds: 20 });
    now += 20_000;
    expect(wrong(t, 'clerk1', 'h')).toBeNull(); // 5th: 40 s
    now += 40_000;
    expect(wrong(t, 'clerk1', 'i')).toBeNull(); // 6th: 80 s, capped at 60
    expect(t.begin('clerk1', 'j')).toEqual({ reason: 'user', retryAfterSeconds: 60 });
    // After the longest wait without a wrong login the count starts again.
    now += 60_000;
    expect([wrong(t, 'clerk1', 'k'), wrong(t, 'clerk1', 'l'), wrong(t, 'clerk1', 'm')]).toEqual([null, null, null]);
    expect(t.begin('clerk1', 'n')?.reason).toBe('user');
  });

  it('limits an address across usernames, and a success clears only the username', () => {
    let now = 0;
    const t = new LoginThrottle(LIMITS, () => now);
    for (const user of ['u1', 'u2', 'u3', 'u4', 'u5']) expect(wrong(t, user, '10.0.0.9')).toBeNull();
    expect(t.begin('u6', '10.0.0.9')).toEqual({ reason: 'address', retryAfterSeconds: 10 });
    expect(t.begin('u6', '10.0.0.10')).toBeNull(); // another address may try
    t.release();
    now += 10_000;
    wrong(t, 'admin', '10.0.0.1');
    wrong(t, 'admin', '10.0.0.1');
    expect(t.begin('admin', '10.0.0.1')).toBeNull();
    t.release();
    t.succeeded('admin');
    // The username's count is gone; the address's two failures are not.
    for (const ip of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) expect(wrong(t, 'admin', ip)).toBeNull();
    expect(wrong(t, 'other', '10.0.0.1')).toBeNull();
    expect(wrong(t, 'other2', '10.0.0.1')).toBeNull();
    expect(wrong(t, 'other3', '10.0.0.1')).toBeNull();
    expect(t.begin('other4', '10.0.0.1')?.reason).toBe('address');
  });

  it('checks one password at a time: a second attempt while one is hashed is refused, not queued', () => {
    const t = new LoginThrottle(LIMITS, () => 0);
    expect(t.begin('a', '1')).toBeNull();
    expect(t.begin('b', '2')).toEqual({ reason: 'busy', retryAfterSeconds: 1 });
    t.release();
    expect(t.begin('b', '2')).toBeNull();
  });
});
