/**
 * The one place credentials are taken out of URLs before they reach logs, errors or status:
 * RTSP cameras are usually addressed as rtsp://user:password@host/… and ffmpeg echoes the URL in
 * its messages; MQTT and Home Assistant URLs may carry a login too. It works on any text, so a
 * lone URL, a label and an ffmpeg error line all go through the same rule.
 */
// From the scheme up to the last "@" before whitespace: passwords often hold a raw "@", and now
// and then a raw "/" that ends the host for a URL parser but not for a person reading the log. An
// "@" later in a path or query costs that URL its host in the message, never a password.
const CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)\S*@/gi;

/** Replaces `scheme://user:pass@` with `scheme://***@` anywhere in `text`. */
export function redactCredentials(text: string): string {
  return text.replace(CREDENTIALS, '$1***@');
}
