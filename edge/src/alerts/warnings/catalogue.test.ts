import { describe, expect, it } from 'vitest';
import bundled from './catalogue.json' with { type: 'json' };
import {
  CatalogueError,
  MESSAGE_KEYS,
  MessageCatalogue,
  catalogue,
  languages,
  maxTextLength,
  message,
  placeholdersOf,
  unreviewed,
} from './catalogue.js';

const EXPECTED_LANGUAGES = ['ja', 'ja-x-easy', 'en', 'zh-Hans', 'ko', 'vi', 'ne', 'id', 'tl', 'pt-BR'];

/** A deep copy of the shipped catalogue to break on purpose. */
function copy(): { languages: string[]; messages: Record<string, Record<string, Record<string, unknown>>> } {
  return structuredClone(bundled) as never;
}

function problemsOf(raw: unknown): string[] {
  try {
    new MessageCatalogue(raw);
  } catch (err) {
    if (err instanceof CatalogueError) return err.problems;
    throw err;
  }
  return [];
}

describe('shipped catalogue', () => {
  it('has every key in every language with non-empty text', () => {
    expect(languages()).toEqual(EXPECTED_LANGUAGES);
    for (const key of MESSAGE_KEYS) {
      for (const lang of EXPECTED_LANGUAGES) {
        const entry = catalogue.entry(key, lang);
        expect(entry, `${key} ${lang}`).toBeDefined();
        expect(entry?.text.trim().length, `${key} ${lang}`).toBeGreaterThan(0);
      }
    }
  });

  it('uses the same placeholders in every language of a key', () => {
    for (const key of MESSAGE_KEYS) {
      const expected = placeholdersOf(catalogue.entry(key, 'ja')?.text ?? '');
      for (const lang of EXPECTED_LANGUAGES) {
        expect(placeholdersOf(catalogue.entry(key, lang)?.text ?? ''), `${key} ${lang}`).toEqual(expected);
      }
    }
    for (const key of ['clerk.phone_at_atm', 'clerk.emoney_lingering', 'clerk.emoney_lingering_phone'] as const) {
      expect(placeholdersOf(catalogue.entry(key, 'ja')?.text ?? '')).toEqual(['camera', 'zone']);
    }
    expect(placeholdersOf(catalogue.entry('atm.phone_call', 'ja')?.text ?? '')).toEqual([]);
  });

  it('fits a kiosk screen: ≤ 120 characters for CJK, ≤ 200 for others, with real zone and camera names', () => {
    expect(maxTextLength('ja-x-easy')).toBe(120);
    expect(maxTextLength('zh-Hans')).toBe(120);
    expect(maxTextLength('ko')).toBe(120);
    expect(maxTextLength('ne')).toBe(200);
    for (const key of MESSAGE_KEYS) {
      for (const lang of EXPECTED_LANGUAGES) {
        const text = message(key, lang, { zone: 'ATM 2', camera: 'cam-atm' });
        expect([...text].length, `${key} ${lang}: ${text}`).toBeLessThanOrEqual(maxTextLength(lang));
      }
    }
  });

  it('follows the campaign wording in Japanese', () => {
    expect(message('atm.phone_call', 'ja')).toContain('ATMでの携帯電話はしない、させない');
    expect(message('atm.phone_call', 'ja')).toContain('ATMでお金は戻りません');
    expect(message('atm.idle_poster', 'ja')).toContain('ストップ！ATMでの携帯電話');
    expect(message('emoney.lingering', 'ja')).toContain('電子マネーを買うよう電話');
    expect(message('police.no_video_call', 'ja')).toContain('警察官がSNSやビデオ通話で連絡することはありません');
    expect(message('clerk.emoney_lingering', 'en', { zone: 'z', camera: 'c' })).toContain(
      'Did someone on the phone tell you to buy this card?',
    );
  });

  it('lists every text as unreviewed until a native speaker signs it off', () => {
    const list = unreviewed();
    expect(list).toHaveLength(MESSAGE_KEYS.length * EXPECTED_LANGUAGES.length);
    expect(list).toContainEqual({ key: 'atm.phone_call', lang: 'vi' });
    for (const key of MESSAGE_KEYS) {
      expect(catalogue.entry(key, 'ja')?.author).toBe('project');
      expect(catalogue.entry(key, 'en')?.author).toBe('project');
    }

    const signedOff = copy();
    const vi = signedOff.messages['atm.phone_call']?.vi;
    if (vi) vi.reviewed = true;
    expect(new MessageCatalogue(signedOff).unreviewed()).not.toContainEqual({ key: 'atm.phone_call', lang: 'vi' });
  });
});

