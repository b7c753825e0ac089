import { join } from 'node:path';
import { generateKeyPair } from '@libp2p/crypto/keys';
import {
  ConfigError,
  ErrorCode,
  FINGERPRINT_PATTERN,
  TRANSPORT_SPECIFICATION_VERSION,
  describeError,
  type EnvelopeSubscriber,
  type InboundEnvelope,
  type Logger,
  Subscribers,
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
import type { PrivateKey } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { CID } from 'multiformats/cid';
import { ANNOUNCE_PROTOCOL, type Announce, type Reply } from './announce-codec.js';
import { handleAnnounce, type AnnounceRecipient } from './announce-handler.js';
import { AnnounceFailure, announce } from './announcer.js';
import { envelopeCid } from './block.js';
import { IPFS_TRANSPORT_ID, type IpfsTransportOptions } from './config.js';
import { IpfsTransportError, REFUSALS } from './errors.js';
import { healthFromProbes, probePeers } from './health-probe.js';
import { createHeliaNode, type HeliaNode } from './helia-node.js';
import { InFlightLimit } from './in-flight.js';
import { parsePeerAddress, type PeerAddress } from './peer-address.js';
import { isLoopbackAddress, resolvedListenAddresses } from './listen-addresses.js';
import { KEY_FILE_NAME, loadOrCreatePrivateKey } from './private-key.js';
import { ReceiveQueue, type QueuedEnvelope } from './receive-queue.js';
import { createStores, type Stores } from './stores.js';

export const DEFAULT_PRIORITY = 40;
/** Pin metadata marking a block as a received envelope awaiting commit (requeued at start with a `repo`). */
const INBOUND_PIN = { skcomm: 'inbound' } as const;
/** How long a recipient waits on one bitswap want before asking again (see fetchBlock). */
const REWANT_INTERVAL_MS = 1000;
/** Announce streams open at once per connection: a peer may have up to 256 sends in flight (maxInFlight's limit). */
const MAX_INBOUND_ANNOUNCES = 512;

/**
 * Envelopes over IPFS: send() stores the envelope as a raw block (sha2-256 CID) in the
 * local helia node and announces the CID to the recipient over a direct libp2p stream
 * (`/skcomm/ipfs-announce/1.0.0`); the recipient fetches the block by CID with bitswap,
 * checks it hashes to that CID, pins and queues it, and replies. send() resolves on that
 * reply (a hop ack). commit() unpins and deletes the block.
 */
export class IpfsTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  private readonly options: IpfsTransportOptions;
  private readonly selfFingerprint: string;
  private readonly stateDir: string | undefined;
  private readonly logger: Logger;
  private readonly queue: ReceiveQueue;
  private readonly inFlight: InFlightLimit;
  private readonly subscribers: Subscribers;
  private readonly peers: PeerAddress[];
  /** Blocks put for sends in flight, by CID, with how many sends use each. */
  private readonly outgoing = new Map<string, number>();
  private readonly stores: Stores;
  private privateKey: PrivateKey | undefined;
  private node: HeliaNode | undefined;
  /** Port 0 is resolved at the first start and kept, so a restart listens where peers were told to dial. */
  private listenAddresses: Multiaddr[];
  private starting: Promise<void> | undefined;
  private started = false;

  constructor(options: IpfsTransportOptions & TransportCommonOptions, context: TransportContext) {
    if (!FINGERPRINT_PATTERN.test(context.selfFingerprint)) {
      throw new ConfigError(ErrorCode.ConfigInvalid, 'the ipfs transport needs a full uppercase fingerprint to receive as', { field: 'selfFingerprint' });
    }
    this.options = options;
    this.name = options.name ?? IPFS_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.selfFingerprint = context.selfFingerprint;
    this.stateDir = context.stateDir;
    this.logger = context.logger;
    this.subscribers = new Subscribers('ipfs transport', this.name, this.logger);
    this.listenAddresses = [...options.listen];
    this.peers = options.peers.map((address) => {
      const parsed = parsePeerAddress(address.toString());
      if ('problem' in parsed) throw new ConfigError(ErrorCode.ConfigInvalid, `transport "${this.name}": peers ${parsed.problem}`, { field: 'peers' });
      return parsed;
    });
    this.queue = new ReceiveQueue({ maxEnvelopes: options.maxQueuedEnvelopes, maxBytes: options.maxQueuedBytes });
    this.inFlight = new InFlightLimit(options.maxInFlight);
    this.stores = createStores(options.repo);
    this.traits = Object.freeze({
      delivery: 'realtime',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'medium',
      metadataExposure:
        'the network path sees both IP addresses and ports, timing and sizes (noise encrypts the libp2p connection); the recipient peer learns the sender\'s peer id and addresses and the block CID. No DHT, bootstrap, gateway or discovery: nobody else is told',
      duplex: true,
      // send() resolves only when the recipient has fetched, verified and queued the block.
      hopAck: true,
    });
  }

  /** The running helia node (its libp2p, blockstore, pins), for diagnostics and tests; undefined when stopped. */
  get helia(): HeliaNode | undefined {
    return this.node;
  }

  /** The node's peer id, once started. */
  get peerId(): string | undefined {
    return this.node?.libp2p.peerId.toString();
  }

  /** Full addresses peers can use (`--address ipfs=...`), once started. */
  get addresses(): string[] {
    return this.node?.libp2p.getMultiaddrs().map((address) => address.toString()) ?? [];
  }

  /** Starts the helia node and listens. Throws a retryable IpfsTransportError when it cannot listen. */
  start(): Promise<void> {
    if (this.started) return Promise.resolve();
    this.starting ??= this.startNode().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Stops the node. Envelopes received but not committed stay queued for the next start. */
  async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    if (!this.started) return;
    this.started = false;
    const node = this.node;
    this.node = undefined;
    await node?.stop();
    await this.stores.close();
  }

  async isAvailable(): Promise<boolean> {
    return (await this.healthCheck()).status !== 'down';
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw this.error(`envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`, false, ErrorCode.EnvelopeTooLarge);
    }
    if (!FINGERPRINT_PATTERN.test(target.fingerprint)) throw this.error('the target is not a full uppercase fingerprint', false);
    const peer = this.peerAddress(target);
    return this.inFlight.run(() => this.announceBlock(bytes, target.fingerprint, peer, options.signal), options.signal);
  }

  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    if (!this.started) throw this.error('not started: call start() first', true, ErrorCode.TransportUnavailable);
    return this.queue.list(options.limit).map((entry) => this.inbound(entry));
  }

  /** Pushes each envelope as it is queued. One not committed stays queued and is returned by receive(). */
  subscribe(onEnvelope: EnvelopeSubscriber): () => void {
    return this.subscribers.add(onEnvelope);
  }

  async healthCheck(): Promise<TransportHealth> {
    const node = this.node;
    if (!this.started || node === undefined) return { status: 'down', detail: 'not started', checkedAt: new Date() };
    const health = healthFromProbes(node.libp2p, await probePeers(node.libp2p, this.peers, this.options.dialTimeoutMs));
    const queued = `${this.queue.size} envelope(s) awaiting commit`;
    return { ...health, detail: `${health.detail ?? ''}; ${queued}` };
  }

  private async startNode(): Promise<void> {
    let node: HeliaNode | undefined;
    try {
      await this.stores.open();
      this.privateKey ??= await this.loadPrivateKey();
      node = createHeliaNode({ privateKey: this.privateKey, listen: this.listenAddresses, stores: this.stores, dialTimeoutMs: this.options.dialTimeoutMs });
      await node.start();
      await node.libp2p.handle(ANNOUNCE_PROTOCOL, (stream, connection) => handleAnnounce(this.recipient(), stream, connection), {
        maxInboundStreams: MAX_INBOUND_ANNOUNCES,
      });
    } catch (error) {
      await node?.stop().catch(() => undefined);
      await this.stores.close().catch(() => undefined);
      if (error instanceof ConfigError) throw error;
      throw this.error(`cannot start the helia node: ${describeError(error)}`, true, ErrorCode.TransportUnavailable, error);
    }
    this.listenAddresses = resolvedListenAddresses(this.listenAddresses, node.libp2p.getMultiaddrs());
    for (const address of this.listenAddresses) {
      if (!isLoopbackAddress(address)) this.logger.warn('ipfs transport: listening beyond loopback; peers on that network can connect', { address: address.toString() });
    }
    this.node = node;
    this.started = true;
    if (this.options.repo !== undefined) await this.requeuePinned(node);
    for (const peer of this.peers) {
      node.libp2p.dial(peer.address, { signal: AbortSignal.timeout(this.options.dialTimeoutMs) }).catch((error: unknown) => {
        this.logger.debug('ipfs transport: configured peer not reachable yet', { transport: this.name, peer: peer.address.toString(), error: describeError(error) });
      });
    }
  }

  private async loadPrivateKey(): Promise<PrivateKey> {
    const path = this.options.keyFile ?? (this.stateDir === undefined ? undefined : join(this.stateDir, KEY_FILE_NAME));
    if (path !== undefined) return loadOrCreatePrivateKey(path);
    this.logger.warn('ipfs transport: no keyFile and no state directory; using a new peer id until the process ends', { transport: this.name });
    return generateKeyPair('Ed25519');
  }

  /** With a `repo`, envelopes received but never committed are still pinned there: queue them again. */
  private async requeuePinned(node: HeliaNode): Promise<void> {
    for await (const pin of node.pins.ls()) {
      if (pin.metadata.skcomm !== INBOUND_PIN.skcomm || this.queue.has(pin.cid)) continue;
      try {
        const bytes = await collect(node.blockstore.get(pin.cid, { offline: true }));
        const receivedAt = typeof pin.metadata.receivedAt === 'string' ? new Date(pin.metadata.receivedAt) : new Date();
        const source = typeof pin.metadata.source === 'string' ? pin.metadata.source : 'repo';
        this.queue.add(pin.cid, bytes, source, Number.isNaN(receivedAt.getTime()) ? new Date() : receivedAt);
      } catch (error) {
        this.logger.warn('ipfs transport: a pinned envelope block is unreadable; skipped', { transport: this.name, cid: pin.cid.toString(), error: describeError(error) });
      }
    }
  }

  private async announceBlock(bytes: Uint8Array, fingerprint: string, peer: PeerAddress, callerSignal: AbortSignal | undefined): Promise<SendResult> {
    const node = this.node;
    if (!this.started || node === undefined) throw this.error('not started: call start() first', true, ErrorCode.TransportUnavailable);
    const cid = envelopeCid(bytes);
    const signal = callerSignal === undefined ? AbortSignal.timeout(this.options.sendTimeoutMs) : AbortSignal.any([callerSignal, AbortSignal.timeout(this.options.sendTimeoutMs)]);
    await this.holdOutgoing(node, cid, bytes);
    try {
      const reply = await this.announceWithRedial(node, peer, { cid, size: bytes.length, to: fingerprint }, signal);
      if (!reply.ok) {
        const refusal = REFUSALS[reply.reason];
        throw this.error(`${peer.peerId.toString()} refused the envelope (${reply.reason}): ${reply.message}`, refusal.retryable, refusal.code);
      }
      return { transport: this.name, detail: `ipfs:${cid.toString()} -> ${peer.peerId.toString()}` };
    } catch (error) {
      if (callerSignal?.aborted === true) throw callerSignal.reason;
      if (error instanceof IpfsTransportError) throw error;
      const timedOut = signal.aborted;
      const stage = error instanceof AnnounceFailure ? error.stage : 'exchange';
      const what = timedOut ? `no confirmation from ${peer.peerId.toString()} within ${this.options.sendTimeoutMs} ms` : describeError(error);
      throw this.error(what, true, stage === 'dial' ? ErrorCode.TransportUnavailable : ErrorCode.Transport, error);
    } finally {
      await this.releaseOutgoing(cid);
    }
  }

  /**
   * A connection can outlive its peer for a moment (a restarted peer, a FIN not yet read,
   * a muxer that died) and libp2p hands it out again: when opening a stream on an existing
   * connection fails, hang up and try once more on a fresh dial.
   */
  private async announceWithRedial(node: HeliaNode, peer: PeerAddress, message: Announce, signal: AbortSignal): Promise<Reply> {
    const reused = node.libp2p.getConnections(peer.peerId).length > 0;
    try {
      return await announce(node.libp2p, peer, message, signal);
    } catch (error) {
      if (!(error instanceof AnnounceFailure) || error.stage !== 'dial' || signal.aborted) throw error;
      await node.libp2p.hangUp(peer.peerId).catch(() => undefined);
      if (!reused) throw error;
      return announce(node.libp2p, peer, message, signal);
    }
  }

  /** Puts the block for bitswap to serve while the announce is open; counted, as two sends may carry the same bytes. */
  private async holdOutgoing(node: HeliaNode, cid: CID, bytes: Uint8Array): Promise<void> {
    const key = cid.toString();
    const count = this.outgoing.get(key) ?? 0;
    this.outgoing.set(key, count + 1);
    if (count > 0) return;
    try {
      await node.blockstore.put(cid, bytes);
    } catch (error) {
      await this.releaseOutgoing(cid);
      throw this.error(`cannot store the envelope block: ${describeError(error)}`, true, ErrorCode.Storage, error);
    }
  }

  /** Deletes the block once no send uses it (the recipient has its own copy by then, or refused it). */
  private async releaseOutgoing(cid: CID): Promise<void> {
    const key = cid.toString();
    const count = (this.outgoing.get(key) ?? 1) - 1;
    if (count > 0) {
      this.outgoing.set(key, count);
      return;
    }
    this.outgoing.delete(key);
    if (this.queue.has(cid)) return;
    await this.deleteBlock(cid);
  }

  private recipient(): AnnounceRecipient {
    return {
      selfFingerprint: this.selfFingerprint,
      maxEnvelopeBytes: this.options.maxEnvelopeBytes,
      fetchTimeoutMs: this.options.fetchTimeoutMs,
      logger: this.logger,
      isAccepting: () => this.started,
      isQueued: (cid) => this.queue.has(cid),
      hasRoomFor: (length) => this.queue.hasRoomFor(length),
      fetch: async (cid, signal) => this.fetchBlock(cid, signal),
      accept: async (cid, bytes, source) => this.accept(cid, bytes, source),
      discard: async (cid) => this.deleteBlock(cid),
    };
  }

  /**
   * Fetches the block by bitswap, asking again every REWANT_INTERVAL_MS: under load
   * bitswap 4 can leave a want unanswered (a want that reaches the sender while its send
   * queue is busy waits for the next message from us), and a fresh want is that message.
   */
  private async fetchBlock(cid: CID, signal: AbortSignal): Promise<Uint8Array> {
    for (;;) {
      const node = this.requireNode();
      const attempt = AbortSignal.any([signal, AbortSignal.timeout(REWANT_INTERVAL_MS)]);
      try {
        return await collect(node.blockstore.get(cid, { signal: attempt }));
      } catch (error) {
        if (signal.aborted || !attempt.aborted) throw error;
      }
    }
  }

  private async accept(cid: CID, bytes: Uint8Array, source: string): Promise<void> {
    const node = this.requireNode();
    const receivedAt = new Date();
    // With a repo, pinned before queued: an envelope acked to the sender survives a crash.
    // In memory nothing outlives the process, so the pin would only cost time.
    if (this.options.repo !== undefined) {
      for await (const _ of node.pins.add(cid, { metadata: { ...INBOUND_PIN, source, receivedAt: receivedAt.toISOString() } })) {
        // pins.add yields each block it pins; a raw block is one.
      }
    }
    const entry = this.queue.add(cid, bytes, source, receivedAt);
    if (entry !== undefined && this.subscribers.size > 0) this.subscribers.deliver(this.inbound(entry));
  }

  private inbound(entry: QueuedEnvelope): InboundEnvelope {
    return {
      bytes: entry.bytes,
      transport: this.name,
      receivedAt: entry.receivedAt,
      source: `${entry.source} ${entry.cid.toString()}`,
      commit: () => this.commit(entry.cid),
    };
  }

  /** Forgets the envelope: out of the queue, unpinned, block deleted. Idempotent. */
  private async commit(cid: CID): Promise<void> {
    if (!this.queue.remove(cid)) return;
    const node = this.node;
    // Stopped: the pin stays in the repo and the envelope is requeued at the next start;
    // without a repo nothing outlives the process anyway.
    if (node === undefined) return;
    try {
      if (this.options.repo !== undefined && (await node.pins.isPinned(cid))) {
        for await (const _ of node.pins.rm(cid)) {
          // drains the generator
        }
      }
      if (!this.outgoing.has(cid.toString())) await this.deleteBlock(cid);
    } catch (error) {
      throw this.error(`cannot unpin the committed envelope block ${cid.toString()}: ${describeError(error)}`, true, ErrorCode.Storage, error);
    }
  }

  /**
   * Deletes from the underlying store: helia's own delete() also cancels reproviding
   * through content routing, and throws NoContentRoutersError on a node with none.
   */
  private async deleteBlock(cid: CID): Promise<void> {
    try {
      await this.stores.blockstore.delete(cid);
    } catch (error) {
      this.logger.debug('ipfs transport: could not delete a block', { transport: this.name, cid: cid.toString(), error: describeError(error) });
    }
  }

  private requireNode(): HeliaNode {
    if (this.node === undefined) throw this.error('not started', true, ErrorCode.TransportUnavailable);
    return this.node;
  }

  private peerAddress(target: SendTarget): PeerAddress {
    if (target.address === undefined || target.address.trim() === '') {
      throw this.error(`no ipfs address for peer ${target.fingerprint}: add one with --address ${this.name}=/ip4/HOST/tcp/PORT/p2p/PEER_ID`, false, ErrorCode.NoRoute);
    }
    const parsed = parsePeerAddress(target.address);
    if ('problem' in parsed) throw this.error(`peer address ${JSON.stringify(target.address)} ${parsed.problem}`, false);
    return parsed;
  }

  private error(message: string, retryable: boolean, code: ErrorCode = ErrorCode.Transport, cause?: unknown): IpfsTransportError {
    return new IpfsTransportError(message, cause === undefined ? { transport: this.name, retryable } : { transport: this.name, retryable, cause }, code);
  }
}

async function collect(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  // File-backed stores hand out Buffers; envelopes leave as plain Uint8Arrays either way.
  const joined = parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts);
  return Buffer.isBuffer(joined) ? new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength) : joined;
}
