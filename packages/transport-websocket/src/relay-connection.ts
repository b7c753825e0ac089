/**
 * One relay, one connection: connects and authenticates, reconnects with backoff while
 * running, sends envelopes and waits for the relay's hop ack, hands deliveries to the
 * transport and acknowledges them to the relay once committed. The relay redelivers
 * whatever was not acknowledged when a connection ends, so nothing here is durable.
 */
import { type AuthToken, ErrorCode, type Logger } from '@skcomm/core';
import type WebSocket from 'ws';
import { backoffDelay } from './backoff.js';
import { BoundedIdSet } from './bounded-id-set.js';
import { unavailable, WebsocketTransportError } from './errors.js';
import { HandshakeRefusedError, openRelaySocket } from './handshake.js';
import { decodeRelayFrame, encodeAck, encodeSend, MAX_ACK_IDS, RefusalReason, type RelayFrame } from '@skcomm/relay-protocol';

export interface RelayConnectionOptions {
  url: string;
  transportName: string;
  selfFingerprint: string;
  authToken: (() => Promise<AuthToken>) | undefined;
  connectTimeoutMs: number;
  sendTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  pingIntervalMs: number;
  /** Largest frame accepted from the relay. */
  maxFrameBytes: number;
  logger: Logger;
  onDeliver(messageId: number, envelope: Uint8Array): void;
}

interface PendingSend {
  resolve(): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Committed ids remembered so a redelivery of one is acknowledged again instead of pushed again. */
const COMMITTED_MEMORY = 65_536;
const MAX_REQUEST_ID = 0xffff_ffff;

export class RelayConnection {
  private socket: WebSocket | undefined;
  private connecting: Promise<WebSocket> | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private failedAttempts = 0;
  private nextRequestId = 1;
  private readonly pendingSends = new Map<number, PendingSend>();
  private readonly committed = new BoundedIdSet(COMMITTED_MEMORY);
  private ackQueue: number[] = [];
  private lastFailure: string | undefined;
  /** Settles when the relay says the current connection's first batch was sent (or it closes). */
  private synced: Promise<void> = Promise.resolve();
  private markSynced: () => void = () => {};

  constructor(private readonly options: RelayConnectionOptions) {}

  get url(): string {
    return this.options.url;
  }

  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  /** Why the last connection attempt or connection failed, for health reports. */
  get lastError(): string | undefined {
    return this.lastFailure;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect().catch(() => {});
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const connecting = this.connecting;
    await connecting?.catch(() => undefined);
    this.closeSocket(1000, 'client stopping');
  }

  /** The open socket, connecting now (skipping any backoff wait) if there is none. */
  async ensureOpen(): Promise<WebSocket> {
    if (this.socket) return this.socket;
    if (!this.running) throw unavailable(this.options.transportName, `relay ${this.url}: the transport is stopped`);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    try {
      return await this.connect();
    } catch (error) {
      throw this.connectError(error);
    }
  }

