import {
  ErrorCode,
  TRANSPORT_SPECIFICATION_VERSION,
  describeError,
  type EnvelopeSubscriber,
  type InboundEnvelope,
  ReceiveQueue,
  Subscribers,
  type Logger,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  type SendTarget,
  type Transport,
  type TransportCommonOptions,
  type TransportContext,
  type TransportHealth,
  type TransportTraits,
} from '@skcomm/core';
import { formatHostPort, parseHostPort, type HostPort } from './address.js';
import { TCP_TRANSPORT_ID, type TcpTransportOptions } from './config.js';
import { ConnectionLostError, errnoOf, TcpTransportError } from './errors.js';
import { encodeFrame } from './framing/encode.js';
import { FrameError } from './framing/frame-error.js';
import type { FrameSink } from './inbound-connection.js';
import { Listener } from './listener.js';
import { PeerConnection } from './peer-connection.js';
import { UdpReceiver, UdpSender } from './udp.js';

export const DEFAULT_PRIORITY = 20;
/** After an unanswered datagram, a peer gets TCP only for this long. */
const UDP_SILENCE_MS = 60_000;

/**
 * Envelopes over TCP ("netcat"), optionally UDP: a listener that queues what arrives and
 * acks each frame once it is queued, and pooled outgoing connections whose send()
 * resolves on that hop ack. The same transport runs over Tailscale or Netbird addresses.
 */
