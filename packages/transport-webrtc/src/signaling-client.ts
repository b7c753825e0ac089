/**
 * The connection to the relay's signaling broker (`<signal URL>/signal`): authenticated
 * with the agent's CapAuth token like a relay connection, reconnecting with backoff while
 * running. Carries SIGNAL frames only; the broker forwards them at once and says so when
 * the recipient is not connected.
 */
import type { AuthToken, Logger } from '@skcomm/core';
import {
  AUTHORIZATION_HEADER,
  decodeRelayFrame,
  encodeSignal,
  MAX_SIGNAL_PAYLOAD_BYTES,
  PUBLIC_KEY_HEADER,
  type RelayFrame,
  SignalFailure,
  SIGNALING_PATH,
} from '@skcomm/relay-protocol';
import WebSocket from 'ws';
import { backoffDelay } from './backoff.js';
import { unavailable } from './errors.js';

export interface SignalingClientOptions {
  url: string;
  transportName: string;
  selfFingerprint: string;
  authToken: (() => Promise<AuthToken>) | undefined;
  connectTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  logger: Logger;
  onSignal(sender: string, payload: Uint8Array): void;
  onUnreachable(recipient: string, why: string): void;
}

export function signalingUrl(base: string): string {
  const url = new URL(base);
  if (url.pathname === '/' || url.pathname === '') url.pathname = SIGNALING_PATH;
  return url.toString();
}

export class SignalingClient {
  private socket: WebSocket | undefined;
  private connecting: Promise<WebSocket> | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failedAttempts = 0;
  private lastFailure: string | undefined;
  readonly url: string;

  constructor(private readonly options: SignalingClientOptions) {
    this.url = signalingUrl(options.url);
  }

  get isOpen(): boolean {
    return this.socket !== undefined;
  }

  get lastError(): string | undefined {
    return this.lastFailure;
  }

  /** Starts connecting; resolves after the first attempt, reconnecting in the background if it failed. */
  async start(): Promise<void> {
    if (!this.running) {
      this.running = true;
      this.connect().catch(() => {});
    }
    await this.connecting?.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    await this.connecting?.catch(() => undefined);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    // Wait (briefly) for the close handshake: then the broker no longer routes offers to us.
    const closed = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1_000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.close(1000, 'client stopping');
    await closed;
  }

  /** The open connection, connecting now (skipping any backoff wait) if there is none. */
  async ensureOpen(): Promise<WebSocket> {
    if (this.socket) return this.socket;
    if (!this.running) throw unavailable(this.options.transportName, 'the transport is stopped');
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    try {
      return await this.connect();
    } catch (error) {
      throw unavailable(this.options.transportName, `signaling broker ${this.url} is unreachable: ${describe(error)}`, error);
    }
  }

  async send(recipient: string, payload: Uint8Array): Promise<void> {
    if (payload.length > MAX_SIGNAL_PAYLOAD_BYTES) throw unavailable(this.options.transportName, 'signal too large for the broker');
    const socket = await this.ensureOpen();
    await new Promise<void>((resolve, reject) =>
      socket.send(encodeSignal(recipient, payload), (error) =>
        error ? reject(unavailable(this.options.transportName, `signaling write failed: ${error.message}`, error)) : resolve(),
      ),
    );
  }

  /** Round trip of a WebSocket ping to the broker, in ms. */
  async measureLatency(): Promise<number> {
    const socket = await this.ensureOpen();
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        socket.off('pong', onPong);
        socket.off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () => settle(unavailable(this.options.transportName, `signaling broker ${this.url} did not answer a ping within ${this.options.connectTimeoutMs} ms`)),
        this.options.connectTimeoutMs,
      );
      const onPong = () => settle();
      const onClose = () => settle(unavailable(this.options.transportName, `signaling broker ${this.url} closed the connection`));
      socket.once('pong', onPong);
      socket.once('close', onClose);
      socket.ping();
    });
    return performance.now() - started;
  }

  private connect(): Promise<WebSocket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<WebSocket> {
    let socket: WebSocket;
    try {
      const credentials = await this.credentials();
      socket = await new Promise<WebSocket>((resolve, reject) => {
        const opening = new WebSocket(this.url, {
          headers: {
            [AUTHORIZATION_HEADER]: `Bearer ${credentials.token}`,
            [PUBLIC_KEY_HEADER]: Buffer.from(credentials.armoredPublicKey, 'utf8').toString('base64url'),
          },
          handshakeTimeout: this.options.connectTimeoutMs,
          maxPayload: MAX_SIGNAL_PAYLOAD_BYTES + 128,
          perMessageDeflate: false,
          followRedirects: false,
        });
        opening.binaryType = 'nodebuffer';
        opening.once('open', () => {
          opening.removeAllListeners();
          resolve(opening);
        });
        opening.once('error', (error) => {
          opening.removeAllListeners();
          opening.on('error', () => {});
          reject(error);
        });
        opening.once('unexpected-response', (request, response) => {
          request.destroy();
          opening.removeAllListeners();
          opening.on('error', () => {});
          reject(new Error(`the broker refused the connection: HTTP ${response.statusCode ?? 0}`));
        });
      });
    } catch (error) {
      this.lastFailure = describe(error);
      this.scheduleReconnect();
      throw error;
    }
    if (!this.running) {
      socket.close(1000, 'client stopping');
      throw unavailable(this.options.transportName, 'the transport was stopped while connecting');
    }
    this.attach(socket);
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
    this.failedAttempts = 0;
    this.lastFailure = undefined;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.onMessage(socket, data, isBinary));
    socket.on('error', (error) => (this.lastFailure = error.message));
    socket.once('close', (code, reason) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      if (this.running) this.lastFailure = `connection closed (${code}${reason.length === 0 ? '' : ` ${reason.toString('utf8')}`})`;
      this.scheduleReconnect();
    });
  }

  private onMessage(socket: WebSocket, data: Buffer, isBinary: boolean): void {
    let frame: RelayFrame;
    try {
      if (!isBinary) throw new Error('text frame');
      frame = decodeRelayFrame(data);
    } catch (error) {
      this.options.logger.warn('signaling broker sent a malformed frame; reconnecting', { transport: this.options.transportName, error: describe(error) });
      socket.close(1002, 'malformed frame');
      return;
    }
    if (frame.type === 'signal') this.options.onSignal(frame.sender, frame.payload);
    else if (frame.type === 'signal-unreachable') {
      this.options.onUnreachable(frame.recipient, frame.reason === SignalFailure.RateLimited ? 'the broker rate-limited our signals' : 'the peer is not connected to the signaling broker');
    }
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
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}
