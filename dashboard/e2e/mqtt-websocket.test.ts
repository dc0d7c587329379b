/**
 * The embedded broker's WebSocket in real Chromium: the dashboard's session cookie reaches the
 * broker's port (cookies go to every port of the host), so a logged-in clerk's page gets an MQTT
 * session without any password in page scripts; the same browser on another page of the same host
 * (another port: same site, so the SameSite=Strict cookie goes along) is refused by its Origin, and
 * a page without a login is refused too. MQTT is spoken raw (CONNECT, CONNACK) so the page needs
 * no MQTT library. The dashboard's own screens use SSE and their CSP (connect-src 'self') keeps
 * them off the broker's port, so the script runs on another document of the dashboard's origin,
 * /api/session, as a browser MQTT client served from that origin would.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, logIn, startSite, type E2eSite } from './harness.js';

let site: E2eSite;
let browser: Browser;
let other: Server;
let otherUrl: string;

beforeAll(async () => {
  site = await startSite();
  browser = await launchBrowser();
  // Some other web page on the agent's host (another local service, say).
  other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other</title>'));
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => other?.close(resolve));
  await site?.close();
});

/**
 * Opens the broker's WebSocket from the page and sends an MQTT 3.1.1 CONNECT without username or
 * password; returns the CONNACK's return code (0: accepted), or 'refused' when the upgrade fails.
 */
function mqttConnect(page: Page, wsUrl: string): Promise<number | 'refused'> {
  return page.evaluate((url) => new Promise<number | 'refused'>((resolve) => {
    const socket = new WebSocket(url, 'mqtt');
    socket.binaryType = 'arraybuffer';
    const clientId = [...'e2e-ws'].map((c) => c.charCodeAt(0));
    const connect = [0x10, 10 + 2 + clientId.length, 0, 4, 0x4d, 0x51, 0x54, 0x54, 4, 0x02, 0, 60, 0, clientId.length, ...clientId];
    socket.onopen = () => socket.send(new Uint8Array(connect));
    // The broker may send the CONNACK in more than one WebSocket frame.
    const bytes: number[] = [];
    socket.onmessage = (m) => {
      bytes.push(...new Uint8Array(m.data as ArrayBuffer));
      if (bytes.length < 4) return;
      resolve(bytes[0] === 0x20 ? bytes[3]! : -1);
      socket.close();
    };
    socket.onerror = () => resolve('refused');
    socket.onclose = () => resolve('refused');
  }), wsUrl);
}

describe('the embedded broker\'s WebSocket in a browser', () => {
  it('takes a logged-in clerk\'s page by its session, and refuses the same browser on another page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await logIn(page, site, 'clerk');
    await page.goto(`${site.url}api/session`);
    expect(await mqttConnect(page, site.agent.mqttWsUrl!)).toBe(0);

    const elsewhere = await context.newPage();
    await elsewhere.goto(otherUrl);
    expect(await mqttConnect(elsewhere, site.agent.mqttWsUrl!)).toBe('refused');

    // Logged out: the dashboard's own page no longer gets in.
    await page.evaluate(() => fetch('/api/logout', { method: 'POST' }));
    expect(await mqttConnect(page, site.agent.mqttWsUrl!)).toBe('refused');
    await context.close();
  });

  it('refuses the dashboard\'s page without a login', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${site.url}api/session`);
    expect(await mqttConnect(page, site.agent.mqttWsUrl!)).toBe('refused');
    await context.close();
  });
});
