import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the http transport. */
export class HttpTransportError extends TransportError {
  /** The HTTP status the peer answered, when it answered. */
  readonly status: number | undefined;

  constructor(message: string, options: { transport: string; retryable: boolean; cause?: unknown; status?: number }, code: ErrorCode = ErrorCode.Transport) {
    super(message, options, code);
    this.status = options.status;
  }
}

/** Connection-level failures: the peer (or the way to it) may come back, so all are retryable. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL']);

/** Maps a failed request (no answer at all) to a retryable error. `request` is e.g. "POST http://…". */
export function fromRequestFailure(cause: unknown, transport: string, request: string): HttpTransportError {
  if (cause instanceof HttpTransportError) return cause;
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new HttpTransportError(
    `${request} failed: ${detail}`,
    { transport, retryable: true, cause },
    UNREACHABLE.has(errno) ? ErrorCode.TransportUnavailable : ErrorCode.Transport,
  );
}

/**
 * Maps a non-2xx answer. Retryable: 408, 425, 429 and every 5xx (the peer is busy, full
 * or restarting). Not retryable: 413 (the envelope will never fit), redirects (the
 * configured address is wrong; a webhook does not follow them) and every other 4xx.
 */
export function fromStatus(status: number, reason: string, transport: string, request: string): HttpTransportError {
  const retryable = status >= 500 || status === 408 || status === 425 || status === 429;
  const code =
    status === 413 ? ErrorCode.EnvelopeTooLarge : status === 503 || status === 502 || status === 504 ? ErrorCode.TransportUnavailable : status === 507 ? ErrorCode.StorageFull : ErrorCode.Transport;
  const printable = reason.replace(/[^\x20-\x7e]/g, ' ').trim().slice(0, 200);
  const said = printable === '' ? '' : `: ${printable}`;
  return new HttpTransportError(`${request} answered ${status}${said}`, { transport, retryable, status }, code);
}
