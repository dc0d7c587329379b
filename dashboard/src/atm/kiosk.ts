/**
 * What the ATM's screen shows: the campaign poster while idle, the warning while one is on, or a
 * plain "not configured" notice. Texts cycle through the languages one at a time (the poster
 * through alerts.atmLanguages, a warning through its own `languages`), each shown at least
 * `cycleMs` and, for a warning, until it has been read aloud where a voice exists. A warning takes
 * itself down at its `until` even if no `clear` comes (the agent or the network may be gone).
 */
import { catalogueLanguage, catalogueText } from './catalogue.js';
import { NOT_CONFIGURED } from './messages.js';
import type { Speaker } from './speech.js';

export interface Warning {
  eventId: string;
  messageKey: string;
  /** Catalogue languages in display order. */
  languages: string[];
  /** The agent's texts by language; the bundled catalogue fills any gap. */
  texts: Record<string, string>;
  /** Local epoch ms when the warning ends by itself; null: only on a clear. */
  untilMs: number | null;
}

export type Mode = 'poster' | 'warning' | 'unconfigured';

const DEFAULT_LANGUAGES = ['ja', 'en'];

export class KioskScreen {
  private mode: Mode = 'poster';
  private warning: Warning | null = null;
  private posterLanguages = DEFAULT_LANGUAGES;
  /** Bumped on every change of what is shown; a cycle of an older generation stops. */
  private generation = 0;
  private expiry: number | undefined;

  constructor(
    private readonly screen: HTMLElement,
    private readonly text: HTMLElement,
    private readonly speaker: Speaker,
    private readonly cycleMs: number,
  ) {
    window.addEventListener('resize', () => this.fit());
  }

  /** The configured display languages (alerts.atmLanguages), for the poster. */
  setLanguages(requested: readonly string[]): void {
    const langs = [...new Set(requested.map(catalogueLanguage).filter((l): l is string => l !== null))];
    const next = langs.length > 0 ? langs : DEFAULT_LANGUAGES;
    if (next.join() === this.posterLanguages.join()) return;
    this.posterLanguages = next;
    if (this.mode === 'poster') this.poster();
  }

  poster(): void {
    this.warning = null;
    this.restart('poster');
  }

  /** Shows a warning; the same event again (a reconnect's state) only updates its end. */
  show(warning: Warning): void {
    const current = this.warning;
    this.warning = warning;
    window.clearTimeout(this.expiry);
    if (warning.untilMs !== null) {
      const id = warning.eventId;
      this.expiry = window.setTimeout(() => this.clear(id), Math.max(0, warning.untilMs - Date.now()));
    }
    if (this.mode === 'warning' && current?.eventId === warning.eventId && current.messageKey === warning.messageKey) return;
    this.restart('warning');
  }

  /** Takes the warning down: any (no id), or only the one for `eventId`. */
  clear(eventId?: string): void {
    if (this.mode !== 'warning' || (eventId !== undefined && this.warning?.eventId !== eventId)) return;
    window.clearTimeout(this.expiry);
    this.poster();
  }

  unconfigured(): void {
    this.warning = null;
    window.clearTimeout(this.expiry);
    this.generation++;
    this.speaker.cancel();
    this.mode = 'unconfigured';
    this.screen.dataset.mode = 'unconfigured';
    this.text.lang = 'ja';
    this.text.replaceChildren(NOT_CONFIGURED.ja, document.createElement('br'), NOT_CONFIGURED.en);
    this.fit();
  }

  get showing(): Mode {
    return this.mode;
  }

  private restart(mode: Mode): void {
    this.generation++;
    this.speaker.cancel();
    this.mode = mode;
    void this.cycle(this.generation);
  }

  private async cycle(generation: number): Promise<void> {
    for (let i = 0; generation === this.generation; i++) {
      const warning = this.mode === 'warning' ? this.warning : null;
      const langs = warning ? warning.languages : this.posterLanguages;
      const lang = langs[i % langs.length] ?? 'ja';
      const text = warning ? (warning.texts[lang] ?? catalogueText(warning.messageKey, lang)) : catalogueText('atm.idle_poster', lang);
      this.screen.dataset.mode = this.mode;
      this.text.lang = lang;
      this.text.textContent = text;
      this.fit();
      const shown = new Promise((resolve) => window.setTimeout(resolve, this.cycleMs));
      await Promise.all([shown, warning ? this.speaker.speak(text, lang) : null]);
    }
  }

  /** The largest font size at which the text fits the screen (binary search on layout). */
  private fit(): void {
    const box = this.screen;
    let lo = 16;
    let hi = Math.max(lo, Math.floor(Math.min(box.clientHeight * 0.2, box.clientWidth * 0.14)));
    // A notice for the installer, not a poster: readable, not shouting.
    if (this.mode === 'unconfigured') hi = Math.min(hi, 48);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      this.text.style.fontSize = `${mid}px`;
      const fits = this.text.scrollHeight <= box.clientHeight * 0.9 && this.text.scrollWidth <= box.clientWidth * 0.94;
      if (fits) lo = mid;
      else hi = mid;
    }
    this.text.style.fontSize = `${lo}px`;
  }
}
