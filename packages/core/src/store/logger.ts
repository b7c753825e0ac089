/**
 * A JSON-lines file logger for logs/transport.log. It logs ids, fingerprints,
 * transport names and codes, never secrets: fields whose name suggests a secret or a
 * body are replaced, and any text carrying an OpenPGP armor block is dropped.
 */
import { appendFileSync } from 'node:fs';
import { SkcommError } from '../errors.js';
import type { Logger } from '../transport/contract.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const SECRET_FIELD = /pass(word|phrase)|secret|private|token|body|plain|content|armou?r/i;
const ARMOR = /-----BEGIN PGP/;
const REDACTED = '[redacted]';
const MAX_STRING = 500;
const MAX_DEPTH = 4;

export interface FileLoggerOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  now?: () => Date;
}

export function createFileLogger(path: string, options: FileLoggerOptions = {}): Logger {
  const minimum = LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? (() => new Date());
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (LEVELS.indexOf(level) < minimum) return;
    const line = { ...(sanitize(fields ?? {}, 0) as object), at: now().toISOString(), level, message: safeString(message) };
    try {
      // Synchronous append keeps lines whole and in order; a reopen per line survives log rotation.
      appendFileSync(path, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    } catch {
      // Logging must never take the receive loop down (a full disk surfaces in the stores).
    }
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

function sanitize(value: unknown, depth: number): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return safeString(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (SkcommError.is(value)) return sanitize(value.toJSON(), depth);
  if (value instanceof Error) return { name: value.name, message: safeString(value.message.split('\n')[0] ?? '') };
  if (depth >= MAX_DEPTH || typeof value !== 'object') return typeof value === 'bigint' ? String(value) : undefined;
  if (Array.isArray(value)) return value.slice(0, 50).map((item) => sanitize(item, depth + 1));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    result[key] = SECRET_FIELD.test(key) ? REDACTED : sanitize(item, depth + 1);
  }
  return result;
}

function safeString(text: string): string {
  if (ARMOR.test(text)) return REDACTED;
  return text.length > MAX_STRING ? `${text.slice(0, MAX_STRING)}…` : text;
}
