/**
 * The receiving side: a small node:http server.
 *
 *   POST   <path>                       an envelope for us (or, as a mailbox, for a client)
 *   GET    <path>/health                200 {"status":"up"}
 *   GET    <path>/mailbox/<FP>?limit=N  pending envelopes of FP (Bearer token)
 *   DELETE <path>/mailbox/<FP>/<id>     acknowledge one of them (Bearer token)
 *
 * A POST is answered 202 only once the envelope is durable in the spool. Every failure
 * is an answer with a status, never a crash: the handler catches everything.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FINGERPRINT_PATTERN, type Logger } from '@skcomm/core';
import type { ListenAddress } from './address.js';
import { readBodyWithLimit } from './body-reader.js';
import { readEnvelopeRouting } from './envelope-routing.js';
import { listMailbox, MAX_MAILBOX_PAGE } from './mailbox-page.js';
import type { MailboxTokens } from './mailbox-tokens.js';
import type { RateLimiter } from './rate-limiter.js';
import { checkDeliveryHeaders, type Refusal } from './request-checks.js';
import { SPOOL_NAME_PATTERN, type Spool } from './spool.js';

/**
 * A refused request's unread body is drained (read and dropped) so the client can read
 * the answer (closing with unread data makes the kernel send a reset, which can destroy
 * the answer in flight), but for at most this long and this much before the connection is cut.
 */
const DRAIN_GRACE_MS = 1000;
const DRAIN_LIMIT_BYTES = 1024 * 1024;

export interface ReceivingServerInit {
  listen: ListenAddress;
  path: string;
  selfFingerprint: string;
  maxEnvelopeBytes: number;
  maxSpooled: number;
  inbox: Spool;
  /** Mailboxes held for other fingerprints, when the mailbox API is on. */
  mailboxes: Map<string, Spool> | undefined;
  tokens: MailboxTokens | undefined;
  rateLimiter: RateLimiter;
  logger: Logger;
  /** Called after an envelope for us is durable. */
  onArrival(name: string): void;
}

export class ReceivingServer {
  private server: Server | undefined;
  private boundPort = 0;

