/**
 * Structured logs: one JSON object per line on stderr (stdout stays free for command output such
 * as `analyze --json`). One line per meaningful change, never per frame; debug lines are built
 * lazily so they cost nothing when the level is higher.
 */
import { types } from 'node:util';

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
    write(formatLine({ time: now().toISOString(), level: lvl, ns: namespace, msg, ...fields }));
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

/**
 * A field JSON cannot write (a BigInt, a cyclic object) must not turn the logging of a failure
 * into a second failure thrown at the caller: the line is still written, saying what was lost.
 */
function formatLine(line: Record<string, unknown>): string {
  try {
    return JSON.stringify(line, errorReplacer);
  } catch (err) {
    const { time, level, ns, msg } = line;
    return JSON.stringify({ time, level, ns, msg, logFieldsLost: (err as Error).message });
  }
}

/** Errors nested below a logged one (causes, an AggregateError's errors) that are written out. */
const MAX_NESTED = 8;

/**
 * Errors have no enumerable fields, so JSON.stringify would write `{}`: write what finding the
 * fault needs instead (name, message, code, stack and the chain of causes). The chain is walked
 * here rather than by JSON.stringify so that a cycle or an absurdly long chain cannot stop the line.
 */
function errorReplacer(_key: string, value: unknown): unknown {
  return isError(value) ? serializeError(value, 0, []) : value;
}

// isNativeError also knows errors made in another realm (vm contexts), where instanceof fails.
function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

interface LoggedError {
  name: string;
  message: string;
  code?: unknown;
  stack?: string;
  /** An AggregateError's errors: a refused connect to a dual-stack host says nothing else. */
  errors?: unknown[];
  cause?: unknown;
}

/** `ancestors` are the errors this one is nested in: meeting one again is a cycle. */
function serializeError(err: Error, depth: number, ancestors: readonly Error[]): LoggedError {
  const out: LoggedError = { name: err.name, message: err.message };
  const { code } = err as { code?: unknown };
  if (code !== undefined) out.code = code;
  if (typeof err.stack === 'string') out.stack = err.stack;
  const path = [...ancestors, err];
  if (err instanceof AggregateError && Array.isArray(err.errors)) {
    out.errors = err.errors.map((e: unknown) => nested(e, depth + 1, path));
  }
  if (err.cause !== undefined) out.cause = nested(err.cause, depth + 1, path);
  return out;
}

function nested(value: unknown, depth: number, ancestors: readonly Error[]): unknown {
  if (!isError(value)) return value;
  if (ancestors.includes(value)) return `[circular: ${value.name}: ${value.message}]`;
  if (depth > MAX_NESTED) return `[more than ${MAX_NESTED} nested errors; ${value.name}: ${value.message} and below not logged]`;
  return serializeError(value, depth, ancestors);
}
