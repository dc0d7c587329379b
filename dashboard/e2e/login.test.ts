import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, PASSWORD, screenshot, startSite, type E2eSite } from './harness.js';

let site: E2eSite;
let browser: Browser;
beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('login page', () => {
  it('refuses a wrong password on the page, and keeps the session cookie out of page scripts', async () => {
    const page = await browser.newPage();
    await page.goto(`${site.url}login`);
    await screenshot(page, 'login');
    await page.getByLabel(/User name/).fill('clerk');
    await page.getByLabel(/Password/).fill('not the password');
    await page.getByRole('button', { name: /Log in/ }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('wrong username or password');
    expect(new URL(page.url()).pathname).toBe('/login');

    await page.getByLabel(/Password/).fill(PASSWORD);
    await page.getByRole('button', { name: /Log in/ }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    expect(new URL(page.url()).pathname).toBe('/clerk'); // a clerk's home screen
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'mimamori_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).not.toContain('mimamori_session');
    await page.close();
  });

  it('returns to the page that asked for a login, but never to another site', async () => {
    const page = await browser.newPage();
    await logIn(page, site, 'investigator', '/api/session');
    expect(new URL(page.url()).pathname).toBe('/api/session');
    expect(await page.textContent('body')).toContain('"role":"investigator"');
    await page.context().clearCookies();
    await logIn(page, site, 'admin', '//evil.example/');
    expect(new URL(page.url()).host).toBe(new URL(site.url).host);
    await page.close();
  });

  it('serves pages with a strict content security policy', async () => {
    const res = await fetch(`${site.url}login`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
