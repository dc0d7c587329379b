import Sqlite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isUuidV7 } from './ids.js';
import { HoldReleasedError, StoreValidationError, UnknownHoldError, type NewHold } from './store.js';
import { thrown, useTempStores } from '../../test/temp-store.js';

const open = useTempStores('mimamori-holds-');

const NOW = Date.parse('2026-03-02T10:00:00+09:00');
const HOUR = 3_600_000;

function request(overrides: Partial<NewHold> = {}): NewHold {
  return {
    caseNumber: '2026-XYZ',
    officer: '佐藤 巡査部長',
    station: '新宿警察署',
    reason: 'ATM fraud investigation, request no. 123',
    fromMs: NOW - 2 * HOUR,
    toMs: NOW - HOUR,
    cameras: ['atm1'],
    createdBy: 'tanaka',
    ...overrides,
  };
}

function validationError(fn: () => unknown): StoreValidationError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(StoreValidationError);
  return error as StoreValidationError;
}

describe('holds', () => {
  it('creates a hold with a UUIDv7 id and the store clock, and reads it back', () => {
    const store = open({ now: () => NOW });
    const hold = store.holds.create(request({ expiresAt: NOW + 30 * 24 * HOUR }));
    expect(isUuidV7(hold.id)).toBe(true);
    expect(hold).toEqual({
      id: hold.id, caseNumber: '2026-XYZ', officer: '佐藤 巡査部長', station: '新宿警察署',
      reason: 'ATM fraud investigation, request no. 123', fromMs: NOW - 2 * HOUR, toMs: NOW - HOUR, cameras: ['atm1'],
      createdAt: NOW, createdBy: 'tanaka', expiresAt: NOW + 30 * 24 * HOUR, releasedAt: null, releasedBy: null, releaseReason: null,
    });
    expect(store.holds.get(hold.id)).toEqual(hold);
    expect(store.holds.get('0190b1a0-0000-7000-8000-000000000000')).toBeNull();
  });

  it('defaults to every camera and no expiry', () => {
    const store = open({ now: () => NOW });
    const hold = store.holds.create(request({ cameras: undefined }));
    expect(hold.cameras).toEqual([]);
    expect(hold.expiresAt).toBeNull();
  });

  it('refuses bad input naming the field', () => {
    const store = open({ now: () => NOW });
    expect(validationError(() => store.holds.create(request({ toMs: NOW - 2 * HOUR }))).field).toBe('toMs');
    expect(validationError(() => store.holds.create(request({ toMs: NOW - 3 * HOUR }))).message).toContain('toMs: must be after the start of the held range');
    expect(validationError(() => store.holds.create(request({ expiresAt: NOW }))).field).toBe('expiresAt');
    expect(validationError(() => store.holds.create(request({ expiresAt: NOW - 1 }))).message).toContain('must be in the future');
    expect(validationError(() => store.holds.create(request({ officer: '   ' }))).field).toBe('officer');
    expect(validationError(() => store.holds.create(request({ station: 'x'.repeat(129) }))).field).toBe('station');
    expect(validationError(() => store.holds.create(request({ reason: '' }))).field).toBe('reason');
    expect(validationError(() => store.holds.create(request({ reason: 'a\u0007b' }))).field).toBe('reason');
    expect(validationError(() => store.holds.create(request({ createdBy: '' }))).field).toBe('createdBy');
    expect(validationError(() => store.holds.create(request({ fromMs: Number.NaN }))).field).toBe('fromMs');
    expect(validationError(() => store.holds.create(request({ cameras: ['atm1', 'atm 2'] }))).field).toBe('cameras[1]');
    expect(validationError(() => store.holds.create(request({ cameras: ['atm1', 'atm1'] }))).message).toContain('cameras[1]: duplicate camera "atm1"');
    const unknownKey = validationError(() => store.holds.create({ ...request(), camera: 'atm1' } as NewHold));
    expect(unknownKey.field).toBe('camera');
    // Nothing was written by the refused calls, not even an audit entry.
    expect(store.holds.list()).toEqual([]);
    expect(store.audit.list()).toEqual([]);
  });

  it('accepts multi-line reasons but keeps case numbers to a safe file-name alphabet', () => {
    const store = open({ now: () => NOW });
    expect(store.holds.create(request({ reason: 'line one\nline two' })).reason).toBe('line one\nline two');
    for (const ok of ['2026-XYZ', 'A', 'case_12.v2', 'X'.repeat(64)]) {
      expect(store.holds.create(request({ caseNumber: ok })).caseNumber).toBe(ok);
    }
    const refused = [
      '../etc/passwd', '..', '.', '.hidden', 'a/b', 'a\\b', 'a..b', 'case 1', '', 'X'.repeat(65), '/abs', 'a\nb', 'ケース1', 'C:evil',
    ];
    for (const bad of refused) {
      const error = validationError(() => store.holds.create(request({ caseNumber: bad })));
      expect(error.field, bad).toBe('caseNumber');
    }
  });

  it('releases once; a second release, or an unknown id, is an error naming the hold', () => {
    let now = NOW;
    const store = open({ now: () => now });
    const hold = store.holds.create(request());
    now = NOW + HOUR;
    const released = store.holds.release(hold.id, { by: 'suzuki', reason: 'case closed' });
    expect(released).toEqual({ ...hold, releasedAt: NOW + HOUR, releasedBy: 'suzuki', releaseReason: 'case closed' });
    expect(store.holds.get(hold.id)).toEqual(released);

    const twice = thrown(() => store.holds.release(hold.id, { by: 'suzuki' }));
    expect(twice).toBeInstanceOf(HoldReleasedError);
    expect(twice.message).toContain(hold.id);
    expect(twice.message).toContain('already released');
    expect(store.holds.get(hold.id)).toEqual(released);

    const unknown = thrown(() => store.holds.release('0190b1a0-0000-7000-8000-000000000000', { by: 'suzuki' }));
    expect(unknown).toBeInstanceOf(UnknownHoldError);
    expect(unknown.message).toContain('0190b1a0-0000-7000-8000-000000000000');

    const other = store.holds.create(request());
    expect(validationError(() => store.holds.release(other.id, { by: '' })).field).toBe('by');
    expect(validationError(() => store.holds.release(other.id, { by: 'suzuki', at: NOW - 1 })).field).toBe('at');
    expect(store.holds.get(other.id)?.releasedAt).toBeNull();
  });

  it('tells which holds are in force at a time: not released, not expired', () => {
    let now = NOW;
    const store = open({ now: () => now });
    const open1 = store.holds.create(request({ caseNumber: 'open-ended' }));
    const expiring = store.holds.create(request({ caseNumber: 'expiring', expiresAt: NOW + 10 * HOUR }));
    const releasing = store.holds.create(request({ caseNumber: 'releasing' }));
    now = NOW + 5 * HOUR;
    store.holds.release(releasing.id, { by: 'suzuki' });

    const cases = (holds: { caseNumber: string }[]): string[] => holds.map((h) => h.caseNumber);
    expect(cases(store.holds.activeAt(NOW + HOUR))).toEqual(['open-ended', 'expiring', 'releasing']);
    expect(cases(store.holds.activeAt(NOW + 5 * HOUR))).toEqual(['open-ended', 'expiring']);
    expect(cases(store.holds.activeAt(NOW + 10 * HOUR))).toEqual(['open-ended']);
    // A clock behind the holds' creation still sees them in force: footage is never freed early.
    expect(cases(store.holds.activeAt(NOW - 24 * HOUR))).toEqual(['open-ended', 'expiring', 'releasing']);

    expect(cases(store.holds.list())).toEqual(['open-ended', 'expiring', 'releasing']);
    expect(cases(store.holds.list({ active: true }))).toEqual(['open-ended', 'expiring']);
    expect(cases(store.holds.list({ active: false }))).toEqual(['releasing']);
    expect(cases(store.holds.list({ active: false, at: NOW + 11 * HOUR }))).toEqual(['expiring', 'releasing']);
    expect(store.holds.get(open1.id)?.expiresAt).toBeNull();
    expect(store.holds.get(expiring.id)?.expiresAt).toBe(NOW + 10 * HOUR);
  });
});

