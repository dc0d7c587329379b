/**
 * The agent's one message catalogue (edge/src/alerts/warnings/catalogue.json), bundled
 * at build time: the kiosk's idle poster and the clerk page's alert texts come from the same file
 * as the MQTT warnings, so a translation fixed there is fixed on every screen. The agent validates
 * the catalogue at start-up (every key in every language), so lookups here only fall back for
 * keys or languages that arrive as data from a newer agent.
 */
import bundled from '../../../edge/src/alerts/warnings/catalogue.json';

interface Catalogue {
  languages: string[];
  messages: Record<string, Record<string, { text: string } | undefined> | undefined>;
}

const catalogue = bundled as unknown as Catalogue;

export const CATALOGUE_LANGUAGES: readonly string[] = catalogue.languages;

/** The text of `key` in `lang`, then English, then Japanese; `{name}` placeholders filled from `params`. */
export function catalogueText(key: string, lang: string, params: Record<string, string> = {}): string {
  const byLang = catalogue.messages[key];
  const text = byLang?.[lang]?.text ?? byLang?.en?.text ?? byLang?.ja?.text ?? '';
  return text.replace(/\{([A-Za-z][A-Za-z0-9_]*)\}/g, (whole, name: string) => params[name] ?? whole);
}

/** A catalogue language for a requested tag (exact, else same primary language), or null. */
export function catalogueLanguage(requested: string): string | null {
  const lower = requested.toLowerCase();
  return (
    catalogue.languages.find((l) => l.toLowerCase() === lower) ??
    catalogue.languages.find((l) => l.toLowerCase().split('-')[0] === lower.split('-')[0]) ??
    null
  );
}
