import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the websocket transport. */
export class WebsocketTransportError extends TransportError {}

export function unavailable(transport: string, message: string, cause?: unknown): WebsocketTransportError {
  return new WebsocketTransportError(message, { transport, retryable: true, ...(cause === undefined ? {} : { cause }) }, ErrorCode.TransportUnavailable);
}
