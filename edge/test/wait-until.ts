/** Polls `check` until it holds, failing with what was awaited once `timeoutMs` has passed. */
export async function waitUntil(what: string, check: () => boolean, timeoutMs = 15_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
