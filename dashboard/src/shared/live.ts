/**
 * The screens' live link to the agent: one EventSource on an SSE route (`/api/stream` or a
 * kiosk's `/api/atm/<atmId>/stream`). The browser reconnects by itself after a network blip; this
 * adds what it does not do:
 *
 * - a watchdog: the agent sends a `ping` every ~15 s, so a link silent for `silenceMs` is dead
 *   (a sleeping handheld, a proxy holding a half-open socket) and is opened afresh;
 * - refusals: when the agent answers with an HTTP error (session expired, token revoked, agent
 *   starting) EventSource gives up for good; the page is asked what that means (`onRefused`) and
 *   the link is retried with backoff unless the page says stop.
 *
 * Every (re)connect starts with a `state` message, so the page simply redraws from it.
 */
export type LinkState = 'connecting' | 'open' | 'reconnecting' | 'stopped';

/**
 * What the agent sends (edge/src/wire/api/live.ts): `kind` says which; `data` is the MQTT payload
 * for live updates. The page still reads payloads field by field: they are the MQTT contract's.
 */
export interface LiveOptions<M extends { kind: string }> {
  url: string;
  onMessage(message: M): void;
  onState(state: LinkState): void;
  /** The server refused the stream. Resolve true to retry (with backoff), false to stop. */
  onRefused(): Promise<boolean>;
  /** Longest silence before the link counts as dead (default 45 s: three missed pings). */
  silenceMs?: number;
}

export interface LiveLink {
  close(): void;
}

const MIN_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;

export function connectLive<M extends { kind: string }>(options: LiveOptions<M>): LiveLink {
  const silenceMs = options.silenceMs ?? 45_000;
  let source: EventSource | null = null;
  let watchdog: number | undefined;
  let retry: number | undefined;
  let backoffMs = MIN_RETRY_MS;
  let stopped = false;
  let state: LinkState | null = null;

  const setState = (next: LinkState): void => {
    if (next === state) return;
    state = next;
    options.onState(next);
  };

  const drop = (): void => {
    window.clearTimeout(watchdog);
    source?.close();
    source = null;
  };

  const armWatchdog = (): void => {
    window.clearTimeout(watchdog);
    watchdog = window.setTimeout(() => {
      drop();
      setState('reconnecting');
      open();
    }, silenceMs);
  };

  const scheduleRetry = (): void => {
    window.clearTimeout(retry);
    retry = window.setTimeout(open, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_RETRY_MS);
  };

  function open(): void {
    if (stopped) return;
    const es = new EventSource(options.url);
    source = es;
    armWatchdog();
    es.onopen = () => {
      backoffMs = MIN_RETRY_MS;
      setState('open');
      armWatchdog();
    };
    es.onmessage = (ev: MessageEvent<string>) => {
      armWatchdog();
      let message: M;
      try {
        message = JSON.parse(ev.data) as M;
      } catch {
        return; // not ours (a proxy's error page as an event?): nothing to show
      }
      if (message.kind !== 'ping') options.onMessage(message);
    };
    es.onerror = () => {
      if (es !== source) return;
      // CONNECTING: a dropped link the browser is already retrying.
      if (es.readyState !== EventSource.CLOSED) return setState('reconnecting');
      // CLOSED: the server answered with an error; EventSource will not retry by itself.
      drop();
      setState('reconnecting');
      options.onRefused().then(
        (again) => (again ? scheduleRetry() : stop()),
        () => scheduleRetry(), // could not even ask: the network is down, keep trying
      );
    };
  }

  function stop(): void {
    stopped = true;
    window.clearTimeout(retry);
    drop();
    setState('stopped');
  }

  setState('connecting');
  open();
  return { close: stop };
}
