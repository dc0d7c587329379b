/**
 * Removes credentials from camera URLs before they reach logs, errors or status: RTSP cameras are
 * usually addressed as rtsp://user:password@host/… and ffmpeg echoes the URL in its messages.
 */
// Greedy up to the last "@" before the path: passwords often contain a raw "@".
const CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^/\s]*@/gi;

/** Replaces `scheme://user:pass@` with `scheme://***@` anywhere in `text`. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS, '$1***@');
}
