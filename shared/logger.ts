import winston from 'winston';
import { logFormat, logFormatOf, type LogFormat } from './log-format.js';

/**
 * Structured logs: JSON, or one human line per entry at a terminal (log-format.ts). Components take a `Logger` and make children that carry their
 * own fields (component, hostId, queue, jobId, agentId, correlationId), so every line can
 * be traced back to the request or job that caused it.
 */
export type Logger = winston.Logger;

export type LogLevel = 'error' | 'warn' | 'info' | 'http' | 'verbose' | 'debug' | 'silly' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** fields on every line */
  base?: Record<string, unknown>;
  /** default: stderr, so that stdout stays free for command output */
  stream?: NodeJS.WritableStream;
  /** default: LOG_FORMAT, else pretty when stderr is a TTY (log-format.ts) */
  format?: LogFormat;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    defaultMeta: { service: 'nox', ...options.base },
    format: logFormat(options.format ?? logFormatOf(process.env, !options.stream && process.stderr.isTTY === true)),
    transports: [
      options.stream
        ? new winston.transports.Stream({ stream: options.stream })
        : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] }),
    ],
  });
}

/** Logs an error with its cause chain flattened into fields winston can serialise. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: String(err) };
  const fields: Record<string, unknown> = { error: err.message, errorName: err.name };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) fields.errorCode = code;
  if (err.stack) fields.stack = err.stack;
  if (err.cause !== undefined) fields.cause = err.cause instanceof Error ? err.cause.message : String(err.cause);
  return fields;
}
