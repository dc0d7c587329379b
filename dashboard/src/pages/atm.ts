/**
 * /atm/<atmId>?token=…[&volume=0..1][&cycle=seconds]: the full-screen page on the monitor beside
 * or inside the ATM. It has no controls and never shows footage. The read-only kiosk token (from
 * `mimamori users kiosk-token --atm <atmId>`) opens that ATM's warning stream; without a valid
 * token the page says plainly that it is not configured.
 *
 * Network blips must not alarm a customer: while the link is down the screen keeps what it shows
 * (the poster, or a warning until its `until`), and the catch-up state on reconnect puts it right.
 */
import '../atm/atm.css';
import { byId } from '../shared/dom.js';
import { connectLive } from '../shared/live.js';
import type { KioskStreamMessage } from '../live/types.js';
import { KioskScreen, type Warning } from '../atm/kiosk.js';
import { Speaker } from '../atm/speech.js';

const ATM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const TOKEN = /^[A-Za-z0-9_-]{20,100}$/;

const params = new URLSearchParams(location.search);
const atmId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const token = params.get('token') ?? '';

/** A numeric query parameter within [min, max]; the default when absent or not a number. */
function numberParam(name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  const value = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(value) ? Math.min(max, Math.max(min, value)) : fallback;
}

const kiosk = new KioskScreen(byId('screen'), byId('text'), new Speaker(numberParam('volume', 1, 0, 1)), numberParam('cycle', 7, 2, 60) * 1000);
const dot = byId('link');
/** Agent clock minus this device's clock: `until` is the agent's time, and kiosk PCs drift. */
let skewMs = 0;

function toWarning(data: unknown): Warning | null {
  if (data === null || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (d.action !== 'show' || typeof d.eventId !== 'string' || typeof d.messageKey !== 'string') return null;
  const languages = Array.isArray(d.languages) ? d.languages.filter((l): l is string => typeof l === 'string') : [];
  const texts: Record<string, string> = {};
  if (d.texts && typeof d.texts === 'object') {
    for (const [lang, text] of Object.entries(d.texts as Record<string, unknown>)) if (typeof text === 'string') texts[lang] = text;
  }
  const until = typeof d.until === 'string' ? Date.parse(d.until) : Number.NaN;
  return {
    eventId: d.eventId,
    messageKey: d.messageKey,
    languages: languages.length > 0 ? languages : ['ja', 'en'],
    texts,
    untilMs: Number.isNaN(until) ? null : until - skewMs,
  };
}

function onMessage(m: KioskStreamMessage): void {
  if (m.kind === 'state') {
    const now = typeof m.now === 'string' ? Date.parse(m.now) : Number.NaN;
    if (!Number.isNaN(now)) skewMs = now - Date.now();
    if (Array.isArray(m.atmLanguages)) kiosk.setLanguages(m.atmLanguages.filter((l): l is string => typeof l === 'string'));
    const warning = toWarning(m.warning);
    // Nothing showing now: a warning that ended while the link was down comes off.
    if (warning) kiosk.show(warning);
    else kiosk.clear();
    return;
  }
  if (m.kind !== 'atm_warning' || !m.data) return;
  if (m.data.action === 'show') {
    const warning = toWarning(m.data);
    if (warning) kiosk.show(warning);
  } else if (m.data.action === 'clear' && typeof m.data.eventId === 'string') {
    kiosk.clear(m.data.eventId);
  }
}

type Check = 'ok' | 'refused' | 'unreachable';

/** Whether the agent accepts the token: refused (show "not configured") or unreachable (retry). */
async function check(): Promise<Check> {
  try {
    const res = await fetch(`/api/atm/${encodeURIComponent(atmId)}/kiosk?token=${encodeURIComponent(token)}`, { cache: 'no-store', credentials: 'omit' });
    if (res.ok) return 'ok';
    return res.status === 400 || res.status === 401 ? 'refused' : 'unreachable';
  } catch {
    return 'unreachable';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => window.setTimeout(resolve, ms));

/** Keeps the monitor from sleeping where the browser allows it (secure contexts only). */
function keepAwake(): void {
  const wakeLock = (navigator as Navigator & { wakeLock?: { request(type: 'screen'): Promise<unknown> } }).wakeLock;
  wakeLock?.request('screen').catch(() => undefined); // not allowed here: the kiosk's power settings decide
}

async function start(): Promise<void> {
  if (!ATM_ID.test(atmId) || !TOKEN.test(token)) return kiosk.unconfigured();
  kiosk.poster();
  keepAwake();
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && keepAwake());
  for (let delayMs = 2000; ; delayMs = Math.min(delayMs * 2, 30_000)) {
    const result = await check();
    if (result === 'refused') return kiosk.unconfigured();
    if (result === 'ok') break;
    await sleep(delayMs);
  }
  connectLive({
    url: `/api/atm/${encodeURIComponent(atmId)}/stream?token=${encodeURIComponent(token)}`,
    onMessage,
    onState: (state) => {
      dot.dataset.state = state;
    },
    onRefused: async () => {
      if ((await check()) !== 'refused') return true;
      kiosk.unconfigured();
      return false;
    },
  });
}

void start();
