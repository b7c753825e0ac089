/**
 * The WebRTC transport: envelopes go straight to the peer over a data channel, negotiated
 * through the relay's signaling broker (the relay sees the offer and answer, never an
 * envelope). send() resolves on the peer's hop ack, sent once the envelope is in the
 * peer's receive queue; received envelopes wait in memory until committed.
 * sendWithAttachment() carries a large attachment beside an envelope over the link's file
 * lanes, resumable; the receiver spools it on disk (README "Files").
 */
import {
  ErrorCode,
  FINGERPRINT_PATTERN,
  type InboundEnvelope,
  type OutgoingAttachment,
  type QueuedEnvelope,
  ReceiveQueue,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  type SendTarget,
  TRANSPORT_SPECIFICATION_VERSION,
  type Transport,
  type TransportContext,
  type TransportHealth,
  type TransportTraits,
  TransportError,
} from '@skcomm/core';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { WEBRTC_TRANSPORT_ID, type WebrtcTransportOptions } from './config.js';
import { LinkClosedError, unavailable, WebrtcTransportError } from './errors.js';
import { ATTACHMENT_ID_PATTERN } from './file-frames.js';
import type { FileDelivery } from './file-receiver.js';
import { FileSpool } from './file-spool.js';
import { type LinkReport, PeerLinks } from './peer-links.js';
import { SignalingClient } from './signaling-client.js';

export const DEFAULT_PRIORITY = 10;
/** A link that closes under a send (the peer restarted, glare) is replaced this many times. */
const SEND_ATTEMPTS = 3;

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

