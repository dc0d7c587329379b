/**
 * Structured logs: one JSON object per line on stderr (stdout stays free for command output such
 * as `analyze --json`). One line per meaningful change, never per frame; debug lines are built
 * lazily so they cost nothing when the level is higher.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: () => Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(namespace: string): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
}

function parseLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}

export function createLogger(namespace: string, options: LoggerOptions = {}): Logger {
  const level = options.level ?? parseLevel(process.env.MIMAMORI_LOG_LEVEL);
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(JSON.stringify({ time: now().toISOString(), level: lvl, ns: namespace, msg, ...fields }, errorReplacer));
  };
  return {
    debug: (msg, fields) => {
      if (ORDER.debug >= ORDER[level]) emit('debug', msg, fields?.());
    },
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (ns) => createLogger(`${namespace}:${ns}`, { level, write, now }),
  };
}

/** Errors have no enumerable fields; log their message (and cause) instead of `{}`. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, ...(value.cause ? { cause: String(value.cause) } : {}) };
  }
  return value;
}
