/**
 * The one place warning and clerk-alert texts come from. Texts live in `catalogue.json`, never in
 * code, so a native speaker can review or fix a language without reading TypeScript, and so every
 * language is checked the same way when the agent starts: a missing text must stop the agent at
 * start-up rather than leave a customer at the ATM with a blank or half-translated screen.
 */
import { z } from 'zod';
import bundled from './catalogue.json' with { type: 'json' };

export const MESSAGE_KEYS = [
  'atm.phone_call',
  'atm.phone_hand',
  'atm.idle_poster',
  'emoney.lingering',
  'police.no_video_call',
  'clerk.phone_at_atm',
  'clerk.emoney_lingering',
  'clerk.emoney_lingering_phone',
] as const;
export type MessageKey = (typeof MESSAGE_KEYS)[number];

/** Every lookup ends here, so these two must be in any catalogue. */
const FALLBACK_LANGUAGES = ['en', 'ja'] as const;

/**
 * Scripts where one character carries about a syllable or a word; a kiosk line holds far fewer of
 * them than Latin or Devanagari characters.
 */
const CJK_PRIMARY = new Set(['ja', 'zh', 'ko']);
const CJK_MAX_CHARS = 120;
const OTHER_MAX_CHARS = 200;

/** Longest text (in Unicode code points, placeholders included) a language may have. */
export function maxTextLength(lang: string): number {
  return CJK_PRIMARY.has(primarySubtag(lang)) ? CJK_MAX_CHARS : OTHER_MAX_CHARS;
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9_]*)\}/g;

/** Names of the `{name}` placeholders in a text, sorted and without repeats. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))].sort();
}

const entrySchema = z.strictObject({
  text: z.string(),
  /** False until a native speaker has read the text in place. */
  reviewed: z.boolean(),
  author: z.string().min(1),
  translatedFrom: z.string().min(1).optional(),
});
export type CatalogueEntry = z.infer<typeof entrySchema>;

/**
 * Entries are left unchecked here and checked one by one below, so that a wrong field in one entry
 * does not hide the missing or empty texts in the others: the reviewer gets the whole list at once.
 */
const catalogueSchema = z.object({
  $comment: z.string().optional(),
  languages: z.array(z.string().min(1)).min(1),
  messages: z.record(z.string(), z.record(z.string(), z.unknown())),
});

type Messages = Record<string, Record<string, CatalogueEntry>>;

