/**
 * The relay (`skcomm serve`): an HTTP server with /healthz and /metrics that upgrades
 * authenticated clients to WebSocket, stores every envelope in the recipient's durable
 * mailbox before acknowledging the hop, and pushes mailboxes to their recipients. It
 * routes opaque bytes by the fingerprint the sender names: it never parses, decrypts or
 * verifies an envelope. Connections to SIGNALING_PATH are WebRTC signaling sessions: they
 * get SIGNAL frames forwarded by the signaling broker and never mailbox deliveries.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError, ErrorCode, type Logger, silentLogger } from '@skcomm/core';
import {
  type ClientFrame,
  decodeClientFrame,
  encodeAccepted,
  encodeRefused,
  encodeSynced,
  RefusalReason,
  RELAY_PROTOCOL,
  SignalFailure,
  SIGNALING_PATH,
} from '@skcomm/relay-protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { Authenticator } from './authenticate.js';
import { DEV_AUTH_WARNING, isLoopbackHost } from './dev-auth.js';
import { Dispatcher } from './dispatcher.js';
import { Mailbox, MailboxFullError } from './mailbox.js';
import { RelayMetrics } from './metrics.js';
import { DEFAULT_LIMITS, type RelayLimits, type RelayOptions } from './options.js';
import { TokenBucket } from './rate-limiter.js';
import { SeenTokens } from './seen-tokens.js';
import { Session } from './session.js';
import { SignalingBroker } from './signaling-broker.js';

/** Room for a SEND frame's header on top of the largest envelope. */
const FRAME_OVERHEAD_BYTES = 128;
const DEV_AUTH_REMINDER_MS = 60_000;

