import {
  ConfigError,
  ErrorCode,
  FINGERPRINT_PATTERN,
  TRANSPORT_SPECIFICATION_VERSION,
  describeError,
  type InboundEnvelope,
  type Logger,
  type OutgoingAttachment,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  type SendTarget,
  type Transport,
  type TransportContext,
  type TransportHealth,
  type TransportTraits,
} from '@skcomm/core';
import { MEMORY_TRANSPORT_ID, type MemoryTransportOptions } from './config.js';
import { ATTACHMENT_ID_PATTERN } from './attachment-spool.js';
import { MemoryTransportError } from './errors.js';
import type { FaultController } from './fault-controller.js';
import type { MailboxEntry } from './mailbox.js';
import type { MemoryEndpoint, MemoryNetwork } from './memory-network.js';

export const DEFAULT_PRIORITY = 100;

export type MemoryTransportSettings = Omit<MemoryTransportOptions, 'network'> & { network: MemoryNetwork };

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

/** One endpoint on a MemoryNetwork, receiving for the context's fingerprint. */
export class MemoryTransport implements Transport, MemoryEndpoint {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  readonly network: MemoryNetwork;
  readonly fingerprint: string;
  private readonly logger: Logger;
  private readonly subscribers = new Set<Subscriber>();
  private started = false;

  constructor(settings: MemoryTransportSettings, context: TransportContext) {
    if (!FINGERPRINT_PATTERN.test(context.selfFingerprint)) {
      throw new ConfigError(ErrorCode.ConfigInvalid, 'the memory transport needs a full uppercase fingerprint to receive as', {
        field: 'selfFingerprint',
      });
    }
    this.name = settings.name ?? MEMORY_TRANSPORT_ID;
    this.priority = settings.priority ?? DEFAULT_PRIORITY;
    this.network = settings.network;
    this.fingerprint = context.selfFingerprint;
    this.logger = context.logger;
    this.traits = Object.freeze({
      delivery: 'realtime',
      expectedLatencyMs: 1,
      maxEnvelopeBytes: settings.maxEnvelopeBytes,
      stealth: 'high',
      metadataExposure: 'nothing: envelopes never leave the process',
      duplex: true,
      // send() resolves once the envelope is in the recipient's mailbox (unless a drop fault lies).
      hopAck: true,
      maxAttachmentBytes: settings.maxAttachmentBytes,
    });
  }

  /** Faults of this endpoint: they apply to what it sends and to what is sent to it. */
  get faults(): FaultController {
    return this.network.endpointFaults(this.fingerprint);
  }

  async start(): Promise<void> {
    if (this.started) return;
    if (!this.network.attach(this.fingerprint, this)) {
      throw new MemoryTransportError(
        `another memory transport already receives for ${this.fingerprint} on this network`,
        { transport: this.name, retryable: false },
        ErrorCode.AlreadyExists,
      );
    }
    this.started = true;
    for (const subscriber of this.subscribers) this.pushPending(subscriber);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.network.detach(this.fingerprint, this);
  }

