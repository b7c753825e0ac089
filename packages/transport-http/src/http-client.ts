/**
 * One HTTP exchange over node:http / node:https with keep-alive, an overall deadline and
 * a bounded response body. Used by the webhook sender, the mailbox poll client and the
 * health probe.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface ExchangeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  url: URL;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Deadline for the whole exchange: connect, send, answer, body. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Larger response bodies are cut off and the exchange fails. */
  maxResponseBytes: number;
}

export interface ExchangeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
}

export class ExchangeTimeoutError extends Error {
  override readonly name = 'ExchangeTimeoutError';
}

export class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

/** Keep-alive agents, one pair per transport so stop() can close its sockets. */
export class HttpClient {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 32 });

  async exchange(request: ExchangeRequest): Promise<ExchangeResponse> {
    try {
      return await this.once(request);
    } catch (error) {
      // A kept-alive socket the server had already closed fails before any answer. The
      // request never reached the server's handler in that case (Node's documented
      // `reusedSocket` pattern); one retry on a fresh connection is safe. A duplicate in
      // the rarer case that it did reach it is harmless: receivers deduplicate by id.
      if (error instanceof StaleSocketError) return this.once(request);
      throw error;
    }
  }

  /** Closes idle kept-alive sockets. The client stays usable. */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private once(request: ExchangeRequest): Promise<ExchangeResponse> {
    const deadline = AbortSignal.timeout(request.timeoutMs);
    const signal = request.signal === undefined ? deadline : AbortSignal.any([request.signal, deadline]);
    const isHttps = request.url.protocol === 'https:';
    const headers: Record<string, string> = { ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(request.body.byteLength);
    return new Promise<ExchangeResponse>((resolve, reject) => {
      const fail = (error: unknown) => {
        if (deadline.aborted) reject(new ExchangeTimeoutError(`no answer within ${request.timeoutMs} ms`, { cause: error }));
        else reject(error);
      };
      const outgoing = (isHttps ? httpsRequest : httpRequest)(request.url, {
        method: request.method,
        headers,
        agent: isHttps ? this.https : this.http,
        signal,
      });
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        const stale = outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && !signal.aborted;
        fail(stale ? new StaleSocketError(error.message, { cause: error }) : error);
      });
      outgoing.on('response', (response) => {
        readBounded(response, request.maxResponseBytes).then(
          (body) => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
          fail,
        );
      });
      outgoing.end(request.body === undefined ? undefined : Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength));
    });
  }
}

class StaleSocketError extends Error {}

function readBounded(response: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    response.on('data', (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes) {
        response.destroy(new ResponseTooLargeError(`the answer is larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    response.on('error', reject);
    // After 'end' this rejection is a no-op; before it, the answer was cut off.
    response.on('close', () => reject(new Error('the answer was cut off')));
  });
}
