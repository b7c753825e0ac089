/**
 * A minimal, correct in-memory transport for the suite's own tests, with switchable
 * flaws. (The suite cannot use @skcomm/transport-memory here: that package runs this
 * suite in its own tests, and the dependency would go in a circle.)
 */
import {
  TRANSPORT_SPECIFICATION_VERSION,
  TransportError,
  type InboundEnvelope,
  type SendOptions,
  type SendTarget,
  type Transport,
  type TransportHealth,
} from '@skcomm/core';

export interface LoopbackFlaws {
  /** Silently loses every Nth envelope sent. */
  dropEvery?: number;
  /** Flips one byte in the middle of every delivered envelope. */
  corruptsAByte?: boolean;
  /** healthCheck() says 'up' whatever happens. */
  neverReportsDown?: boolean;
  /** stop() does nothing: receive() and push keep delivering. */
  deliversAfterStop?: boolean;
  /** What send() throws when the hub is down. Default: a retryable TransportError. */
  downError?: 'untyped' | 'non-retryable';
  /** receive() forgets what it returned, committed or not. */
  forgetsUncommitted?: boolean;
  /** receive() returns everything whatever the limit. */
  ignoresLimit?: boolean;
}

export class LoopbackHub {
  down = false;
  readonly mailboxes = new Map<string, Map<number, Uint8Array>>();
  readonly listeners = new Map<string, () => void>();
  private nextId = 0;

  deliver(fingerprint: string, bytes: Uint8Array): void {
    const mailbox = this.mailboxes.get(fingerprint) ?? new Map<number, Uint8Array>();
    this.mailboxes.set(fingerprint, mailbox);
    mailbox.set(this.nextId++, bytes);
    this.listeners.get(fingerprint)?.();
  }
}

export class LoopbackTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly priority = 50;
  readonly traits = {
    delivery: 'realtime',
    expectedLatencyMs: 0,
    maxEnvelopeBytes: 64 * 1024,
    stealth: 'high',
    metadataExposure: 'nothing leaves the process',
    duplex: true,
    hopAck: true,
  } as const;
  private started = false;
  private sent = 0;
  private readonly subscribers = new Set<(envelope: InboundEnvelope) => void | Promise<void>>();

  constructor(
    readonly name: string,
    private readonly fingerprint: string,
    private readonly hub: LoopbackHub,
    private readonly flaws: LoopbackFlaws = {},
  ) {}

  async start(): Promise<void> {
    this.started = true;
    this.hub.listeners.set(this.fingerprint, () => this.push());
  }

  async stop(): Promise<void> {
    if (this.flaws.deliversAfterStop) return;
    this.started = false;
  }

  async isAvailable(): Promise<boolean> {
    return (await this.healthCheck()).status === 'up';
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}) {
    options.signal?.throwIfAborted();
    if (bytes.length > this.traits.maxEnvelopeBytes) throw this.error('too large', false);
    if (this.hub.down) {
      if (this.flaws.downError === 'untyped') throw new Error('peer down');
      throw this.error('peer down', this.flaws.downError !== 'non-retryable');
    }
    this.sent++;
    if (this.flaws.dropEvery === undefined || this.sent % this.flaws.dropEvery !== 0) {
      const copy = Uint8Array.from(bytes);
      if (this.flaws.corruptsAByte) copy[copy.length >> 1] = (copy[copy.length >> 1] ?? 0) ^ 0x01;
      this.hub.deliver(target.fingerprint, copy);
    }
    return { transport: this.name };
  }

  async receive(options: { limit?: number } = {}): Promise<InboundEnvelope[]> {
    if (!this.started) return [];
    const mailbox = this.hub.mailboxes.get(this.fingerprint) ?? new Map<number, Uint8Array>();
    const limit = this.flaws.ignoresLimit ? Infinity : (options.limit ?? Infinity);
    const entries = [...mailbox].slice(0, limit);
    if (this.flaws.forgetsUncommitted) for (const [id] of entries) mailbox.delete(id);
    return entries.map(([id, bytes]) => this.inbound(mailbox, id, bytes));
  }

  subscribe(onEnvelope: (envelope: InboundEnvelope) => void | Promise<void>): () => void {
    this.subscribers.add(onEnvelope);
    return () => this.subscribers.delete(onEnvelope);
  }

  async healthCheck(): Promise<TransportHealth> {
    const down = this.hub.down && !this.flaws.neverReportsDown;
    return down ? { status: 'down', detail: 'hub is down', checkedAt: new Date() } : { status: 'up', latencyMs: 0, checkedAt: new Date() };
  }

  private push(): void {
    if (!this.started) return;
    const mailbox = this.hub.mailboxes.get(this.fingerprint);
    const newest = mailbox === undefined ? undefined : [...mailbox].at(-1);
    if (mailbox === undefined || newest === undefined) return;
    for (const subscriber of this.subscribers) void subscriber(this.inbound(mailbox, newest[0], newest[1]));
  }

  private inbound(mailbox: Map<number, Uint8Array>, id: number, bytes: Uint8Array): InboundEnvelope {
    return {
      bytes: Uint8Array.from(bytes),
      transport: this.name,
      receivedAt: new Date(),
      commit: async () => {
        mailbox.delete(id);
      },
    };
  }

  private error(message: string, retryable: boolean): TransportError {
    return new TransportError(message, { transport: this.name, retryable });
  }
}