  async isAvailable(): Promise<boolean> {
    return this.network.downReason(this.fingerprint) === undefined;
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    this.checkSend(bytes, target, options);
    await this.network.route({
      from: this.fingerprint,
      to: target.fingerprint,
      bytes,
      transport: this.name,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { transport: this.name, detail: `memory:${target.fingerprint}` };
  }

  /**
   * Moves the chunks of `attachment` the recipient lacks into its spool file, then the
   * envelope into its mailbox; resolves once both are there. Calling again with the same
   * attachment id resumes; while the envelope waits uncommitted, it is not delivered twice.
   */
  async sendWithAttachment(bytes: Uint8Array, attachment: OutgoingAttachment, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    this.checkSend(bytes, target, options);
    this.checkAttachment(attachment);
    await this.network.routeWithAttachment({
      from: this.fingerprint,
      to: target.fingerprint,
      bytes,
      attachment,
      transport: this.name,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return { transport: this.name, detail: `memory:${target.fingerprint} with attachment ${attachment.id}` };
  }

  /** Everything not yet committed, oldest first (unless reordered by a fault). */
  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    if (!this.started) {
      throw new MemoryTransportError('not started: call start() first', { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
    const reason = this.network.downReason(this.fingerprint);
    if (reason !== undefined) {
      throw new MemoryTransportError(`cannot receive: ${reason}`, { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
    return this.network
      .mailbox(this.fingerprint)
      .pending(options.limit)
      .map((entry) => this.inbound(entry));
  }

  /** Pushes what arrives while started, and what is pending when it subscribes or starts. */
  subscribe(onEnvelope: Subscriber): () => void {
    this.subscribers.add(onEnvelope);
    if (this.started) this.pushPending(onEnvelope);
    return () => {
      this.subscribers.delete(onEnvelope);
    };
  }

  async healthCheck(): Promise<TransportHealth> {
    const checkedAt = new Date();
    const reason = this.network.downReason(this.fingerprint);
    if (reason !== undefined) return { status: 'down', detail: reason, checkedAt };
    return { status: 'up', latencyMs: this.network.latencyMs(this.fingerprint), checkedAt };
  }

  /** Called by the network for each envelope that lands in this endpoint's mailbox. */
  onArrival(entry: MailboxEntry): void {
    for (const subscriber of this.subscribers) this.push(subscriber, entry);
  }

  private pushPending(subscriber: Subscriber): void {
    for (const entry of this.network.mailbox(this.fingerprint).pending()) this.push(subscriber, entry);
  }

  private push(subscriber: Subscriber, entry: MailboxEntry): void {
    queueMicrotask(() => {
      if (!this.started || !this.subscribers.has(subscriber)) return;
      Promise.resolve()
        .then(() => subscriber(this.inbound(entry)))
        .catch((error: unknown) => {
          this.logger.warn('memory transport: subscriber failed; the envelope stays pending', {
            transport: this.name,
            error: describeError(error),
          });
        });
    });
  }

  private inbound(entry: MailboxEntry): InboundEnvelope {
    const mailbox = this.network.mailbox(this.fingerprint);
    const { attachment } = entry;
    return {
      bytes: Uint8Array.from(entry.bytes),
      transport: this.name,
      receivedAt: entry.arrivedAt,
      source: `memory:${entry.from}`,
      ...(attachment === undefined ? {} : { attachment: { ...attachment } }),
      commit:
        attachment === undefined
          ? async () => mailbox.remove(entry.id)
          : () => this.network.releaseAttachment(this.fingerprint, entry.id, attachment.id),
    };
  }

  private checkSend(bytes: Uint8Array, target: SendTarget, options: SendOptions): void {
    options.signal?.throwIfAborted();
    if (!FINGERPRINT_PATTERN.test(target.fingerprint)) {
      throw new MemoryTransportError('the target is not a full uppercase fingerprint', { transport: this.name, retryable: false });
    }
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw new MemoryTransportError(
        `envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`,
        { transport: this.name, retryable: false },
        ErrorCode.EnvelopeTooLarge,
      );
    }
  }

  /** A malformed or oversized attachment fails the same way every time: not retryable. */
  private checkAttachment(attachment: OutgoingAttachment): void {
    const refuse = (message: string, code: ErrorCode = ErrorCode.Transport): never => {
      throw new MemoryTransportError(`attachment ${message}`, { transport: this.name, retryable: false }, code);
    };
    if (typeof attachment.id !== 'string' || !ATTACHMENT_ID_PATTERN.test(attachment.id)) refuse('id must be 32 lowercase hex characters');
    if (!Number.isSafeInteger(attachment.size) || attachment.size < 0) refuse('size must be a whole number >= 0');
    if (!Number.isSafeInteger(attachment.chunkBytes) || attachment.chunkBytes < 1) refuse('chunkBytes must be a whole number >= 1');
    if (typeof attachment.readChunk !== 'function') refuse('has no readChunk()');
    const limit = this.traits.maxAttachmentBytes ?? 0;
    if (attachment.size > limit) refuse(`is ${attachment.size} bytes; this transport carries at most ${limit}`, ErrorCode.EnvelopeTooLarge);
  }
}
