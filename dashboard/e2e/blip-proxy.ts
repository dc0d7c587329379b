/**
 * A real network blip for end-to-end tests: a TCP proxy in front of the agent's HTTP port. The
 * browser talks to the agent through it; cut() drops every open connection (EventSource streams
 * included) and refuses new ones until restore(), as a Wi-Fi drop or a switch restart would.
 * Chromium's offline emulation cannot stand in: it leaves open streams untouched.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface BlipProxy {
  /** http://127.0.0.1:<port>/ — the agent's site through the proxy. */
  readonly url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startBlipProxy(target: string): Promise<BlipProxy> {
  const { hostname, port } = new URL(target);
  let up = true;
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy()); // the other side went away: nothing to report
  };
  const server: Server = createServer((client) => {
    track(client);
    if (!up) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
