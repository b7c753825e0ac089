/**
 * send(): one POST of the envelope bytes to the peer's endpoint URL. 2xx means the peer's
 * server holds the envelope durably ("handed off"); everything else is a typed error
 * whose `retryable` says whether trying again later can help.
 */
import { ErrorCode, type SendResult } from '@skcomm/core';
import { parseEndpointUrl } from './address.js';
import { fromRequestFailure, fromStatus, HttpTransportError } from './errors.js';
import { ExchangeTimeoutError, type HttpClient } from './http-client.js';

/** Enough for the small JSON answers of our server and a typical error page. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface WebhookSenderInit {
  transport: string;
  client: HttpClient;
  maxEnvelopeBytes: number;
  timeoutMs: number;
}

export async function postEnvelope(init: WebhookSenderInit, bytes: Uint8Array, address: string | undefined, signal?: AbortSignal): Promise<SendResult> {
  const { transport } = init;
  if (address === undefined || address.trim() === '') {
    throw new HttpTransportError('the peer has no http address (add one: --address http=http://HOST:PORT/skcomm)', { transport, retryable: false });
  }
  const url = parseEndpointUrl(address);
  if ('problem' in url) throw new HttpTransportError(`the peer's http address ${url.problem}`, { transport, retryable: false });
  if (bytes.byteLength > init.maxEnvelopeBytes) {
    throw new HttpTransportError(
      `the envelope is ${bytes.byteLength} bytes, over this transport's limit of ${init.maxEnvelopeBytes}`,
      { transport, retryable: false },
      ErrorCode.EnvelopeTooLarge,
    );
  }
  if (signal?.aborted) throw new HttpTransportError('send aborted before it started', { transport, retryable: true, cause: signal.reason });
  let response;
  try {
    response = await init.client.exchange({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: bytes,
      timeoutMs: init.timeoutMs,
      maxResponseBytes: MAX_ANSWER_BYTES,
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (error instanceof ExchangeTimeoutError) {
      throw new HttpTransportError(`POST ${url.href}: no answer within ${init.timeoutMs} ms`, { transport, retryable: true, cause: error }, ErrorCode.TransportUnavailable);
    }
    throw fromRequestFailure(error, transport, `POST ${url.href}`);
  }
  if (response.status >= 200 && response.status < 300) return { transport, detail: url.href };
  throw fromStatus(response.status, reasonOf(response.body), transport, `POST ${url.href}`);
}

/** The `error` field of our server's JSON answers, or nothing (other servers' bodies are not echoed). */
function reasonOf(body: Uint8Array): string {
  try {
    const answer: unknown = JSON.parse(new TextDecoder().decode(body));
    const error = (answer as { error?: unknown } | null)?.error;
    return typeof error === 'string' ? error : '';
  } catch {
    return '';
  }
}
