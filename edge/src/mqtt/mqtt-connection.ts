/**
 * The agent's one MQTT connection (mqtt.js). The site's status topic says whether the agent is
 * reachable: `online` (retained) on every connect, `offline` (retained) from close() or, when the
 * agent dies or the network drops, from the broker via the last will. Reconnects forever.
 */
import fs from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { createLogger, type Logger } from '../log/logger.js';
import { redactCredentials } from '../log/redact-url.js';

export interface MqttTlsOptions {
  /** CA certificate file (PEM). */
  readonly ca?: string;
  /** Client certificate file (PEM). */
  readonly cert?: string;
  /** Client key file (PEM). */
  readonly key?: string;
  readonly rejectUnauthorized: boolean;
}

export interface MqttConnectOptions {
  /** mqtt://, mqtts://, ws:// or wss:// */
  readonly url: string;
  readonly clientId: string;
  readonly username?: string;
  readonly password?: string;
  readonly tls?: MqttTlsOptions;
  /** mimamori/<site>/status */
  readonly statusTopic: string;
  /** Wait between reconnect attempts (default 1000 ms). */
  readonly reconnectPeriodMs?: number;
  readonly log?: Logger;
}

export interface PublishOptions {
  readonly qos: 0 | 1;
  readonly retain: boolean;
}

export type MessageHandler = (topic: string, payload: Buffer, retained: boolean) => void;

export interface MqttConnection {
  readonly clientId: string;
  readonly connected: boolean;
  /** Called on every (re)connect, after `online` was sent; returns a function that unregisters. */
  onConnect(cb: () => void): () => void;
  /**
   * Resolves once the broker has the message: on PUBACK for QoS 1, once written for QoS 0.
   * Rejects at once when not connected. A QoS 1 message in flight when the connection drops is
   * resent by mqtt.js after the reconnect, so this may resolve only after the reconnect.
   */
  publish(topic: string, payload: string, options: PublishOptions): Promise<void>;
  /** QoS 1 subscription, renewed on reconnect; the filter may use + and #. */
  subscribe(topic: string, handler: MessageHandler): Promise<void>;
  /** Publishes `offline` (retained) when connected, then disconnects; idempotent. */
  close(): Promise<void>;
  /** The mqtt.js client, for diagnostics and tests (e.g. to cut the socket as a crash would). */
  readonly client: MqttClient;
}

export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';
/** How long close() waits for the broker to acknowledge `offline` before disconnecting anyway. */
const OFFLINE_ACK_TIMEOUT_MS = 2000;

function readTlsFile(field: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new Error(`mqtt.tls.${field}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Node's codes for a broker certificate the client does not trust. */
const UNTRUSTED_SERVER = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);
/** TLS alerts from a broker that wants a (different) client certificate. */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
]);

/**
 * A connection error in words an installer can act on: TLS failures name the config fields to
 * check, since Node's own messages ("self-signed certificate in certificate chain", OpenSSL's
 * alert strings) do not say which side or which file is wrong.
 */
export function describeConnectionError(error: Error, tls: MqttTlsOptions | undefined): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (UNTRUSTED_SERVER.has(code)) {
    const trust = tls?.ca !== undefined ? `mqtt.tls.ca (${tls.ca})` : 'the system CAs (mqtt.tls.ca is not set)';
    return `TLS: the broker's certificate is not trusted by ${trust}: ${error.message} [${code}]`;
  }
  if (CLIENT_CERT_REFUSED.has(code)) {
    const cert = tls?.cert !== undefined ? `refused the client certificate mqtt.tls.cert (${tls.cert})` : 'requires a client certificate: set mqtt.tls.cert and mqtt.tls.key';
    return `TLS: the broker ${cert} [${code}]`;
  }
  return error.message;
}

