/**
 * Typed errors. Every error SKComm raises is a `SkcommError` with a stable `code`;
 * callers match on `code` (or the static `is()` helpers, which keep working when two
 * copies of this package are installed side by side).
 */

export const ErrorCode = {
  // Envelope parsing
  EnvelopeTooLarge: 'E_ENVELOPE_TOO_LARGE',
  EnvelopeInvalid: 'E_ENVELOPE_INVALID',
  UnsupportedVersion: 'E_UNSUPPORTED_VERSION',
  // Receive pipeline, in pipeline order
  UnknownSender: 'E_UNKNOWN_SENDER',
  KeyRevoked: 'E_KEY_REVOKED',
  SignatureInvalid: 'E_SIGNATURE_INVALID',
  DecryptFailed: 'E_DECRYPT_FAILED',
  HeaderMismatch: 'E_HEADER_MISMATCH',
  RecipientMismatch: 'E_RECIPIENT_MISMATCH',
  Expired: 'E_EXPIRED',
  FromFuture: 'E_FROM_FUTURE',
  Replay: 'E_REPLAY',
  TrustDenied: 'E_TRUST_DENIED',
  /** A `command` created more than 5 minutes ago: too old to act on, whatever its ttl. */
  Stale: 'E_STALE',
  // Keys and identity
  KeyInvalid: 'E_KEY_INVALID',
  PassphraseRequired: 'E_PASSPHRASE_REQUIRED',
  PassphraseWrong: 'E_PASSPHRASE_WRONG',
  CryptoFailed: 'E_CRYPTO',
  // Configuration, storage, routing
  ConfigInvalid: 'E_CONFIG_INVALID',
  NotFound: 'E_NOT_FOUND',
  AlreadyExists: 'E_ALREADY_EXISTS',
  StorageFull: 'E_STORAGE_FULL',
  Storage: 'E_STORAGE',
  InsecurePermissions: 'E_INSECURE_PERMISSIONS',
  Transport: 'E_TRANSPORT',
  TransportUnavailable: 'E_TRANSPORT_UNAVAILABLE',
  TransportLoad: 'E_TRANSPORT_LOAD',
  NoRoute: 'E_NO_ROUTE',
  AllTransportsFailed: 'E_ALL_TRANSPORTS_FAILED',
  // Large files (@skcomm/core/files)
  FileManifest: 'E_FILE_MANIFEST',
  FileChanged: 'E_FILE_CHANGED',
  FileIntegrity: 'E_FILE_INTEGRITY',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const SKCOMM_ERROR = Symbol.for('skcomm.error');

export interface SkcommErrorOptions {
  cause?: unknown;
  /** Dotted path of the offending field, for envelope and config errors. */
  field?: string;
}

export class SkcommError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly [SKCOMM_ERROR] = true;

  constructor(code: ErrorCode, message: string, options: SkcommErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
  }

  static is(value: unknown): value is SkcommError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[SKCOMM_ERROR] === true;
  }

  /** True when `value` is an SkcommError carrying `code`. */
  static hasCode(value: unknown, code: ErrorCode): value is SkcommError {
    return SkcommError.is(value) && value.code === code;
  }

  toJSON(): { code: ErrorCode; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** The envelope bytes could not be accepted as a wire-format 1.0.0 envelope. */
export class EnvelopeError extends SkcommError {}

/**
 * A verified-input failure in the receive pipeline: the envelope parsed, but it is not
 * from who it claims, not for us, not fresh, already seen or not allowed.
 */
export class RejectionError extends SkcommError {}

/** Key material could not be read, unlocked or used. */
export class KeyError extends SkcommError {}

export class ConfigError extends SkcommError {}

export class StorageError extends SkcommError {
  /** Maps a Node fs error to a typed storage error (ENOSPC -> E_STORAGE_FULL). */
  static fromFs(cause: unknown, action: string): StorageError {
    const errno = (cause as NodeJS.ErrnoException | undefined)?.code;
    if (errno === 'ENOSPC' || errno === 'EDQUOT') {
      return new StorageError(ErrorCode.StorageFull, `${action}: no space left on device`, { cause });
    }
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new StorageError(ErrorCode.Storage, `${action}: ${detail}`, { cause });
  }
}

export interface TransportErrorOptions extends SkcommErrorOptions {
  /** Name of the transport that failed. */
  transport: string;
  /** Whether trying the same transport again later may succeed. The router relies on it. */
  retryable: boolean;
}

/** A transport could not move the bytes. `retryable` tells the router whether to try again. */
export class TransportError extends SkcommError {
  readonly transport: string;
  readonly retryable: boolean;

  constructor(message: string, options: TransportErrorOptions, code: ErrorCode = ErrorCode.Transport) {
    super(code, message, options);
    this.transport = options.transport;
    this.retryable = options.retryable;
  }

  static isTransportError(value: unknown): value is TransportError {
    return SkcommError.is(value) && typeof (value as Partial<TransportError>).retryable === 'boolean';
  }
}

/** One line, safe to print: the message of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
