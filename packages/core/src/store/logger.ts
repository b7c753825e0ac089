/**
 * A JSON-lines file logger for logs/transport.log. It logs ids, fingerprints,
 * transport names and codes, never secrets: fields whose name suggests a secret or a
 * body are replaced, and any text carrying an OpenPGP armor block is dropped.
 */
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';
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

/** A Logger that owns its file: close() lets go of the descriptor (the next line opens it again). */
export interface FileLogger extends Logger {
  close(): void;
}

/** How often an open log is checked against its path, to follow a rotated or removed file. */
const ROTATION_CHECK_MS = 1000;

export function createFileLogger(path: string, options: FileLoggerOptions = {}): FileLogger {
  const minimum = LEVELS.indexOf(options.level ?? 'info');
  const now = options.now ?? (() => new Date());
  const file = new AppendHandle(path);
  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (LEVELS.indexOf(level) < minimum) return;
    const line = { ...(sanitize(fields ?? {}, 0) as object), at: now().toISOString(), level, message: safeString(message) };
    file.append(`${JSON.stringify(line)}\n`);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    close: () => file.close(),
  };
}

/**
 * One O_APPEND descriptor, opened on the first line. Each line is one synchronous
 * write(): with O_APPEND the kernel places it at the end of the file as a whole, so
 * several processes can share the log without interleaving or reordering within a
 * line. Every ROTATION_CHECK_MS (and after a failed write) the path is stat-ed: when it
 * now names another file (rotated) or nothing (removed), the descriptor is reopened.
 */
class AppendHandle {
  private fd: number | undefined;
  private identity = '';
  private checkedAt = 0;

  constructor(private readonly path: string) {}

  append(line: string): void {
    try {
      this.writeLine(line);
    } catch {
      // One retry on a fresh descriptor (the old one may be gone with a removed file system or file).
      this.close();
      try {
        this.writeLine(line);
      } catch {
        // Logging must never take the receive loop down (a full disk surfaces in the stores).
        this.close();
      }
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Nothing left to release.
    }
  }

  private writeLine(line: string): void {
    if (this.fd !== undefined && performance.now() - this.checkedAt >= ROTATION_CHECK_MS && !this.stillAtPath()) this.close();
    writeSync(this.fd ?? this.open(), line);
  }

  private open(): number {
    const fd = openSync(this.path, 'a', 0o600);
    try {
      const stats = fstatSync(fd);
      this.identity = `${stats.dev}:${stats.ino}`;
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.fd = fd;
    this.checkedAt = performance.now();
    return fd;
  }

  private stillAtPath(): boolean {
    this.checkedAt = performance.now();
    try {
      const stats = statSync(this.path);
      return `${stats.dev}:${stats.ino}` === this.identity;
    } catch {
      return false;
    }
  }
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