export class WebrtcTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  private readonly signaling: SignalingClient;
  private readonly links: PeerLinks;
  private readonly queue: ReceiveQueue;
  /**
   * Queued envelopes whose ack is held back while the queue is over its limits (oldest
   * first): their senders' windows fill, so they stop sending until the application commits.
   */
  private readonly heldAcks = new Map<number, { length: number; acknowledge: () => void }>();
  private heldBytes = 0;
  /** Queue entries a subscriber is handling right now: receive() leaves them alone meanwhile. */
  private readonly pushing = new Set<number>();
  private readonly subscribers = new Set<Subscriber>();
  /** Queued envelopes that came through the file protocol (their attachment, their commit), by queue entry. */
  private readonly fileDeliveries = new Map<number, FileDelivery>();
  private readonly spool: FileSpool;
  private running = false;

  constructor(
    private readonly options: WebrtcTransportOptions & { name?: string; priority?: number },
    private readonly context: TransportContext,
  ) {
    this.name = options.name ?? WEBRTC_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.traits = {
      delivery: 'realtime',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'medium',
      metadataExposure:
        'the signaling relay sees which fingerprints negotiate with each other, when, and their ICE candidates (IP addresses and ports); envelopes go peer to peer over DTLS, and the path sees both addresses, timing and sizes',
      duplex: true,
      hopAck: true,
      maxAttachmentBytes: options.maxAttachmentBytes,
    };
    this.spool = new FileSpool({
      ...(context.stateDir === undefined ? {} : { stateDir: context.stateDir }),
      maxAttachmentBytes: options.maxAttachmentBytes,
      quotaBytes: options.fileSpoolBytes,
      maxTransfers: options.maxFileTransfers,
      maxTransfersPerPeer: options.maxFileTransfersPerPeer,
      partialTtlHours: options.partialTtlHours,
      logger: context.logger,
      transportName: this.name,
    });
    this.queue = new ReceiveQueue();
    this.signaling = new SignalingClient({
      url: options.signal,
      transportName: this.name,
      selfFingerprint: context.selfFingerprint,
      authToken: context.authToken?.bind(context),
      connectTimeoutMs: options.connectTimeoutMs,
      reconnectBaseMs: options.reconnectBaseMs,
      reconnectMaxMs: options.reconnectMaxMs,
      logger: context.logger,
      onSignal: (sender, payload) => this.links.onSignal(sender, payload),
      onUnreachable: (recipient, why) => this.links.onUnreachable(recipient, why),
    });
    this.links = new PeerLinks({
      selfFingerprint: context.selfFingerprint,
      transportName: this.name,
      options,
      logger: context.logger,
      signaling: this.signaling,
      onEnvelope: (peer, bytes, acknowledge) => this.onEnvelope(peer, bytes, acknowledge),
      spool: this.spool,
      onAttachment: (peer, bytes, attachment, acknowledge) => this.onAttachment(peer, bytes, attachment, acknowledge),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (!this.context.authToken) {
      this.context.logger.warn('no signing capability from the host: connecting to the broker without a signed token, which only a SKCOMM_DEV_AUTH relay accepts', {
        transport: this.name,
      });
    }
    await this.spool.init();
    // Reachable by peers once this resolves (unless the broker is down: then in the background).
    await this.signaling.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    // Partial attachments are flushed to the spool before this resolves: a restart resumes them.
    const flushed = this.links.closeAll('the transport stopped');
    // Their senders get no ack: the links are gone, and those envelopes are sent again.
    this.heldAcks.clear();
    this.heldBytes = 0;
    await Promise.all([flushed, this.signaling.stop()]);
  }

  async isAvailable(): Promise<boolean> {
    if (!this.running) return false;
    if (this.signaling.isOpen || this.links.report().some((link) => link.state === 'open')) return true;
    return this.signaling.ensureOpen().then(
      () => true,
      () => false,
    );
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    this.checkEnvelopeSize(bytes);
    const peer = this.peerOf(target);
    for (let attempt = 1; ; attempt++) {
      if (!this.running) throw unavailable(this.name, 'the transport is not started');
      try {
        const link = await this.links.connect(peer);
        await link.sendEnvelope(bytes, options.signal);
        return { transport: this.name, detail: `webrtc:${peer}` };
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (error instanceof LinkClosedError && attempt < SEND_ATTEMPTS) continue;
        throw this.asTransportError(error, peer);
      }
    }
  }

  /**
   * Sends an envelope with its attachment over the link's file lanes; resolves once the
   * peer holds the whole attachment durably and has queued the envelope. Calling again with
   * the same attachment id after a failure resumes: only the chunks the peer lacks are read.
   */
  async sendWithAttachment(bytes: Uint8Array, attachment: OutgoingAttachment, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    this.checkEnvelopeSize(bytes);
    this.checkAttachment(attachment);
    const peer = this.peerOf(target);
    for (let attempt = 1; ; attempt++) {
      if (!this.running) throw unavailable(this.name, 'the transport is not started');
      try {
        const link = await this.links.connect(peer);
        await link.sendFile(bytes, attachment, options.signal);
        return { transport: this.name, detail: `webrtc:${peer}` };
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        // Closed before the peer answered the offer (a stale link): another link, no progress lost.
        if (error instanceof LinkClosedError && attempt < SEND_ATTEMPTS) continue;
        throw this.asTransportError(error, peer);
      }
    }
  }

  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    // Arrivals are data-channel events; a caller polling in a tight loop must let them in.
    await yieldToEventLoop();
    if (!this.running) throw unavailable(this.name, 'receive() on a stopped transport');
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const batch: InboundEnvelope[] = [];
    for (const entry of this.queue.list()) {
      if (batch.length >= limit) break;
      if (!this.pushing.has(entry.id)) batch.push(this.inbound(entry));
    }
    return batch;
  }

  subscribe(onEnvelope: Subscriber): () => void {
    this.subscribers.add(onEnvelope);
    return () => this.subscribers.delete(onEnvelope);
  }

  /** Every peer link: its state and last data-channel RTT (for `skcomm status`). */
  connections(): LinkReport[] {
    return this.links.report();
  }

  async healthCheck(): Promise<TransportHealth> {
    const checkedAt = new Date();
    if (!this.running) return { status: 'down', detail: 'not started', checkedAt };
    const links = this.links.report();
    const open = links.filter((link) => link.state === 'open');
    const rtts = open.flatMap((link) => (link.rttMs === undefined ? [] : [link.rttMs]));
    const perPeer = links.map((link) => `${link.peer.slice(0, 8)}… ${link.state}${link.rttMs === undefined ? '' : ` rtt ${link.rttMs.toFixed(2)} ms`}`);
    const linkSummary = `${open.length} peer link(s) open${links.length > open.length ? `, ${links.length - open.length} connecting` : ''}${perPeer.length > 0 ? ` (${perPeer.join(', ')})` : ''}`;
    let brokerRtt: number | undefined;
    let brokerProblem: string | undefined;
    try {
      brokerRtt = await this.signaling.measureLatency();
    } catch (error) {
      brokerProblem = error instanceof Error ? error.message : String(error);
    }
    const latencyMs = rtts.length > 0 ? Math.min(...rtts) : brokerRtt;
    const latency = latencyMs === undefined ? {} : { latencyMs: Math.round(latencyMs * 1000) / 1000 };
    if (brokerProblem !== undefined) {
      if (open.length === 0) return { status: 'down', detail: `${brokerProblem}; no open peer link`, checkedAt };
      return { status: 'degraded', ...latency, detail: `${linkSummary}, but no new ones can be negotiated: ${brokerProblem}`, checkedAt };
    }
    return { status: 'up', ...latency, detail: `signaling broker connected; ${linkSummary}`, checkedAt };
  }

  private onEnvelope(peer: string, bytes: Uint8Array, acknowledge: () => void): void {
    if (!this.running) return; // no ack: the sender tries again
    if (bytes.length > this.options.maxEnvelopeBytes) return;
    const entry = this.queue.add(bytes, `webrtc:${peer}`);
    this.heldAcks.set(entry.id, { length: bytes.length, acknowledge });
    this.heldBytes += bytes.length;
    this.releaseAcks();
    if (this.subscribers.size > 0) void this.push(entry);
  }

  /**
   * An envelope with a complete attachment (or without it, delivered again after its commit):
   * queued and acknowledged at once (attachments are bounded by the spool's limits, not by
   * the envelope queue's).
   */
  private onAttachment(peer: string, bytes: Uint8Array, delivery: FileDelivery, acknowledge: () => void): void {
    if (!this.running) return; // no ack: the sender offers again, and the spool still has it
    const entry = this.queue.add(bytes, `webrtc:${peer}`);
    this.fileDeliveries.set(entry.id, delivery);
    acknowledge();
    if (this.subscribers.size > 0) void this.push(entry);
  }

  /** Acks held envelopes, oldest first, while the acknowledged part of the queue is within its limits. */
  private releaseAcks(): void {
    for (const [id, held] of this.heldAcks) {
      const acknowledgedCount = this.queue.size - this.heldAcks.size;
      const acknowledgedBytes = this.queue.byteSize - this.heldBytes;
      const fits = acknowledgedCount === 0 || (acknowledgedCount < this.options.maxQueuedEnvelopes && acknowledgedBytes + held.length <= this.options.maxQueuedBytes);
      if (!fits) return;
      this.releaseAck(id);
    }
  }

  private releaseAck(id: number): void {
    const held = this.heldAcks.get(id);
    if (!held) return;
    this.heldAcks.delete(id);
    this.heldBytes -= held.length;
    held.acknowledge();
  }

  private async push(entry: QueuedEnvelope): Promise<void> {
    this.pushing.add(entry.id);
    try {
      for (const subscriber of [...this.subscribers]) {
        if (!this.running || !this.queue.has(entry.id)) break;
        try {
          await subscriber(this.inbound(entry));
        } catch (error) {
          this.context.logger.warn('a subscriber failed; the envelope stays until committed', { transport: this.name, error: String(error) });
        }
      }
    } finally {
      this.pushing.delete(entry.id);
    }
  }

  private inbound(entry: QueuedEnvelope): InboundEnvelope {
    const delivery = this.fileDeliveries.get(entry.id);
    const attachment = delivery?.attachment;
    return {
      bytes: entry.bytes,
      transport: this.name,
      receivedAt: entry.receivedAt,
      source: entry.source,
      ...(attachment === undefined ? {} : { attachment: { ...attachment } }),
      commit: async () => {
        // Committed is more than queued: an envelope whose ack was held is acknowledged now.
        this.releaseAck(entry.id);
        this.queue.commit(entry.id);
        this.releaseAcks();
        if (delivery !== undefined && this.fileDeliveries.delete(entry.id)) await delivery.commit();
      },
    };
  }

  /** The peer's address is its fingerprint: the broker routes the offer by it. */
  private peerOf(target: SendTarget): string {
    const peer = target.address ?? target.fingerprint;
    if (!FINGERPRINT_PATTERN.test(peer)) {
      throw new WebrtcTransportError(`peer address ${JSON.stringify(peer)} is not a full uppercase fingerprint`, { transport: this.name, retryable: false });
    }
    if (peer === this.context.selfFingerprint) throw new WebrtcTransportError('cannot open a WebRTC link to oneself', { transport: this.name, retryable: false });
    return peer;
  }

  private checkEnvelopeSize(bytes: Uint8Array): void {
    if (bytes.length <= this.options.maxEnvelopeBytes) return;
    throw new WebrtcTransportError(
      `envelope is ${bytes.length} bytes; this transport takes at most ${this.options.maxEnvelopeBytes}`,
      { transport: this.name, retryable: false },
      ErrorCode.EnvelopeTooLarge,
    );
  }

  private checkAttachment(attachment: OutgoingAttachment): void {
    const refuse = (why: string) => new WebrtcTransportError(`attachment ${why}`, { transport: this.name, retryable: false });
    if (!ATTACHMENT_ID_PATTERN.test(attachment.id)) throw refuse('id must be 32 lowercase hex characters');
    if (!Number.isSafeInteger(attachment.size) || attachment.size < 0) throw refuse(`size ${attachment.size} is not a byte count`);
    if (!Number.isSafeInteger(attachment.chunkBytes) || attachment.chunkBytes < 1 || attachment.chunkBytes > 0xffff_ffff) throw refuse(`chunk size ${attachment.chunkBytes} is out of range`);
    if (attachment.size > this.options.maxAttachmentBytes) {
      throw refuse(`is ${attachment.size} bytes; this transport carries at most ${this.options.maxAttachmentBytes} (maxAttachmentBytes)`);
    }
  }

  private asTransportError(error: unknown, peer: string): TransportError {
    if (TransportError.isTransportError(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    return unavailable(this.name, `link to ${peer} failed: ${message}`, error);
  }
}