describe('message()', () => {
  it('fills placeholders', () => {
    const text = message('clerk.phone_at_atm', 'ja', { zone: 'ATM前', camera: 'カメラ1' });
    expect(text.startsWith('ATM前（カメラ1）：')).toBe(true);
  });

  it('names key, language and placeholder when a value is missing', () => {
    expect(() => message('clerk.phone_at_atm', 'vi', { zone: 'ATM 1' })).toThrow(
      'key "clerk.phone_at_atm", language "vi": no value for placeholder {camera}',
    );
  });

  it('falls back from the asked language to a close one, then en, then ja', () => {
    expect(catalogue.resolveLanguage('vi')).toBe('vi');
    expect(catalogue.resolveLanguage('PT-br')).toBe('pt-BR');
    expect(catalogue.resolveLanguage('pt')).toBe('pt-BR');
    expect(catalogue.resolveLanguage('zh-Hans-CN')).toBe('zh-Hans');
    expect(catalogue.resolveLanguage('zh-CN')).toBe('zh-Hans');
    expect(catalogue.resolveLanguage('ja-JP')).toBe('ja');
    expect(catalogue.resolveLanguage('fil')).toBe('tl');
    expect(catalogue.resolveLanguage('fr')).toBe('en');
    expect(message('atm.phone_call', 'fr')).toBe(message('atm.phone_call', 'en'));

    expect(catalogue.resolve('atm.phone_call', 'sw')).toEqual({ lang: 'en', text: message('atm.phone_call', 'en') });

    // ja is the last resort of the chain, so a catalogue without en or ja is refused outright.
    const noEnglish = copy();
    noEnglish.languages = noEnglish.languages.filter((l) => l !== 'en');
    for (const byLang of Object.values(noEnglish.messages)) delete byLang.en;
    expect(problemsOf(noEnglish)).toContain('language "en" is required as a fallback');
  });
});

describe('a broken catalogue', () => {
  it('is refused with every problem naming key and language', () => {
    const broken = copy();
    const call = broken.messages['atm.phone_call'];
    const clerk = broken.messages['clerk.phone_at_atm'];
    if (!call || !clerk) throw new Error('fixture keys missing');
    delete call.ne;
    const ko = call.ko;
    if (ko) ko.text = '   ';
    const vi = clerk.vi;
    if (vi) vi.text = 'Khu vực {zona}: có khách dùng điện thoại tại ATM.';
    const tl = clerk.tl;
    if (tl) delete tl.reviewed;
    const id = clerk.id;
    if (id) id.text = 'x'.repeat(201).concat('{zone}{camera}');
    delete broken.messages['police.no_video_call'];

    const problems = problemsOf(broken);
    expect(problems).toEqual(
      expect.arrayContaining([
        'key "atm.phone_call", language "ne": missing',
        'key "atm.phone_call", language "ko": empty text',
        'key "clerk.phone_at_atm", language "vi": placeholders {zona} differ from {camera},{zone}',
        'key "police.no_video_call": missing in every language',
        'key "clerk.phone_at_atm", language "id": 215 characters, at most 200 fit a kiosk screen',
      ]),
    );
    expect(problems.some((p) => p.startsWith('key "clerk.phone_at_atm", language "tl": field "reviewed"'))).toBe(true);
    expect(() => new MessageCatalogue(broken)).toThrow(/key "atm.phone_call", language "ne": missing/);
  });

  it('refuses a placeholder the source text lacks, an unknown key and an unlisted language', () => {
    const broken = copy();
    const poster = broken.messages['atm.idle_poster'];
    if (!poster?.en) throw new Error('fixture keys missing');
    poster.en.text = 'Stop! No phones at {zone}.';
    poster.fr = { text: 'Arrêtez !', reviewed: false, author: 'project' };
    broken.messages['atm.typo'] = broken.messages['atm.phone_hand'] ?? {};
    expect(problemsOf(broken)).toEqual(
      expect.arrayContaining([
        'key "atm.idle_poster", language "en": placeholders {zone} differ from (none)',
        'key "atm.idle_poster", language "fr": not in "languages"',
        'key "atm.typo": not a known message key',
      ]),
    );
  });
});
