/** Accessibility basics for the e2e tests: every visible control has an accessible name. */
import type { Page } from 'playwright-core';

/**
 * Runs in the page. Kept as source text: the e2e files are compiled without the DOM library.
 * A name comes from aria-label, aria-labelledby, an associated <label>, a button's text or a title.
 */
const FIND_UNNAMED = `(() => {
  const named = (c) => {
    if (c.getAttribute('aria-label')?.trim()) return true;
    const by = c.getAttribute('aria-labelledby');
    if (by && by.split(/\\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
    if (c.labels && [...c.labels].some((l) => l.textContent?.trim())) return true;
    if (c.tagName === 'BUTTON' && c.textContent?.trim()) return true;
    return Boolean(c.title?.trim());
  };
  return [...document.querySelectorAll('input, select, textarea, button')]
    .filter((c) => c.offsetParent !== null && c.type !== 'hidden')
    .filter((c) => !named(c))
    .map((c) => c.tagName.toLowerCase() + '#' + (c.id || '?') + '[name=' + (c.getAttribute('name') ?? '') + ']');
})()`;

/** Describes each visible input, select, textarea or button that has no accessible name. */
export async function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(FIND_UNNAMED);
}
