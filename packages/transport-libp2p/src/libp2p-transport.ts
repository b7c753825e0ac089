import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
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
import { LIBP2P_TRANSPORT_ID, type Libp2pTransportOptions } from './config.js';
import { Libp2pTransportError, StreamLostError } from './errors.js';
import { AckStatus, PROTOCOL } from './frames.js';
import { serveInboundStream } from './inbound-stream.js';
import { createNode, type SkcommNode } from './node.js';
import { parsePeerAddress, type PeerAddress } from './peer-address.js';
import { loadPeerKey } from './peer-key.js';
import { PeerSender } from './peer-sender.js';

export const DEFAULT_PRIORITY = 15;
/** Peers pinged per healthCheck(), and how long each ping may take. */
const HEALTH_PING_PEERS = 4;
const HEALTH_PING_TIMEOUT_MS = 1_000;

/**
 * Direct peer-to-peer envelopes over libp2p (TCP + noise + yamux): each peer is addressed
 * by a multiaddr ending in its peer id, which the noise handshake authenticates. send()
 * resolves on the receiver's hop ack, sent once the envelope is in its receive queue.
 */
export class Libp2pTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  private readonly options: Libp2pTransportOptions;
  private readonly context: TransportContext;
  private readonly logger: Logger;
  private readonly queue: ReceiveQueue;
  private readonly subscribers: Subscribers;
  private readonly senders = new Map<string, PeerSender>();
  private node: SkcommNode | undefined;
  private privateKey: PrivateKey | undefined;
  /** Port 0 is resolved at the first start and kept, so a restart listens where peers were told to send. */
  private listenAddress: string;
  private lastStartError: string | undefined;
  private starting: Promise<void> | undefined;

  constructor(options: Libp2pTransportOptions & TransportCommonOptions, context: TransportContext) {
    this.options = options;
    this.context = context;
    this.name = options.name ?? LIBP2P_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.logger = context.logger;
    this.subscribers = new Subscribers('libp2p transport', this.name, this.logger);
    this.listenAddress = options.listen;
    this.queue = new ReceiveQueue({ maxEnvelopes: options.maxQueuedEnvelopes, maxBytes: options.maxQueuedBytes });
    this.traits = Object.freeze({
      delivery: 'realtime',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'medium',
      metadataExposure:
        'the network path sees both IP addresses and ports, timing and sizes; the noise channel hides the envelope headers from it. The peer learns this node\'s peer id and address. No third party is involved: no discovery, relay or DHT',
      duplex: true,
      // send() resolves only when the peer has the envelope in its receive queue.
      hopAck: true,
    });
  }

  /** This node's peer id, once the key is loaded (at the first start). */
  get peerId(): string | undefined {
    return this.privateKey === undefined ? undefined : peerIdFromPrivateKey(this.privateKey).toString();
  }

  /** The address peers put in their peer record (`/ip4/.../tcp/PORT/p2p/<peer id>`); known from the first start on. */
  get address(): string | undefined {
    const peerId = this.peerId;
    return peerId === undefined ? undefined : `${this.listenAddress}/p2p/${peerId}`;
  }

  /** Loads (or creates) the peer key and starts listening. Throws a retryable Libp2pTransportError when the address is taken. */
  start(): Promise<void> {
    if (this.node !== undefined) return Promise.resolve();
    this.starting ??= this.startNode().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Closes the node and every stream. Envelopes received but not committed stay queued for the next start. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const node = this.node;
    this.node = undefined;
    for (const sender of this.senders.values()) sender.destroy();
    this.senders.clear();
    await node?.stop();
  }

  async isAvailable(): Promise<boolean> {
    return this.node !== undefined && this.node.getMultiaddrs().length > 0;
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw new Libp2pTransportError(
        `envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`,
        { transport: this.name, retryable: false },
        ErrorCode.EnvelopeTooLarge,
      );
    }
    const sender = this.senderFor(target);
    const reused = sender.hasOpenStream;
    try {
      await sender.send(bytes, options.signal);
    } catch (error) {
      // A reused stream may have died with a restarted peer: one retry on a fresh stream.
      if (!reused || !(error instanceof StreamLostError) || options.signal?.aborted === true) throw error;
      await sender.send(bytes, options.signal);
    }
    return { transport: this.name, detail: `libp2p:${sender.address}` };
  }

  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    if (this.node === undefined) {
      throw new Libp2pTransportError('not started: call start() first', { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
    return this.queue.list(options.limit).map((entry) => this.queue.inbound(entry, this.name));
  }

  /** Pushes each envelope as it is queued. One not committed stays queued and is returned by receive(). */
  subscribe(onEnvelope: EnvelopeSubscriber): () => void {
    return this.subscribers.add(onEnvelope);
  }

  /** Up while listening; latencyMs is the mean ping RTT over (up to 4) open connections. */
  async healthCheck(): Promise<TransportHealth> {
    const checkedAt = new Date();
    const node = this.node;
    if (node === undefined) {
      const why = this.lastStartError === undefined ? 'not started' : `cannot listen: ${this.lastStartError}`;
      return { status: 'down', detail: `not listening on ${this.listenAddress}: ${why}`, checkedAt };
    }
    const connections = node.getConnections();
    const rtts = await this.pingPeers(node);
    const latencyMs = rtts.length === 0 ? undefined : rtts.reduce((sum, rtt) => sum + rtt, 0) / rtts.length;
    const rttText = latencyMs === undefined ? '' : `, rtt ${latencyMs.toFixed(1)} ms`;
    const detail = `listening on ${this.address ?? this.listenAddress}; ${connections.length} connection(s)${rttText}, ${this.queue.size} envelope(s) awaiting commit`;
    return latencyMs === undefined ? { status: 'up', detail, checkedAt } : { status: 'up', latencyMs, detail, checkedAt };
  }

  private async startNode(): Promise<void> {
    this.privateKey ??= await loadPeerKey(this.options.keyFile, this.context.stateDir);
    const node = await createNode(this.privateKey, this.listenAddress);
    await node.handle(PROTOCOL, (stream, connection) => serveInboundStream(stream, connection, this.options.maxEnvelopeBytes, this.accept, this.logger), {
      maxInboundStreams: 64,
      maxOutboundStreams: 64,
    });
    try {
      await node.start();
    } catch (error) {
      await Promise.resolve(node.stop()).catch(() => undefined);
      this.lastStartError = describeError(error);
      throw new Libp2pTransportError(
        `cannot listen on ${this.listenAddress}: ${this.lastStartError}`,
        { transport: this.name, retryable: true, cause: error },
        ErrorCode.TransportUnavailable,
      );
    }
    const bound = node.getMultiaddrs()[0];
    if (bound !== undefined) this.listenAddress = bound.toString().replace(/\/p2p\/[^/]+$/, '');
    if (!/^\/ip[46]\/(127\.|::1\/)/.test(this.listenAddress)) {
      this.logger.warn('libp2p transport: listening beyond loopback; anyone who can reach it can offer envelopes (they are verified before use)', {
        address: this.listenAddress,
      });
    }
    this.lastStartError = undefined;
    this.node = node;
    this.logger.info('libp2p transport: listening; peers address this node as', { transport: this.name, address: this.address });
  }

  /** The sender for the target's address; the address is parsed (peer id decoded) once per peer, not per send. */
  private senderFor(target: SendTarget): PeerSender {
    const node = this.node;
    if (node === undefined) {
      throw new Libp2pTransportError('not started: call start() first', { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
    const existing = target.address === undefined ? undefined : this.senders.get(target.address);
    if (existing !== undefined) return existing;
    const peer = this.peerAddress(target);
    const sender = new PeerSender(node, peer, {
      transport: this.name,
      dialTimeoutMs: this.options.dialTimeoutMs,
      ackTimeoutMs: this.options.ackTimeoutMs,
      maxInFlight: this.options.maxInFlight,
      logger: this.logger,
    });
    this.senders.set(target.address as string, sender);
    return sender;
  }

  private peerAddress(target: SendTarget): PeerAddress {
    if (target.address === undefined || target.address.trim() === '') {
      throw new Libp2pTransportError(
        `no libp2p address for peer ${target.fingerprint}: add one with --address ${this.name}=/ip4/HOST/tcp/PORT/p2p/PEER_ID`,
        { transport: this.name, retryable: false },
        ErrorCode.NoRoute,
      );
    }
    const parsed = parsePeerAddress(target.address);
    if ('problem' in parsed) {
      throw new Libp2pTransportError(`peer address ${JSON.stringify(target.address)} ${parsed.problem}`, { transport: this.name, retryable: false });
    }
    return parsed;
  }

  private async pingPeers(node: SkcommNode): Promise<number[]> {
    const peers = [...new Set(node.getConnections().map((connection) => connection.remotePeer))].slice(0, HEALTH_PING_PEERS);
    const results = await Promise.allSettled(peers.map((peer) => node.services.ping.ping(peer, { signal: AbortSignal.timeout(HEALTH_PING_TIMEOUT_MS) })));
    return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }

  /** The inbound streams' sink: queue the envelope if there is room, then push it to subscribers. */
  private readonly accept = (bytes: Uint8Array, source: string): AckStatus => {
    if (this.node === undefined) return AckStatus.Unavailable;
    if (!this.queue.hasRoomFor(bytes.length)) return AckStatus.Busy;
    const entry = this.queue.add(bytes, source);
    if (this.subscribers.size > 0) this.subscribers.deliver(this.queue.inbound(entry, this.name));
    return AckStatus.Queued;
  };
}
