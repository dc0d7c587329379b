/**
 * The dashboard is a multi-page app: each screen is its own small page, so the ATM kiosk and the
 * clerk's handheld load only their own code. Built into dist/dashboard, which the agent serves.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

/** Every top-level .html file is a page (login.html → /login, index.html → /). */
const PAGES = readdirSync(here('.')).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -'.html'.length));

export default defineConfig({
  root: here('.'),
  base: '/',
  build: {
    outDir: here('../dist/dashboard'),
    emptyOutDir: true,
    target: 'es2020',
    rollupOptions: {
      input: Object.fromEntries(PAGES.map((p) => [p, here(`${p}.html`)])),
    },
  },
  logLevel: 'warn',
});
