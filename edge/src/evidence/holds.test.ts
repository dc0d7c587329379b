import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { HoldReleasedError, UnknownHoldError } from '../store/store.js';
import { thrown, useTempStores } from '../../test/temp-store.js';
import { HoldRequestError, createHoldService, holdJson, isHoldActive, parseInstant, type HoldRequest } from './holds.js';

const open = useTempStores('mimamori-hold-service-');
const NOW = Date.parse('2026-03-02T10:00:00+09:00');
const HOUR = 3_600_000;

function request(overrides: Partial<HoldRequest> = {}): HoldRequest {
  return {
    caseNumber: '2026-XYZ', officer: 'Sato', station: 'Shinjuku PS', reason: 'fraud case',
    from: '2026-03-01T09:00:00+09:00', to: '2026-03-01T10:30:00+09:00', cameras: ['atm1'], by: 'tanaka',
    ...overrides,
  };
}

function requestError(fn: () => unknown): HoldRequestError {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(HoldRequestError);
  return error as HoldRequestError;
}

describe('parseInstant', () => {
  it('reads ISO-8601 with any offset form as the same instant', () => {
    const expected = Date.UTC(2026, 2, 1, 0, 0, 0);
    for (const text of ['2026-03-01T09:00:00+09:00', '2026-03-01T09:00+0900', '2026-03-01T09:00:00.000+09', '2026-03-01T00:00:00Z']) {
      expect(parseInstant(text), text).toBe(expected);
    }
    expect(parseInstant('2026-03-01T00:00:00.1239Z')).toBe(expected + 123);
    expect(parseInstant('2026-02-28T20:30:00-05:30')).toBe(Date.UTC(2026, 2, 1, 2, 0));
  });

  it('refuses times without an offset, impossible dates and other text, saying why', () => {
    expect(parseInstant('2026-03-01T09:00:00')).toMatch(/has no UTC offset/);
    expect(parseInstant('2026-02-30T09:00:00+09:00')).toMatch(/not a real date/);
    expect(parseInstant('2026-03-01T24:00:00Z')).toMatch(/not a real date/);
    expect(parseInstant('2026-03-01T09:00:00+15:00')).toMatch(/impossible UTC offset/);
    expect(parseInstant('yesterday')).toMatch(/not an ISO-8601 date and time/);
    expect(parseInstant('1772323200000')).toMatch(/not an ISO-8601/);
  });
});

describe('hold service', () => {
  it('creates a hold from a request, with its audit entry, and logs it', () => {
    const store = open({ now: () => NOW });
    const lines: Record<string, unknown>[] = [];
    const service = createHoldService(store, {
      cameras: ['atm1', 'shop'], log: createLogger('holds', { write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
    });
    const hold = service.create(request({ expires: '2026-06-01T00:00:00+09:00' }));
    expect(hold).toMatchObject({
      caseNumber: '2026-XYZ', fromMs: Date.parse('2026-03-01T09:00:00+09:00'), toMs: Date.parse('2026-03-01T10:30:00+09:00'),
      cameras: ['atm1'], createdBy: 'tanaka', createdAt: NOW, expiresAt: Date.parse('2026-06-01T00:00:00+09:00'),
    });
    expect(store.audit.list().map((e) => [e.action, e.subject, e.actor])).toEqual([['hold.create', hold.id, 'tanaka']]);
    expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'hold created', hold: hold.id, caseNumber: '2026-XYZ', by: 'tanaka' })]);
    expect(service.create(request({ cameras: undefined })).cameras).toEqual([]);
  });

  it('refuses a camera the site does not have, naming it', () => {
    const store = open({ now: () => NOW });
    const service = createHoldService(store, { cameras: ['atm1', 'shop'] });
    const error = requestError(() => service.create(request({ cameras: ['atm1', 'atm9'] })));
    expect(error.field).toBe('cameras[1]');
    expect(error.message).toBe('holds.create: cameras[1]: unknown camera "atm9" (this site\'s cameras: atm1, shop)');
    expect(store.holds.list()).toEqual([]);
  });

  it('names request fields in errors from the request and from the store', () => {
    const store = open({ now: () => NOW });
    const service = createHoldService(store, { cameras: ['atm1'] });
    const cases: [Partial<HoldRequest>, string, string][] = [
      [{ from: '2026-03-01 09:00' }, 'from', 'not an ISO-8601'],
      [{ to: '2026-03-01T08:00:00+09:00' }, 'to', 'to: must be after the start of the held range'],
      [{ expires: '2026-03-01T00:00:00+09:00' }, 'expires', 'expires: must be in the future'],
      [{ by: '' }, 'by', 'by:'],
      [{ caseNumber: '../../etc/passwd' }, 'caseNumber', 'caseNumber:'],
      [{ caseNumber: 'a..b' }, 'caseNumber', 'must not contain ".."'],
      [{ reason: ' ' }, 'reason', 'reason:'],
    ];
    for (const [overrides, field, text] of cases) {
      const error = requestError(() => service.create(request(overrides)));
      expect(error.field, JSON.stringify(overrides)).toBe(field);
      expect(error.message).toContain(text);
    }
    expect(requestError(() => service.create({ ...request(), evil: 1 } as HoldRequest)).field).toBe('evil');
    expect(store.holds.list()).toEqual([]);
    expect(store.audit.list()).toEqual([]);
  });

  it('releases through the store, refusing a second release and unknown ids by id', () => {
    let now = NOW;
    const store = open({ now: () => now });
    const service = createHoldService(store, { cameras: ['atm1'] });
    const hold = service.create(request());
    now += HOUR;
    expect(service.release(hold.id, { by: 'suzuki', reason: 'case closed' })).toMatchObject({ releasedAt: now, releasedBy: 'suzuki' });
    expect(thrown(() => service.release(hold.id, { by: 'suzuki' }))).toBeInstanceOf(HoldReleasedError);
    expect(thrown(() => service.release('0190b1a0-0000-7000-8000-000000000000', { by: 'suzuki' }))).toBeInstanceOf(UnknownHoldError);
    expect(requestError(() => service.release(hold.id, { by: '\u0000' })).field).toBe('by');
    expect(store.audit.list().map((e) => e.action)).toEqual(['hold.create', 'hold.release']);
  });

  it('shows a hold as JSON with ISO times and whether it is in force, agreeing with the store', () => {
    let now = NOW;
    const store = open({ now: () => now });
    const service = createHoldService(store, { cameras: ['atm1'] });
    const expiring = service.create(request({ expires: '2026-03-02T12:00:00+09:00' }));
    const released = service.create(request());
    now += HOUR;
    service.release(released.id, { by: 'suzuki' });
    const json = holdJson(store.holds.get(expiring.id)!, NOW);
    expect(Object.keys(json)).toEqual([
      'id', 'caseNumber', 'officer', 'station', 'reason', 'from', 'to', 'cameras', 'active', 'createdAt', 'createdBy', 'expiresAt',
      'releasedAt', 'releasedBy', 'releaseReason',
    ]);
    expect(Date.parse(json.from as string)).toBe(Date.parse('2026-03-01T09:00:00+09:00'));
    expect(json.active).toBe(true);
    for (const at of [NOW, NOW + HOUR, NOW + 2 * HOUR, NOW + 3 * HOUR]) {
      const inForce = store.holds.activeAt(at).map((h) => h.id);
      for (const h of store.holds.list()) expect(isHoldActive(h, at), `${h.caseNumber} at ${at}`).toBe(inForce.includes(h.id));
    }
  });
});
