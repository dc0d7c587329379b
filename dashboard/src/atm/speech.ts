/**
 * Reading the warning aloud with the browser's speech synthesis, per language, only where the
 * device has a voice for that language: an English voice spelling out Nepali or Korean would be
 * noise, not a warning. Without speech synthesis, or without voices, nothing is spoken and the
 * screen works as before. A kiosk browser needs autoplay allowed (Chromium:
 * `--autoplay-policy=no-user-gesture-required`), since nobody taps this screen.
 */

/** The speech language for each catalogue language (private-use and script tags have no voices). */
const SPEECH_LANG: Record<string, string> = {
  ja: 'ja-JP',
  'ja-x-easy': 'ja-JP',
  en: 'en-US',
  'zh-Hans': 'zh-CN',
  ko: 'ko-KR',
  vi: 'vi-VN',
  ne: 'ne-NP',
  id: 'id-ID',
  tl: 'fil-PH',
  'pt-BR': 'pt-BR',
};

const primary = (tag: string): string => {
  const p = tag.toLowerCase().split(/[-_]/)[0] ?? '';
  return p === 'tl' ? 'fil' : p; // Tagalog voices are listed as Filipino
};

/** Roughly how long a text takes to read, to stop waiting on an engine that never says "end". */
const maxSpeechMs = (text: string): number => 3000 + [...text].length * 250;

export class Speaker {
  private readonly synth: SpeechSynthesis | null;

  constructor(private readonly volume: number) {
    this.synth = typeof window.speechSynthesis === 'undefined' ? null : window.speechSynthesis;
    // Voices load asynchronously in Chromium; asking once starts the loading.
    this.voices();
  }

  private voices(): SpeechSynthesisVoice[] {
    try {
      return this.synth?.getVoices() ?? [];
    } catch {
      return []; // a broken engine is no engine
    }
  }

  /** The speech language to use for a catalogue language, or null when no voice speaks it. */
  speechLang(lang: string): string | null {
    if (this.volume <= 0) return null;
    const wanted = SPEECH_LANG[lang] ?? lang;
    const voices = this.voices();
    const exact = voices.find((v) => v.lang.replace('_', '-').toLowerCase() === wanted.toLowerCase());
    const same = exact ?? voices.find((v) => primary(v.lang) === primary(wanted));
    return same ? same.lang.replace('_', '-') : null;
  }

  /**
   * Speaks `text`; resolves when it has been spoken, failed, was cancelled, or took too long.
   * Never rejects. Resolves at once when there is no voice for the language.
   */
  speak(text: string, lang: string): Promise<void> {
    const speechLang = this.speechLang(lang);
    const synth = this.synth;
    if (!synth || !speechLang) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        window.clearTimeout(timer);
        resolve();
      };
      const timer = window.setTimeout(done, maxSpeechMs(text));
      try {
        const u = new SpeechSynthesisUtterance(text);
        // The language, not a voice object: the browser picks its own voice for it.
        u.lang = speechLang;
        u.volume = this.volume;
        u.rate = 0.9; // a little slower: many customers at an ATM are elderly
        u.onend = done;
        u.onerror = done;
        synth.speak(u);
      } catch {
        done();
      }
    });
  }

  cancel(): void {
    try {
      this.synth?.cancel();
    } catch {
      // nothing was being spoken that could be stopped
    }
  }
}