/** MQTT topic filter matching (+ one level, # the rest), for dispatching to subscribe() handlers. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

export function connectMqtt(options: MqttConnectOptions): MqttConnection {
  const log = options.log ?? createLogger('mqtt');
  const where = redactCredentials(options.url);
  const tls = options.tls;
  const clientOptions: IClientOptions = {
    clientId: options.clientId,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    connectTimeout: 10_000,
    keepalive: 30,
    // QoS 0 is for transient state; what must arrive goes through the outbox as QoS 1.
    queueQoSZero: false,
    will: { topic: options.statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
    ...(options.username !== undefined ? { username: options.username } : {}),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(tls?.ca !== undefined ? { ca: readTlsFile('ca', tls.ca) } : {}),
    ...(tls?.cert !== undefined ? { cert: readTlsFile('cert', tls.cert) } : {}),
    ...(tls?.key !== undefined ? { key: readTlsFile('key', tls.key) } : {}),
    ...(tls !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
  };

  const client = mqtt.connect(options.url, clientOptions);
  const connectListeners = new Set<() => void>();
  const handlers: { filter: string; handler: MessageHandler }[] = [];
  let wasConnected = false;
  // One line per outage, not per reconnect attempt: remember what was already said.
  let lastError: string | undefined;
  let closing: Promise<void> | undefined;
  // mqtt.js keeps an unacknowledged QoS 1 message to resend after a reconnect and, once ended
  // with force, never calls back; close() settles these itself so no caller waits forever.
  const inFlight = new Set<(error: Error) => void>();

  client.on('connect', () => {
    wasConnected = true;
    lastError = undefined;
    log.info('connected', { url: where, clientId: options.clientId });
    client.publish(options.statusTopic, STATUS_ONLINE, { qos: 1, retain: true }, (error) => {
      if (error) log.warn('status not published', { topic: options.statusTopic, error: error.message });
    });
    for (const cb of connectListeners) {
      try {
        cb();
      } catch (error) {
        log.error('connect listener failed', { error });
      }
    }
  });
  client.on('close', () => {
    if (wasConnected && closing === undefined) {
      log.warn('disconnected, reconnecting', { url: where, clientId: options.clientId });
    }
    wasConnected = false;
  });
  client.on('error', (error) => {
    // mqtt.js messages name the host and port, never the password.
    const message = describeConnectionError(error, tls);
    if (message !== lastError) {
      lastError = message;
      log.warn('connection error', { url: where, error: message });
    }
  });
  client.on('message', (topic, payload, packet) => {
    for (const { filter, handler } of handlers) {
      if (!topicMatches(filter, topic)) continue;
      try {
        handler(topic, payload, packet.retain);
      } catch (error) {
        log.error('message handler failed', { topic, error });
      }
    }
  });

  const publish = (topic: string, payload: string, publishOptions: PublishOptions): Promise<void> =>
    new Promise((resolve, reject) => {
      if (closing !== undefined) {
        reject(new Error(`mqtt publish to ${topic}: connection is closed`));
        return;
      }
      if (!client.connected) {
        reject(new Error(`mqtt publish to ${topic}: not connected to ${where}`));
        return;
      }
      const abandon = (error: Error): void => reject(new Error(`mqtt publish to ${topic}: ${error.message}`, { cause: error }));
      inFlight.add(abandon);
      client.publish(topic, payload, { qos: publishOptions.qos, retain: publishOptions.retain }, (error) => {
        inFlight.delete(abandon);
        if (error) abandon(error);
        else resolve();
      });
    });

  return {
    clientId: options.clientId,
    client,
    get connected() {
      return client.connected && closing === undefined;
    },
    onConnect(cb) {
      connectListeners.add(cb);
      return () => connectListeners.delete(cb);
    },
    publish,
    async subscribe(topic, handler) {
      handlers.push({ filter: topic, handler });
      try {
        await client.subscribeAsync(topic, { qos: 1 });
      } catch (error) {
        throw new Error(`mqtt subscribe to ${topic}: ${(error as Error).message}`, { cause: error });
      }
    },
    close() {
      closing ??= (async () => {
        if (client.connected) {
          const offline = new Promise<void>((resolve) => {
            client.publish(options.statusTopic, STATUS_OFFLINE, { qos: 1, retain: true }, (error) => {
              if (error) log.warn('offline status not published', { topic: options.statusTopic, error: error.message });
              resolve();
            });
          });
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, OFFLINE_ACK_TIMEOUT_MS);
          });
          await Promise.race([offline, timeout]);
          clearTimeout(timer);
        }
        // A clean DISCONNECT (no last will) when nothing is in flight; otherwise end at once
        // rather than wait for acknowledgements: the outbox still holds those messages as pending.
        const graceful = client.connected && Object.keys(client.outgoing).length === 0;
        for (const abandon of inFlight) abandon(new Error('connection closed before the broker acknowledged'));
        inFlight.clear();
        await client.endAsync(!graceful);
        log.info('closed', { url: where, clientId: options.clientId });
      })();
      return closing;
    },
  };
}