  constructor(private readonly init: ReceivingServerInit) {}

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** The port actually bound (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    if (this.server !== undefined) return;
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (request, response) => {
      this.handle(request, response).catch((error: unknown) => this.internalError(response, error));
    });
    server.maxConnections = 1024;
    // A client error (bad request line, header overflow, reset) gets a 400 or nothing, never an exception.
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      else socket.destroy();
    });
    this.server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.init.listen.port, this.init.listen.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.server = undefined;
      throw error;
    }
    server.on('error', (error) => this.init.logger.error('http transport: server error', { error: String(error) }));
    this.boundPort = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const source = request.socket.remoteAddress ?? 'unknown';
    const decision = this.init.rateLimiter.take(source);
    if (!decision.allowed) {
      return this.refuse(request, response, { status: 429, reason: 'too many requests from this address' }, { 'retry-after': String(decision.retryAfterSeconds) });
    }
    let url: URL;
    try {
      url = new URL(request.url ?? '/', 'http://receiver.invalid');
    } catch {
      return this.refuse(request, response, { status: 400, reason: 'bad request target' });
    }
    const { path } = this.init;
    const pathname = url.pathname;
    if (pathname === path) {
      if (request.method !== 'POST') return this.refuse(request, response, { status: 405, reason: 'POST an envelope here' }, { allow: 'POST' });
      return this.deliver(request, response, source);
    }
    if (pathname === `${path}/health`) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return this.refuse(request, response, { status: 405, reason: 'GET only' }, { allow: 'GET, HEAD' });
      return answer(response, 200, { status: 'up' });
    }
    if (pathname.startsWith(`${path}/mailbox/`) && this.init.mailboxes !== undefined) {
      return this.mailbox(request, response, url, pathname.slice(`${path}/mailbox/`.length).split('/'));
    }
    return this.refuse(request, response, { status: 404, reason: 'not found' });
  }

  private async deliver(request: IncomingMessage, response: ServerResponse, source: string): Promise<void> {
    const { maxEnvelopeBytes, maxSpooled, inbox, mailboxes, selfFingerprint, logger } = this.init;
    const refusal = checkDeliveryHeaders(request.headers, maxEnvelopeBytes);
    if (refusal !== undefined) return this.refuse(request, response, refusal);
    if (this.spooledCount() >= maxSpooled) {
      return this.refuse(request, response, { status: 503, reason: 'the spool is full; try again later' }, { 'retry-after': '5' });
    }
    const body = await readBodyWithLimit(request, maxEnvelopeBytes);
    if (body.kind === 'cut-off') return;
    if (body.kind === 'too-large') return this.refuse(request, response, { status: 413, reason: `the envelope is over the limit of ${maxEnvelopeBytes} bytes` });
    const routing = readEnvelopeRouting(body.bytes);
    if ('problem' in routing) return answer(response, 400, { error: routing.problem });
    const spool = routing.recipient === selfFingerprint ? inbox : mailboxes?.get(routing.recipient);
    if (spool === undefined) return answer(response, 404, { error: 'no mailbox here for that recipient' });
    let name: string;
    try {
      name = await spool.write(body.bytes);
    } catch (error) {
      const errno = (error as NodeJS.ErrnoException).code;
      logger.error('http transport: could not store an arriving envelope', { error: String(error), source });
      const full = errno === 'ENOSPC' || errno === 'EDQUOT';
      return answer(response, full ? 507 : 503, { error: full ? 'no space left to store the envelope' : 'could not store the envelope' }, { 'retry-after': '30' });
    }
    answer(response, 202, { status: 'stored', envelope_id: routing.envelopeId });
    if (spool === inbox) this.init.onArrival(name);
  }

  private async mailbox(request: IncomingMessage, response: ServerResponse, url: URL, segments: string[]): Promise<void> {
    const [fingerprint = '', id, ...extra] = segments;
    const spool = FINGERPRINT_PATTERN.test(fingerprint) ? this.init.mailboxes?.get(fingerprint) : undefined;
    // Unknown mailboxes and wrong tokens get the same answer: nobody learns who has a mailbox here.
    if (spool === undefined || extra.length > 0 || !this.init.tokens?.opens(fingerprint, request.headers.authorization)) {
      return this.refuse(request, response, { status: 401, reason: 'a valid bearer token for this mailbox is required' }, { 'www-authenticate': 'Bearer' });
    }
    if (id === undefined) {
      if (request.method !== 'GET') return this.refuse(request, response, { status: 405, reason: 'GET only' }, { allow: 'GET' });
      const limitText = url.searchParams.get('limit');
      const limit = limitText === null ? MAX_MAILBOX_PAGE : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1) return answer(response, 400, { error: 'limit must be a whole number >= 1' });
      return answer(response, 200, { envelopes: await listMailbox(spool, Math.min(limit, MAX_MAILBOX_PAGE)) });
    }
    if (request.method !== 'DELETE') return this.refuse(request, response, { status: 405, reason: 'DELETE only' }, { allow: 'DELETE' });
    if (!SPOOL_NAME_PATTERN.test(id)) return answer(response, 400, { error: 'not a mailbox entry id' });
    await spool.remove(id);
    response.writeHead(204).end();
  }

  private spooledCount(): number {
    let count = this.init.inbox.size;
    for (const spool of this.init.mailboxes?.values() ?? []) count += spool.size;
    return count;
  }

  /** Answers without reading (the rest of) the body, drains a little of it, and cuts the connection. */
  private refuse(request: IncomingMessage, response: ServerResponse, refusal: Refusal, headers: Record<string, string> = {}): void {
    const bodyPending = !request.complete;
    answer(response, refusal.status, { error: refusal.reason }, bodyPending ? { ...headers, connection: 'close' } : headers);
    if (!bodyPending) return;
    response.on('finish', () => {
      const cut = () => request.socket.destroy();
      const timer = setTimeout(cut, DRAIN_GRACE_MS);
      timer.unref();
      request.socket.once('close', () => clearTimeout(timer));
      let drained = 0;
      request.on('data', (chunk: Buffer) => {
        drained += chunk.byteLength;
        if (drained > DRAIN_LIMIT_BYTES) cut();
      });
      request.resume();
    });
  }

  private internalError(response: ServerResponse, error: unknown): void {
    this.init.logger.error('http transport: request handler failed', { error: String(error) });
    if (!response.headersSent) answer(response, 500, { error: 'internal error' }, { connection: 'close' });
    else response.destroy();
  }
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store', ...headers });
  response.end(text);
}