  async send(recipient: string, envelope: Uint8Array, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const socket = await this.ensureOpen();
    signal?.throwIfAborted();
    const requestId = this.takeRequestId();
    const frame = encodeSend(requestId, recipient, envelope);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingSends.delete(requestId);
        reject(unavailable(this.options.transportName, `relay ${this.url} did not acknowledge the envelope within ${this.options.sendTimeoutMs} ms`));
      }, this.options.sendTimeoutMs);
      this.pendingSends.set(requestId, { resolve, reject, timer });
      socket.send(frame, (error) => {
        if (error) this.settle(requestId, unavailable(this.options.transportName, `relay ${this.url}: write failed: ${error.message}`, error));
      });
    });
  }

  /** Records a committed delivery and acknowledges it to the relay (now, or on redelivery). */
  acknowledge(messageId: number): void {
    this.committed.add(messageId);
    this.queueAck(messageId);
  }

  /**
   * Waits for a connection attempt in progress, then for the relay's first batch on it
   * (bounded by the connect timeout), so a poll right after start() sees what was waiting.
   * Never starts a connection itself: backoff stays in charge.
   */
  async caughtUp(): Promise<void> {
    await this.connecting?.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.connectTimeoutMs)));
    await Promise.race([this.synced, timeout]);
    clearTimeout(timer);
  }

  /** Round trip of a WebSocket ping on the open connection, in ms. */
  async measureLatency(): Promise<number> {
    const socket = await this.ensureOpen();
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('pong', onPong);
        reject(unavailable(this.options.transportName, `relay ${this.url} did not answer a ping within ${this.options.connectTimeoutMs} ms`));
      }, this.options.connectTimeoutMs);
      const onPong = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once('pong', onPong);
      socket.ping();
    });
    return performance.now() - started;
  }

  private connect(): Promise<WebSocket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= this.openAuthenticated().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async openAuthenticated(): Promise<WebSocket> {
    let socket: WebSocket;
    try {
      socket = await openRelaySocket(
        {
          url: this.url,
          credentials: await this.credentials(),
          timeoutMs: this.options.connectTimeoutMs,
          maxPayload: this.options.maxFrameBytes,
        },
        (opened) => this.attach(opened),
      );
    } catch (error) {
      this.lastFailure = describe(error);
      this.scheduleReconnect();
      throw error;
    }
    if (!this.running) {
      this.closeSocket(1000, 'client stopping');
      throw unavailable(this.options.transportName, `relay ${this.url}: the transport was stopped while connecting`);
    }
    return socket;
  }

  private async credentials(): Promise<AuthToken> {
    if (this.options.authToken) return this.options.authToken();
    // Without the host's signing capability the token carries no signature: only a relay
    // started with SKCOMM_DEV_AUTH accepts it.
    return { token: `${this.options.selfFingerprint}.${Math.floor(Date.now() / 1000)}.`, armoredPublicKey: '' };
  }

  private attach(socket: WebSocket): void {
    this.socket = socket;
    this.synced = new Promise((resolve) => (this.markSynced = resolve));
    this.failedAttempts = 0;
    this.lastFailure = undefined;
    this.options.logger.debug('relay connected', { transport: this.options.transportName, relay: this.url });
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(socket, data, isBinary));
    socket.on('error', (error) => (this.lastFailure = error.message));
    socket.once('close', (code, reason) => this.onClose(socket, code, reason.toString('utf8')));
    let awaitingPong = false;
    socket.on('pong', () => (awaitingPong = false));
    this.pingTimer = setInterval(() => {
      if (awaitingPong) {
        this.lastFailure = 'the relay stopped answering pings';
        socket.terminate();
        return;
      }
      awaitingPong = true;
      socket.ping();
    }, this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private onMessage(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    let frame: RelayFrame;
    try {
      if (!isBinary) throw new Error('text frame');
      frame = decodeRelayFrame(data);
    } catch (error) {
      this.options.logger.warn('relay sent a malformed frame; reconnecting', { transport: this.options.transportName, relay: this.url, error: describe(error) });
      socket.close(1002, 'malformed frame');
      return;
    }
    switch (frame.type) {
      case 'accepted':
        this.settle(frame.requestId);
        break;
      case 'refused':
        this.settle(frame.requestId, this.refusal(frame));
        break;
      case 'synced':
        this.markSynced();
        break;
      case 'deliver':
        if (this.committed.has(frame.messageId)) this.queueAck(frame.messageId);
        else this.options.onDeliver(frame.messageId, frame.envelope);
        break;
    }
  }

  private refusal(frame: Extract<RelayFrame, { type: 'refused' }>): WebsocketTransportError {
    const code = frame.reason === RefusalReason.TooLarge ? ErrorCode.EnvelopeTooLarge : ErrorCode.Transport;
    return new WebsocketTransportError(`relay ${this.url} refused the envelope: ${frame.detail}`, { transport: this.options.transportName, retryable: frame.retryable }, code);
  }

  private settle(requestId: number, error?: Error): void {
    const pending = this.pendingSends.get(requestId);
    if (!pending) return;
    this.pendingSends.delete(requestId);
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve();
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.markSynced();
    clearInterval(this.pingTimer);
    this.ackQueue = [];
    if (this.running) this.lastFailure = `connection closed (${code}${reason === '' ? '' : ` ${reason}`})`;
    const lost = unavailable(this.options.transportName, `relay ${this.url}: connection closed before the relay acknowledged the envelope`);
    for (const requestId of [...this.pendingSends.keys()]) this.settle(requestId, lost);
    this.scheduleReconnect();
  }

  private closeSocket(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.onClose(socket, code, reason);
    socket.close(code, reason);
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer || this.socket) return;
    const delay = backoffDelay(this.failedAttempts++, this.options.reconnectBaseMs, this.options.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch(() => {});
    }, delay);
    this.reconnectTimer.unref();
  }

  private queueAck(messageId: number): void {
    if (!this.socket) return; // the relay redelivers it on the next connection; then it is acknowledged
    this.ackQueue.push(messageId);
    if (this.ackQueue.length === 1) setImmediate(() => this.flushAcks());
  }

  private flushAcks(): void {
    const ids = this.ackQueue;
    this.ackQueue = [];
    if (!this.socket) return;
    for (let start = 0; start < ids.length; start += MAX_ACK_IDS) this.socket.send(encodeAck(ids.slice(start, start + MAX_ACK_IDS)));
  }

  private takeRequestId(): number {
    const id = this.nextRequestId;
    this.nextRequestId = id >= MAX_REQUEST_ID ? 1 : id + 1;
    return id;
  }

  private connectError(error: unknown): WebsocketTransportError {
    if (error instanceof WebsocketTransportError) return error;
    const name = this.options.transportName;
    if (error instanceof HandshakeRefusedError && (error.status === 401 || error.status === 403)) {
      // Retrying the same token source against the same relay will not change the answer.
      return new WebsocketTransportError(`relay ${this.url}: ${error.message}`, { transport: name, retryable: false, cause: error });
    }
    return unavailable(name, `relay ${this.url} is unreachable: ${describe(error)}`, error);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error);
}
