import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the TCP transport. */
export class TcpTransportError extends TransportError {}

/**
 * A connection closed or was reset before the hop ack. On a reused (pooled) connection
 * this is usually a peer that restarted or closed it as idle: one retry on a new
 * connection is safe (a duplicate is deduplicated by envelope_id at the receiver).
 */
export class ConnectionLostError extends TcpTransportError {}

/** Socket errors that mean "nobody is listening there right now": the peer may come back. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Maps a socket failure to a TcpTransportError. All are retryable: a peer restarts, a
 * mesh link comes back, a name resolves again; the router bounds the retries.
 */
export function fromSocketError(cause: unknown, transport: string, address: string): TcpTransportError {
  if (cause instanceof TcpTransportError) return cause;
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new TcpTransportError(
    `cannot deliver to ${address}: ${detail}`,
    { transport, retryable: true, cause },
    UNREACHABLE.has(errno) ? ErrorCode.TransportUnavailable : ErrorCode.Transport,
  );
}

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
