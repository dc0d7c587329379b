/**
 * The embedded broker for a site without its own mosquitto: aedes on TCP for the agent, ATM
 * displays and clerk devices, and MQTT over WebSocket (path /mqtt) for the dashboard in a browser.
 * Nobody gets in without logging in, and each user has only its role's rights (broker-guard.ts).
 * It keeps sessions and retained messages in memory only: durability of alerts comes from the
 * agent's SQLite outbox, not from the broker.
 */
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';
import { createLogger, type Logger } from '../log/logger.js';
import type { AclContext } from './broker-acl.js';
import type { BrokerCredentials } from './broker-credentials.js';
import { BrokerGuard, type BrowserAccess } from './broker-guard.js';

export interface EmbeddedBrokerOptions {
  readonly host: string;
  /** 0 lets the OS pick a free port (tests); the real one is in `url`. */
  readonly port: number;
  readonly wsPort: number;
  /** Whose topics these are (broker-acl.ts). */
  readonly acl: AclContext;
  /** The only logins accepted with a password (broker-credentials.ts). */
  readonly credentials: BrokerCredentials;
  /** Reads the logins again when an unknown user tries (broker-guard.ts). */
  readonly reloadCredentials?: () => BrokerCredentials;
  /** Dashboard pages on the WebSocket; without it, no browser client gets in. */
  readonly browser?: BrowserAccess;
  readonly log?: Logger;
}

export interface EmbeddedBroker {
  /** mqtt://host:port with the bound port. */
  readonly url: string;
  /** ws://host:wsPort/mqtt with the bound port. */
  readonly wsUrl: string;
  /** Ends every connection, both listeners and the broker; idempotent. */
  close(): Promise<void>;
}

export const WS_PATH = '/mqtt';

function listen(server: TcpServer | HttpServer, host: string, port: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new Error(`embedded MQTT broker: cannot listen for ${what} on ${host}:${port}: ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`embedded MQTT broker: ${what} listener on ${host}:${port} has no TCP address`));
        return;
      }
      resolve(address.port);
    });
  });
}

function closeServer(server: TcpServer | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    // ERR_SERVER_NOT_RUNNING is the only error close() reports, and "not running" is the goal.
    server.close(() => resolve());
  });
}

/** IPv6 literals need brackets in a URL. */
function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const guard = new BrokerGuard({
    acl: options.acl, credentials: options.credentials, log: options.log ?? createLogger('mqtt-broker'),
    ...(options.browser ? { browser: options.browser } : {}),
    ...(options.reloadCredentials ? { reloadCredentials: options.reloadCredentials } : {}),
  });
  const broker = await Aedes.createBroker(guard.hooks());
  broker.on('clientDisconnect', (client) => guard.released(client));
  // Sockets are tracked from accept, not from CONNECT: aedes only knows clients that finished
  // the handshake, and a half-open connection must not keep close() waiting.
  const sockets = new Set<Socket>();
  const tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  const http = createHttpServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end(`MQTT over WebSocket only, at ${WS_PATH}\n`);
  });
  const wss = new WebSocketServer({
    server: http,
    path: WS_PATH,
    // Checked on the upgrade itself, where the Origin and the session cookie are.
    verifyClient: (info, done) => {
      const verdict = guard.verifyUpgrade(info.req);
      if (verdict.ok) done(true);
      else done(false, verdict.code, verdict.reason);
    },
  });
  wss.on('connection', (websocket, request) => {
    const stream = createWebSocketStream(websocket);
    // A browser that vanishes mid-frame surfaces here; aedes sees the close and cleans up.
    stream.on('error', () => websocket.terminate());
    broker.handle(stream, request);
  });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const tcpClosed = closeServer(tcp);
      const httpClosed = closeServer(http);
      for (const client of wss.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await Promise.all([tcpClosed, httpClosed]);
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    })();
    return closing;
  };

  try {
    const port = await listen(tcp, options.host, options.port, 'MQTT');
    const wsPort = await listen(http, options.host, options.wsPort, 'MQTT over WebSocket');
    return {
      url: `mqtt://${urlHost(options.host)}:${port}`,
      wsUrl: `ws://${urlHost(options.host)}:${wsPort}${WS_PATH}`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