describe('holds and their audit entries', () => {
  it('create and release each append exactly one entry, naming the hold', () => {
    let now = NOW;
    const store = open({ now: () => now });
    const hold = store.holds.create(request());
    expect(store.audit.list()).toEqual([
      expect.objectContaining({
        seq: 1, at: NOW, actor: 'tanaka', action: 'hold.create', subject: hold.id,
        details: {
          caseNumber: '2026-XYZ', officer: '佐藤 巡査部長', station: '新宿警察署', reason: 'ATM fraud investigation, request no. 123',
          fromMs: NOW - 2 * HOUR, toMs: NOW - HOUR, cameras: ['atm1'], expiresAt: null,
        },
      }),
    ]);
    now = NOW + HOUR;
    store.holds.release(hold.id, { by: 'suzuki', reason: 'case closed' });
    const entries = store.audit.list();
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({
      seq: 2, at: NOW + HOUR, actor: 'suzuki', action: 'hold.release', subject: hold.id,
      details: { caseNumber: '2026-XYZ', releasedAt: NOW + HOUR, reason: 'case closed' },
    });
    // A refused second release leaves no entry either.
    thrown(() => store.holds.release(hold.id, { by: 'suzuki' }));
    expect(store.audit.list()).toHaveLength(2);
    expect(store.audit.verify()).toMatchObject({ ok: true, entries: 2 });
  });

  it('writes neither the hold nor its entry when the audit insert fails, and the reverse', () => {
    const store = open({ now: () => NOW });
    const raw = new Sqlite(store.file);
    try {
      // A real SQLite failure inside the transaction, after the hold row was inserted.
      raw.exec("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit disk full'); END");
      expect(thrown(() => store.holds.create(request())).message).toContain('audit disk full');
      expect(store.holds.list()).toEqual([]);
      raw.exec('DROP TRIGGER fail_audit');

      const hold = store.holds.create(request());
      raw.exec("CREATE TRIGGER fail_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit disk full'); END");
      expect(thrown(() => store.holds.release(hold.id, { by: 'suzuki' })).message).toContain('audit disk full');
      expect(store.holds.get(hold.id)?.releasedAt).toBeNull();
      raw.exec('DROP TRIGGER fail_audit');

      // And a hold insert that fails leaves no orphan audit entry.
      raw.exec("CREATE TRIGGER fail_hold AFTER INSERT ON holds BEGIN SELECT RAISE(ABORT, 'hold refused'); END");
      expect(thrown(() => store.holds.create(request())).message).toContain('hold refused');
      raw.exec('DROP TRIGGER fail_hold');
      expect(store.holds.list()).toHaveLength(1);
      expect(store.audit.list().map((e) => e.action)).toEqual(['hold.create']);
      expect(store.audit.verify()).toMatchObject({ ok: true, entries: 1 });
    } finally {
      raw.close();
    }
  });
});