export class TcpTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  private readonly options: TcpTransportOptions;
  private readonly logger: Logger;
  private readonly queue: ReceiveQueue;
  private readonly sink: FrameSink;
  private readonly subscribers: Subscribers;
  private readonly connections = new Map<string, PeerConnection>();
  private readonly udpSender: UdpSender;
  private listener: Listener | undefined;
  private udpReceiver: UdpReceiver | undefined;
  /** Port 0 is resolved at the first start and kept, so a restart listens where peers were told to send. */
  private bound: HostPort | undefined;
  private lastListenError: string | undefined;
  private starting: Promise<void> | undefined;
  private started = false;

  constructor(options: TcpTransportOptions & TransportCommonOptions, context: TransportContext) {
    this.options = options;
    this.name = options.name ?? TCP_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.logger = context.logger;
    this.subscribers = new Subscribers('tcp transport', this.name, this.logger);
    this.queue = new ReceiveQueue({ maxEnvelopes: options.maxQueuedEnvelopes, maxBytes: options.maxQueuedBytes });
    this.udpSender = new UdpSender(this.logger);
    this.sink = {
      tryAccept: (bytes, source) => this.accept(bytes, source),
      onSpace: (callback) => this.queue.onSpace(callback),
    };
    this.traits = Object.freeze({
      delivery: 'realtime',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'low',
      metadataExposure:
        'the network path sees both IP addresses and ports, timing and sizes, and (no TLS) the envelope header: fingerprints, envelope ids, times; contents are encrypted. Over Tailscale or Netbird only the mesh peers see it',
      duplex: true,
      // send() resolves only when the listener has the frame in its receive queue.
      hopAck: true,
    });
  }

  /** Where this transport listens, once started (the real port when configured with port 0). */
  get address(): string {
    return formatHostPort(this.bound ?? this.options.listen);
  }

  /** Binds the listener (and UDP when configured). Throws a retryable TcpTransportError when the address is taken. */
  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.starting ??= this.listen().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Closes the listener and every connection. Envelopes received but not committed stay queued for the next start. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    this.started = false;
    const listener = this.listener;
    const udpReceiver = this.udpReceiver;
    this.listener = undefined;
    this.udpReceiver = undefined;
    for (const connection of this.connections.values()) connection.destroy();
    this.connections.clear();
    this.udpSender.close();
    await listener?.close();
    await udpReceiver?.close();
  }

  async isAvailable(): Promise<boolean> {
    return this.started && this.listener?.listening === true;
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw new TcpTransportError(
        `envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`,
        { transport: this.name, retryable: false },
        ErrorCode.EnvelopeTooLarge,
      );
    }
    const peer = this.peerAddress(target);
    const key = formatHostPort(peer);
    if (this.options.udp && bytes.length <= this.options.udpMaxBytes && !this.udpSender.isSilent(key)) {
      if (await this.udpSender.send(bytes, peer, this.options.udpAckTimeoutMs, options.signal)) {
        return { transport: this.name, detail: `udp:${key}` };
      }
      options.signal?.throwIfAborted();
      this.udpSender.markSilent(key, UDP_SILENCE_MS);
    }
    let frame: Uint8Array[];
    try {
      frame = encodeFrame(bytes, this.options.framing);
    } catch (error) {
      if (!(error instanceof FrameError)) throw error;
      throw new TcpTransportError(`cannot frame the envelope: ${error.message}`, { transport: this.name, retryable: false, cause: error }, ErrorCode.EnvelopeInvalid);
    }
    const pooled = this.connections.get(key)?.usable === true;
    try {
      await this.connectionTo(peer, key).send(frame, options.signal);
    } catch (error) {
      if (!pooled || !(error instanceof ConnectionLostError) || options.signal?.aborted === true) throw error;
      await this.connectionTo(peer, key).send(frame, options.signal);
    }
    return { transport: this.name, detail: `tcp:${key}` };
  }

  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    if (!this.started) {
      throw new TcpTransportError('not started: call start() first', { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
    return this.queue.list(options.limit).map((entry) => this.queue.inbound(entry, this.name));
  }

  /** Pushes each envelope as it is queued. One not committed stays queued and is returned by receive(). */
  subscribe(onEnvelope: EnvelopeSubscriber): () => void {
    return this.subscribers.add(onEnvelope);
  }

  async healthCheck(): Promise<TransportHealth> {
    const checkedAt = new Date();
    if (this.started && this.listener?.listening === true) {
      const detail = `listening on ${this.address}${this.options.udp ? ' (tcp+udp)' : ''}; ${this.listener.connectionCount} connection(s), ${this.queue.size} envelope(s) awaiting commit`;
      return { status: 'up', detail, checkedAt };
    }
    const why = this.lastListenError === undefined ? 'not started' : `cannot listen: ${this.lastListenError}`;
    return { status: 'down', detail: `not listening on ${this.address}: ${why}`, checkedAt };
  }

  private async listen(): Promise<void> {
    const wanted = this.bound ?? this.options.listen;
    const listener = new Listener(this.sink, { ...this.options, maxFrameBytes: this.options.maxEnvelopeBytes }, this.logger);
    let bound: HostPort;
    try {
      bound = await listener.listen(wanted);
    } catch (error) {
      throw this.listenFailure(error, wanted);
    }
    let udpReceiver: UdpReceiver | undefined;
    if (this.options.udp) {
      udpReceiver = new UdpReceiver(bound.host, this.sink, this.options.maxEnvelopeBytes, this.logger);
      try {
        await udpReceiver.bind(bound);
      } catch (error) {
        await listener.close();
        await udpReceiver.close();
        throw this.listenFailure(error, bound);
      }
    }
    if (bound.host === '0.0.0.0' || bound.host === '::') {
      this.logger.warn('tcp transport: listening on every interface; envelopes are encrypted but their headers are not', { address: formatHostPort(bound) });
    }
    this.bound = bound;
    this.listener = listener;
    this.udpReceiver = udpReceiver;
    this.lastListenError = undefined;
    this.started = true;
  }

  private listenFailure(error: unknown, address: HostPort): TcpTransportError {
    const errno = errnoOf(error);
    const explanation = errno === 'EADDRINUSE' ? 'the address is in use' : errno === 'EADDRNOTAVAIL' ? 'no such local address (mesh down?)' : describeError(error);
    this.lastListenError = `${explanation}${errno === undefined ? '' : ` (${errno})`}`;
    return new TcpTransportError(
      `cannot listen on ${formatHostPort(address)}: ${this.lastListenError}`,
      { transport: this.name, retryable: true, cause: error },
      ErrorCode.TransportUnavailable,
    );
  }

  private peerAddress(target: SendTarget): HostPort {
    if (target.address === undefined || target.address.trim() === '') {
      throw new TcpTransportError(
        `no tcp address for peer ${target.fingerprint}: add one with --address ${this.name}=HOST:PORT`,
        { transport: this.name, retryable: false },
        ErrorCode.NoRoute,
      );
    }
    const parsed = parseHostPort(target.address);
    if ('problem' in parsed) {
      throw new TcpTransportError(`peer address ${JSON.stringify(target.address)} ${parsed.problem}`, { transport: this.name, retryable: false });
    }
    return parsed;
  }

  private connectionTo(peer: HostPort, key: string): PeerConnection {
    const existing = this.connections.get(key);
    if (existing?.usable === true) return existing;
    const connection = new PeerConnection(
      peer,
      {
        transport: this.name,
        connectTimeoutMs: this.options.connectTimeoutMs,
        ackTimeoutMs: this.options.ackTimeoutMs,
        idleTimeoutMs: this.options.idleTimeoutMs,
        logger: this.logger,
      },
      () => {
        if (this.connections.get(key) === connection) this.connections.delete(key);
      },
    );
    this.connections.set(key, connection);
    return connection;
  }

  /** The listener's sink: queue the frame if there is room, then push it to subscribers. */
  private accept(bytes: Uint8Array, source: string): boolean {
    if (!this.started || !this.queue.hasRoomFor(bytes.length)) return false;
    const entry = this.queue.add(bytes, source);
    if (this.subscribers.size > 0) this.subscribers.deliver(this.queue.inbound(entry, this.name));
    return true;
  }
}