export class CatalogueError extends Error {
  constructor(readonly problems: string[]) {
    super(`message catalogue is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogueError';
  }
}

/** Every problem of a catalogue, each naming its key and language; the typed catalogue if none. */
function validate(raw: unknown): { problems: string[]; languages: string[]; messages: Messages } {
  const shape = catalogueSchema.safeParse(raw);
  if (!shape.success) {
    const problems = shape.error.issues.map((i) => `${i.path.map(String).join('.') || '(catalogue)'}: ${i.message}`);
    return { problems, languages: [], messages: {} };
  }
  const problems: string[] = [];
  const langs = shape.data.languages;
  if (new Set(langs).size !== langs.length) problems.push('a language is listed twice in "languages"');
  for (const lang of FALLBACK_LANGUAGES) {
    if (!langs.includes(lang)) problems.push(`language "${lang}" is required as a fallback`);
  }
  for (const key of MESSAGE_KEYS) {
    if (!(key in shape.data.messages)) problems.push(`key "${key}": missing in every language`);
  }

  const messages: Messages = {};
  for (const [key, byLangRaw] of Object.entries(shape.data.messages)) {
    if (!(MESSAGE_KEYS as readonly string[]).includes(key)) problems.push(`key "${key}": not a known message key`);
    const byLang: Record<string, CatalogueEntry> = {};
    for (const [lang, rawEntry] of Object.entries(byLangRaw)) {
      if (!langs.includes(lang)) problems.push(`key "${key}", language "${lang}": not in "languages"`);
      const entry = entrySchema.safeParse(rawEntry);
      if (entry.success) byLang[lang] = entry.data;
      for (const issue of entry.error?.issues ?? []) {
        const field = issue.path.length > 0 ? ` field "${issue.path.map(String).join('.')}"` : '';
        problems.push(`key "${key}", language "${lang}":${field} ${issue.message}`);
      }
    }
    messages[key] = byLang;

    // The Japanese text is the source every translation is made from, so its placeholders rule.
    const reference = byLang.ja ?? byLang.en;
    const expected = reference ? placeholdersOf(reference.text) : undefined;
    for (const lang of langs) {
      const where = `key "${key}", language "${lang}"`;
      if (!(lang in byLangRaw)) {
        problems.push(`${where}: missing`);
        continue;
      }
      const entry = byLang[lang];
      if (!entry) continue;
      if (entry.text.trim() === '') {
        problems.push(`${where}: empty text`);
        continue;
      }
      const length = [...entry.text].length;
      if (length > maxTextLength(lang)) {
        problems.push(`${where}: ${length} characters, at most ${maxTextLength(lang)} fit a kiosk screen`);
      }
      const found = placeholdersOf(entry.text);
      if (expected && found.join(',') !== expected.join(',')) {
        problems.push(`${where}: placeholders ${listPlaceholders(found)} differ from ${listPlaceholders(expected)}`);
      }
    }
  }
  return { problems, languages: langs, messages };
}

export interface ResolvedMessage {
  /** The catalogue language the text is in, after fallback. */
  lang: string;
  text: string;
}

export interface UnreviewedText {
  key: MessageKey;
  lang: string;
}

export class MessageCatalogue {
  private readonly langs: readonly string[];
  private readonly messages: Messages;

  /** Throws `CatalogueError` listing every problem, each naming its key and language. */
  constructor(raw: unknown) {
    const { problems, languages, messages } = validate(raw);
    if (problems.length > 0) throw new CatalogueError(problems);
    this.langs = languages;
    this.messages = messages;
  }

  languages(): string[] {
    return [...this.langs];
  }

  /**
   * The catalogue language to use for a requested BCP-47 tag: the tag itself (any case), then
   * shorter forms of it (`zh-Hans-CN` → `zh-Hans`), then a catalogue language with the same primary
   * language (`pt` → `pt-BR`, `zh-CN` → `zh-Hans`), then `en`, then `ja`.
   */
  resolveLanguage(requested: string): string {
    const byLower = new Map(this.langs.map((l) => [l.toLowerCase(), l]));
    const subtags = requested.toLowerCase().split(/[-_]/);
    // Filipino is the standard register of Tagalog; phones and browsers usually send `fil`.
    if (subtags[0] === 'fil') subtags[0] = 'tl';
    for (let n = subtags.length; n > 0; n--) {
      const hit = byLower.get(subtags.slice(0, n).join('-'));
      if (hit) return hit;
    }
    const primary = subtags[0] ?? '';
    const sameLanguage = this.langs.find((l) => primarySubtag(l) === primary);
    if (sameLanguage) return sameLanguage;
    return FALLBACK_LANGUAGES.find((l) => this.langs.includes(l)) ?? 'ja';
  }

  /** The text for `key` in `lang` (with fallback) and the language it came in. */
  resolve(key: MessageKey, lang: string, params: Readonly<Record<string, string | number>> = {}): ResolvedMessage {
    const resolved = this.resolveLanguage(lang);
    const chain = [resolved, ...FALLBACK_LANGUAGES.filter((l) => l !== resolved)];
    for (const candidate of chain) {
      const entry = this.messages[key]?.[candidate];
      if (entry) return { lang: candidate, text: fill(key, candidate, entry.text, params) };
    }
    // Unreachable for a validated catalogue and a typed key; kept for keys that arrive as data.
    throw new Error(`key "${key}", language "${lang}": no text in ${chain.join(', ')}`);
  }

  message(key: MessageKey, lang: string, params: Readonly<Record<string, string | number>> = {}): string {
    return this.resolve(key, lang, params).text;
  }

  /** Every text no native speaker has reviewed yet, in catalogue order. */
  unreviewed(): UnreviewedText[] {
    const out: UnreviewedText[] = [];
    for (const key of MESSAGE_KEYS) {
      for (const lang of this.langs) {
        if (this.messages[key]?.[lang]?.reviewed === false) out.push({ key, lang });
      }
    }
    return out;
  }

  entry(key: MessageKey, lang: string): CatalogueEntry | undefined {
    return this.messages[key]?.[lang];
  }
}

function fill(key: string, lang: string, text: string, params: Readonly<Record<string, string | number>>): string {
  return text.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`key "${key}", language "${lang}": no value for placeholder {${name}}`);
    return String(value);
  });
}

function listPlaceholders(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((n) => `{${n}}`).join(',');
}

function primarySubtag(lang: string): string {
  return (lang.toLowerCase().split(/[-_]/)[0] ?? '').trim();
}

/** The shipped catalogue, validated when this module is first imported (agent start). */
export const catalogue = new MessageCatalogue(bundled);

export function message(key: MessageKey, lang: string, params: Readonly<Record<string, string | number>> = {}): string {
  return catalogue.message(key, lang, params);
}

export function languages(): string[] {
  return catalogue.languages();
}

export function unreviewed(): UnreviewedText[] {
  return catalogue.unreviewed();
}