export interface Relay {
  readonly host: string;
  readonly port: number;
  /** ws://host:port */
  readonly url: string;
  readonly metrics: RelayMetrics;
  readonly mailbox: Mailbox;
  readonly signaling: SignalingBroker;
  /** Stops accepting, closes every connection and the mailbox log. */
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const limits: RelayLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const devAuth = options.devAuth === true;
  if (devAuth && !isLoopbackHost(host)) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `SKCOMM_DEV_AUTH disables authentication; refusing to listen on ${host}, which is not loopback`, {
      field: 'host',
    });
  }
  const { mailbox, replay } = await Mailbox.open(options.dataDir, limits, { logger });
  const stats = mailbox.stats();
  logger.info('mailbox loaded', { envelopes: stats.messages, recipients: stats.recipients, corrupt: replay.corrupt, tornSegments: replay.tornSegments });
  let seenTokens: SeenTokens;
  try {
    const opened = await SeenTokens.open(options.dataDir, { logger });
    seenTokens = opened.seen;
    logger.info('seen tokens loaded', { ...opened.load });
  } catch (error) {
    await mailbox.close();
    throw error;
  }

  const metrics = new RelayMetrics();
  const dispatcher = new Dispatcher(mailbox, metrics);
  const signaling = new SignalingBroker();
  const signalingSockets = new Set<WebSocket>();
  const authenticator = new Authenticator({ devAuth, allow: options.allow, maxConcurrentVerifications: limits.maxConcurrentVerifications, seenTokens, logger });
  const buckets = new Map<string, TokenBucket>();
  const webSockets = new WebSocketServer({ noServer: true, maxPayload: limits.maxEnvelopeBytes + FRAME_OVERHEAD_BYTES, perMessageDeflate: false, clientTracking: true });
  const server = createServer((request, response) => answerHttp(request, response));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(request, socket, head).catch((error: unknown) => {
      logger.error('upgrade failed', { error: error instanceof Error ? error.message : String(error) });
      socket.destroy();
    });
  });

  function answerHttp(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://relay').pathname;
    if (request.method !== 'GET') return sendText(response, 405, 'method not allowed\n');
    if (path === '/healthz') {
      const mailboxStats = mailbox.stats();
      return sendJson(response, 200, {
        status: 'ok',
        protocol: RELAY_PROTOCOL,
        connections: metrics.connectionsCurrent,
        mailbox: { envelopes: mailboxStats.messages, bytes: mailboxStats.bytes, recipients: mailboxStats.recipients },
        auth: devAuth ? 'disabled (SKCOMM_DEV_AUTH)' : options.allow ? 'capauth, allow list' : 'capauth',
      });
    }
    if (path === '/metrics') {
      const mailboxStats = mailbox.stats();
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(
        metrics.render({
          mailboxMessages: mailboxStats.messages,
          mailboxBytes: mailboxStats.bytes,
          mailboxRecipients: mailboxStats.recipients,
          mailboxSegments: mailboxStats.segments,
        }),
      );
      return;
    }
    sendText(response, 404, 'not found\n');
  }

  async function upgrade(request: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    if (webSockets.clients.size >= limits.maxConnections) return refuseUpgrade(socket, 503, 'the relay is at its connection limit');
    const decision = await authenticator.authenticate(request);
    if (!decision.ok) {
      logger.info('handshake refused', { status: decision.status, reason: decision.reason, remote: request.socket.remoteAddress });
      return refuseUpgrade(socket, decision.status, decision.reason);
    }
    const forSignaling = new URL(request.url ?? '/', 'http://relay').pathname === SIGNALING_PATH;
    const connections = forSignaling ? signaling.connectionsOf(decision.fingerprint) : dispatcher.connectionsOf(decision.fingerprint);
    if (connections >= limits.maxConnectionsPerClient) {
      return refuseUpgrade(socket, 429, `${decision.fingerprint} already has ${limits.maxConnectionsPerClient} connections`);
    }
    if (socket.destroyed) return;
    webSockets.handleUpgrade(request, socket, head, (webSocket) =>
      forSignaling ? acceptSignaling(webSocket, decision.fingerprint) : accept(webSocket, decision.fingerprint),
    );
  }

  function refuseUpgrade(socket: Socket, status: number, reason: string): void {
    metrics.refuseHandshake(status);
    const text = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests', 503: 'Service Unavailable' }[status] ?? 'Error';
    const body = `${reason.replace(/[\r\n]+/g, ' ')}\n`;
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  function accept(webSocket: WebSocket, fingerprint: string): void {
    const session = new Session(fingerprint, webSocket, { messages: limits.windowMessages, bytes: limits.windowBytes });
    metrics.connectionsOpened++;
    metrics.connectionsCurrent++;
    let alive = true;
    webSocket.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return webSocket.terminate();
      alive = false;
      webSocket.ping();
    }, limits.heartbeatIntervalMs);
    webSocket.on('message', (data: Buffer, isBinary: boolean) => onFrame(session, data, isBinary));
    webSocket.on('error', (error) => logger.debug('connection error', { fingerprint, error: error.message }));
    webSocket.once('close', () => {
      clearInterval(heartbeat);
      metrics.connectionsCurrent--;
      dispatcher.unregister(session);
    });
    dispatcher.register(session);
    // After the first batch the register pushed: lets a polling client know it has caught up.
    webSocket.send(encodeSynced());
  }

  /** A signaling-only connection: SIGNAL frames both ways, kept alive like the others. */
  function acceptSignaling(webSocket: WebSocket, fingerprint: string): void {
    metrics.connectionsOpened++;
    metrics.connectionsCurrent++;
    signalingSockets.add(webSocket);
    let alive = true;
    webSocket.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return webSocket.terminate();
      alive = false;
      webSocket.ping();
    }, limits.heartbeatIntervalMs);
    webSocket.on('message', (data: Buffer, isBinary: boolean) => {
      let frame: ClientFrame;
      try {
        if (!isBinary) throw new Error('text frames are not part of the protocol');
        frame = decodeClientFrame(data);
        if (frame.type !== 'signal') throw new Error(`a signaling connection carries SIGNAL frames only, not ${frame.type.toUpperCase()}`);
      } catch (error) {
        metrics.malformedFrames++;
        logger.info('malformed frame on a signaling connection; closing it', { fingerprint, error: error instanceof Error ? error.message : String(error) });
        webSocket.close(1002, 'malformed frame');
        return;
      }
      forwardSignal(fingerprint, webSocket, frame);
    });
    webSocket.on('error', (error) => logger.debug('signaling connection error', { fingerprint, error: error.message }));
    webSocket.once('close', () => {
      clearInterval(heartbeat);
      metrics.connectionsCurrent--;
      signalingSockets.delete(webSocket);
      signaling.unregister(fingerprint, webSocket);
    });
    signaling.register(fingerprint, webSocket);
  }

  function forwardSignal(sender: string, from: WebSocket, frame: Extract<ClientFrame, { type: 'signal' }>): void {
    // Signals share the sender's envelope rate budget: a flood of offers costs the same as a flood of mail.
    if (!bucketOf(sender).take()) {
      metrics.signalsNotForwarded++;
      return signaling.refuse(from, frame.recipient, SignalFailure.RateLimited);
    }
    if (signaling.forward(sender, frame.recipient, frame.payload, from)) metrics.signalsForwarded++;
    else metrics.signalsNotForwarded++;
  }

  function onFrame(session: Session, data: Buffer, isBinary: boolean): void {
    let frame: ClientFrame;
    try {
      if (!isBinary) throw new Error('text frames are not part of the protocol');
      frame = decodeClientFrame(data);
    } catch (error) {
      metrics.malformedFrames++;
      logger.info('malformed frame; closing the connection', { fingerprint: session.fingerprint, error: error instanceof Error ? error.message : String(error) });
      session.socket.close(1002, 'malformed frame');
      return;
    }
    if (frame.type === 'ack') dispatcher.acknowledge(session, frame.messageIds);
    else if (frame.type === 'signal') forwardSignal(session.fingerprint, session.socket, frame);
    else void store(session, frame);
  }

  async function store(session: Session, frame: Extract<ClientFrame, { type: 'send' }>): Promise<void> {
    const refuse = (reason: RefusalReason, label: string, retryable: boolean, detail: string) => {
      metrics.refuseEnvelope(label);
      session.socket.send(encodeRefused(frame.requestId, reason, retryable, detail));
    };
    if (frame.envelope.length > limits.maxEnvelopeBytes) {
      return refuse(RefusalReason.TooLarge, 'too_large', false, `envelope is ${frame.envelope.length} bytes; this relay takes at most ${limits.maxEnvelopeBytes}`);
    }
    if (!bucketOf(session.fingerprint).take()) {
      return refuse(RefusalReason.RateLimited, 'rate_limited', true, `more than ${limits.sendRatePerSecond} envelopes per second from ${session.fingerprint}`);
    }
    try {
      const entry = await mailbox.put(frame.recipient, frame.envelope);
      metrics.envelopesAccepted++;
      session.socket.send(encodeAccepted(frame.requestId));
      dispatcher.pump(entry.recipient);
    } catch (error) {
      if (error instanceof MailboxFullError) return refuse(RefusalReason.MailboxFull, 'mailbox_full', true, error.message);
      logger.error('mailbox write failed', { error: error instanceof Error ? error.message : String(error) });
      refuse(RefusalReason.Storage, 'storage', true, 'the relay could not store the envelope');
    }
  }

  function bucketOf(fingerprint: string): TokenBucket {
    let bucket = buckets.get(fingerprint);
    if (!bucket) buckets.set(fingerprint, (bucket = new TokenBucket(limits.sendRatePerSecond, limits.sendBurst)));
    return bucket;
  }

  const expiry = setInterval(() => {
    void mailbox.expire().then((count) => (metrics.envelopesExpired += count));
  }, limits.expireIntervalMs);
  expiry.unref();
  let reminder: NodeJS.Timeout | undefined;
  if (devAuth) {
    logger.warn(DEV_AUTH_WARNING);
    reminder = setInterval(() => logger.warn(DEV_AUTH_WARNING), DEV_AUTH_REMINDER_MS);
    reminder.unref();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8765, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info('relay listening', { url, auth: devAuth ? 'disabled' : 'capauth', allowList: options.allow?.size ?? null });

  let closing: Promise<void> | undefined;
  return {
    host,
    port,
    url,
    metrics,
    mailbox,
    signaling,
    close: () =>
      (closing ??= (async () => {
        clearInterval(expiry);
        clearInterval(reminder);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        dispatcher.terminateAll();
        for (const webSocket of signalingSockets) webSocket.terminate();
        for (const socket of sockets) socket.destroy();
        webSockets.close();
        await closed;
        await Promise.all([mailbox.close(), seenTokens.close()]);
      })()),
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(`${JSON.stringify(body)}\n`);
}

function sendText(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(body);
}

