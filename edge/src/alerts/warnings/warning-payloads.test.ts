import { describe, expect, it } from 'vitest';
import { message } from './catalogue.js';
import { atmMessageKey, atmWarningPayload, clerkAlertPayload, clerkMessageKey } from './warning-payloads.js';

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

describe('atmWarningPayload', () => {
  it('has exactly the documented keys, texts in each language and a JST until', () => {
    const payload = atmWarningPayload({
      action: 'show',
      eventId: 'ev-1',
      seq: 1,
      behaviour: 'phone_at_atm',
      severity: 'high',
      languages: ['ja', 'en', 'vi'],
      until: new Date('2025-06-01T05:03:07.250Z'),
      messageKey: 'atm.phone_call',
      offsetMinutes: 540,
    });
    expect(Object.keys(payload).sort()).toEqual(['action', 'eventId', 'languages', 'messageKey', 'seq', 'texts', 'until']);
    expect(payload).toEqual({
      action: 'show',
      eventId: 'ev-1',
      seq: 1,
      messageKey: 'atm.phone_call',
      languages: ['ja', 'en', 'vi'],
      texts: {
        ja: message('atm.phone_call', 'ja'),
        en: message('atm.phone_call', 'en'),
        vi: message('atm.phone_call', 'vi'),
      },
      until: '2025-06-01T14:03:07.250+09:00',
    });
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload);
  });

  it('picks the message from behaviour and severity when no key is given, and resolves languages', () => {
    const payload = atmWarningPayload({
      action: 'show',
      eventId: 'ev-2',
      seq: 3,
      behaviour: 'phone_at_atm',
      severity: 'medium',
      languages: ['ja-JP', 'ja', 'fr', 'pt'],
      until: null,
    });
    expect(payload.messageKey).toBe('atm.phone_hand');
    expect(payload.languages).toEqual(['ja', 'en', 'pt-BR']);
    expect(Object.keys(payload.texts)).toEqual(['ja', 'en', 'pt-BR']);
    expect(payload.until).toBeNull();
  });

  it('carries no texts on clear', () => {
    const payload = atmWarningPayload({
      action: 'clear',
      eventId: 'ev-1',
      seq: 2,
      behaviour: 'phone_at_atm',
      severity: 'high',
      languages: ['ja'],
      until: null,
      messageKey: 'atm.phone_call',
    });
    expect(payload).toEqual({ action: 'clear', eventId: 'ev-1', seq: 2, messageKey: 'atm.phone_call', languages: ['ja'], texts: {}, until: null });
  });

  it('formats until with the device offset by default and with negative offsets', () => {
    const until = new Date('2025-06-01T05:00:00.000Z');
    const base = { action: 'show', eventId: 'e', seq: 0, behaviour: 'phone_at_atm', severity: 'high', languages: ['en'], until } as const;
    expect(atmWarningPayload(base).until).toMatch(ISO_WITH_OFFSET);
    expect(new Date(atmWarningPayload(base).until ?? '').getTime()).toBe(until.getTime());
    expect(atmWarningPayload({ ...base, offsetMinutes: -210 }).until).toBe('2025-06-01T01:30:00.000-03:30');
  });

  it('refuses a payload without languages or with a bad seq', () => {
    const base = { action: 'show', eventId: 'e', seq: 0, behaviour: 'phone_at_atm', severity: 'high', languages: ['en'], until: null } as const;
    expect(() => atmWarningPayload({ ...base, languages: [] })).toThrow('event e: no display languages given');
    expect(() => atmWarningPayload({ ...base, seq: -1 })).toThrow(RangeError);
    expect(() => atmWarningPayload({ ...base, eventId: '' })).toThrow(RangeError);
  });
});

describe('clerkAlertPayload', () => {
  it('has exactly the documented keys, the filled text and an offset time', () => {
    const payload = clerkAlertPayload({
      eventId: 'ev-9',
      seq: 1,
      behaviour: 'emoney_lingering',
      severity: 'high',
      zone: '電子マネー売場',
      camera: 'レジ横カメラ',
      lang: 'ja',
      snapshotUrl: 'http://127.0.0.1:8080/api/events/ev-9/snapshot.jpg',
      at: Date.UTC(2025, 5, 1, 5, 3, 7, 250),
      offsetMinutes: 540,
    });
    expect(Object.keys(payload).sort()).toEqual(
      ['at', 'behaviour', 'camera', 'eventId', 'lang', 'resend', 'seq', 'severity', 'snapshotUrl', 'text', 'zone'].sort(),
    );
    expect(payload).toMatchObject({
      eventId: 'ev-9',
      seq: 1,
      behaviour: 'emoney_lingering',
      severity: 'high',
      zone: '電子マネー売場',
      camera: 'レジ横カメラ',
      lang: 'ja',
      snapshotUrl: 'http://127.0.0.1:8080/api/events/ev-9/snapshot.jpg',
      at: '2025-06-01T14:03:07.250+09:00',
    });
    expect(payload.text).toBe(message('clerk.emoney_lingering_phone', 'ja', { zone: '電子マネー売場', camera: 'レジ横カメラ' }));
    expect(payload.text).toContain('電子マネー売場（レジ横カメラ）');
  });

  it('falls back to a catalogue language and says which one', () => {
    const payload = clerkAlertPayload({
      eventId: 'ev-3',
      seq: 0,
      behaviour: 'phone_at_atm',
      severity: 'medium',
      zone: 'ATM 1',
      camera: 'cam-1',
      lang: 'de',
      snapshotUrl: null,
      at: new Date('2025-06-01T00:00:00Z'),
    });
    expect(payload.lang).toBe('en');
    expect(payload.text.startsWith('ATM 1 (cam-1): ')).toBe(true);
    expect(payload.snapshotUrl).toBeNull();
    expect(payload.at).toMatch(ISO_WITH_OFFSET);
  });
});

describe('message keys for events', () => {
  it('maps behaviour and severity to the ATM and clerk texts', () => {
    expect(atmMessageKey('phone_at_atm', 'high')).toBe('atm.phone_call');
    expect(atmMessageKey('phone_at_atm', 'medium')).toBe('atm.phone_hand');
    expect(atmMessageKey('emoney_lingering', 'high')).toBe('emoney.lingering');
    expect(clerkMessageKey('phone_at_atm', 'medium')).toBe('clerk.phone_at_atm');
    expect(clerkMessageKey('emoney_lingering', 'medium')).toBe('clerk.emoney_lingering');
    expect(clerkMessageKey('emoney_lingering', 'high')).toBe('clerk.emoney_lingering_phone');
  });
});
