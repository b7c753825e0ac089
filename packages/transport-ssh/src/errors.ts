import { ErrorCode, TransportError, type TransportErrorOptions } from '@skcomm/core';

/** What went wrong, for callers and tests that need more than `retryable`. */
export type SshFailure =
  /** Nothing listens on the port: sshd down or the host rebooting. Retryable. */
  | 'connection-refused'
  /** No route, DNS failure, reset or dropped connection. Retryable. */
  | 'unreachable'
  /** The connection or an SFTP request took longer than its timeout. Retryable. */
  | 'timeout'
  /** The server presented a host key nobody vouched for (not in known_hosts, not the pinned one). Not retryable. */
  | 'host-key-unknown'
  /** The host is known with a different key: a reinstalled server, or someone in the middle. Not retryable. */
  | 'host-key-changed'
  /** The host key is marked @revoked in known_hosts. Not retryable. */
  | 'host-key-revoked'
  /** The server refused our key. Not retryable: the config or the server's authorized_keys must change. */
  | 'authentication'
  /** The private key file is missing, unreadable, readable by others or passphrase-protected. Not retryable. */
  | 'identity'
  /** The peer address is missing or not `user@host[:port]:/path`. Not retryable. */
  | 'address'
  /** The remote folder is missing (not created yet, an unmounted disk). Retryable. */
  | 'remote-path'
  /** The remote folder is a symbolic link or a file, or the account may not write there. Not retryable. */
  | 'remote-refused'
  /** The remote side failed the write (a full disk, an I/O error). Retryable. */
  | 'remote-failure'
  /** No common algorithms, or the server lacks SFTP. Not retryable. */
  | 'protocol'
  /** The envelope itself cannot be carried (too large, no envelope_id). Not retryable. */
  | 'envelope'
  /** start() was not called, or stop() was. Retryable. */
  | 'not-started';

export interface SshTransportErrorOptions extends TransportErrorOptions {
  failure: SshFailure;
}

/** Every failure of the SSH transport. `failure` says which; `retryable` follows from it. */
export class SshTransportError extends TransportError {
  readonly failure: SshFailure;

  constructor(message: string, options: SshTransportErrorOptions, code: ErrorCode = ErrorCode.Transport) {
    super(message, options, code);
    this.failure = options.failure;
  }

  static isSshTransportError(value: unknown): value is SshTransportError {
    return TransportError.isTransportError(value) && typeof (value as Partial<SshTransportError>).failure === 'string';
  }
}

const RETRYABLE: Record<SshFailure, boolean> = {
  'connection-refused': true,
  unreachable: true,
  timeout: true,
  'host-key-unknown': false,
  'host-key-changed': false,
  'host-key-revoked': false,
  authentication: false,
  identity: false,
  address: false,
  'remote-path': true,
  'remote-refused': false,
  'remote-failure': true,
  protocol: false,
  envelope: false,
  'not-started': true,
};

const UNAVAILABLE = new Set<SshFailure>(['connection-refused', 'unreachable', 'timeout', 'remote-path', 'not-started']);

/** Builds the error for `failure`, with `retryable` and the code that go with it. */
export function sshError(transport: string, failure: SshFailure, message: string, cause?: unknown, code?: ErrorCode): SshTransportError {
  const options: SshTransportErrorOptions = { transport, failure, retryable: RETRYABLE[failure] };
  if (cause !== undefined) options.cause = cause;
  return new SshTransportError(message, options, code ?? (UNAVAILABLE.has(failure) ? ErrorCode.TransportUnavailable : ErrorCode.Transport));
}

const UNREACHABLE_ERRNOS = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EHOSTDOWN']);

/**
 * Maps an error from connecting (the socket, the handshake, authentication) to an
 * SshTransportError. Host-key refusals never get here: the verifier builds those itself.
 */
export function fromConnectError(cause: unknown, transport: string, endpoint: string): SshTransportError {
  if (SshTransportError.isSshTransportError(cause)) return cause;
  const error = cause as (Error & { code?: unknown; level?: unknown }) | undefined;
  const errno = typeof error?.code === 'string' ? error.code : '';
  const message = error instanceof Error ? error.message : String(cause);
  if (errno === 'ECONNREFUSED') return sshError(transport, 'connection-refused', `${endpoint}: connection refused (is sshd running?)`, cause);
  if (errno === 'ETIMEDOUT' || error?.level === 'client-timeout') return sshError(transport, 'timeout', `${endpoint}: ${message}`, cause);
  if (UNREACHABLE_ERRNOS.has(errno)) return sshError(transport, 'unreachable', `${endpoint}: ${message} (${errno})`, cause);
  if (error?.level === 'client-authentication') {
    return sshError(transport, 'authentication', `${endpoint}: the server refused our key (not in its authorized_keys?)`, cause);
  }
  if (error?.level === 'handshake' && /no matching/i.test(message)) return sshError(transport, 'protocol', `${endpoint}: ${message}`, cause);
  return sshError(transport, 'unreachable', `${endpoint}: ${message}`, cause);
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02, which OpenSSH speaks). */
export const SftpStatus = {
  Eof: 1,
  NoSuchFile: 2,
  PermissionDenied: 3,
  Failure: 4,
  BadMessage: 5,
  NoConnection: 6,
  ConnectionLost: 7,
  OperationUnsupported: 8,
} as const;

export function sftpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Maps an SFTP failure while doing `action` on `path` to an SshTransportError. */
export function fromSftpError(cause: unknown, transport: string, action: string, path: string): SshTransportError {
  if (SshTransportError.isSshTransportError(cause)) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  switch (sftpStatusOf(cause)) {
    case SftpStatus.NoSuchFile:
      return sshError(transport, 'remote-path', `${action}: ${path} does not exist on the remote host`, cause);
    case SftpStatus.PermissionDenied:
      return sshError(transport, 'remote-refused', `${action}: permission denied on ${path}`, cause);
    case SftpStatus.Failure:
      // OpenSSH's SFTP v3 reports ENOSPC, EIO and friends as a bare FAILURE.
      return sshError(transport, 'remote-failure', `${action}: the remote host failed on ${path} (${detail}); a full disk?`, cause);
    case SftpStatus.OperationUnsupported:
      return sshError(transport, 'protocol', `${action}: the SFTP server does not support it (${detail})`, cause);
    default:
      // No status: the channel or connection went away mid-request.
      return sshError(transport, 'unreachable', `${action}: ${detail}`, cause);
  }
}
