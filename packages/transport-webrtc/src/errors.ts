import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the WebRTC transport. */
export class WebrtcTransportError extends TransportError {}

export function unavailable(transport: string, message: string, cause?: unknown): WebrtcTransportError {
  return new WebrtcTransportError(message, { transport, retryable: true, ...(cause === undefined ? {} : { cause }) }, ErrorCode.TransportUnavailable);
}

/** A peer link ended before the envelope was acknowledged; send() tries once more on a new link. */
export class LinkClosedError extends Error {
  override readonly name = 'LinkClosedError';
}
