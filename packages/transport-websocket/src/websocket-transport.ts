/**
 * The websocket transport: envelopes go to one of the configured relays (the first that
 * gives a hop ack, in order) addressed by recipient fingerprint; envelopes for us are
 * pushed by every relay we are connected to, kept until committed, and acknowledged to
 * their relay only on commit().
 */
import {
  type InboundEnvelope,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  type SendTarget,
  TRANSPORT_SPECIFICATION_VERSION,
  type Transport,
  type TransportContext,
  type TransportHealth,
  type TransportTraits,
  ErrorCode,
  FINGERPRINT_PATTERN,
} from '@skcomm/core';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { WEBSOCKET_TRANSPORT_ID, type WebsocketTransportOptions } from './config.js';
import { unavailable, WebsocketTransportError } from './errors.js';
import { RelayConnection } from './relay-connection.js';

export const DEFAULT_PRIORITY = 20;
/** Room for a DELIVER frame's header on top of the largest envelope. */
const FRAME_OVERHEAD_BYTES = 64;

interface Held {
  relay: RelayConnection;
  messageId: number;
  bytes: Uint8Array;
  receivedAt: Date;
  /** A subscriber is handling it right now: receive() leaves it alone meanwhile. */
  pushing: boolean;
}

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

export class WebsocketTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  private readonly relays: RelayConnection[];
  /** Delivered but not yet committed, keyed by relay index and message id. */
  private readonly held = new Map<string, Held>();
  private readonly subscribers = new Set<Subscriber>();
  private running = false;

  constructor(
    private readonly options: WebsocketTransportOptions & { name?: string; priority?: number },
    private readonly context: TransportContext,
  ) {
    this.name = options.name ?? WEBSOCKET_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.traits = {
      delivery: 'store-and-forward',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'low',
      metadataExposure:
        'the relay operator sees which fingerprint sends to which, when, and how many bytes, plus both IP addresses; contents are encrypted end to end',
      duplex: true,
      hopAck: true,
    };
    this.relays = options.url.map(
      (url, index) =>
        new RelayConnection({
          url,
          transportName: this.name,
          selfFingerprint: context.selfFingerprint,
          authToken: context.authToken?.bind(context),
          connectTimeoutMs: options.connectTimeoutMs,
          sendTimeoutMs: options.sendTimeoutMs,
          reconnectBaseMs: options.reconnectBaseMs,
          reconnectMaxMs: options.reconnectMaxMs,
          pingIntervalMs: options.pingIntervalMs,
          maxFrameBytes: options.maxEnvelopeBytes + FRAME_OVERHEAD_BYTES,
          logger: context.logger,
          onDeliver: (messageId, bytes) => this.onDeliver(index, messageId, bytes),
        }),
    );
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (!this.context.authToken) {
      this.context.logger.warn('no signing capability from the host: connecting without a signed token, which only a SKCOMM_DEV_AUTH relay accepts', {
        transport: this.name,
      });
    }
    for (const relay of this.relays) relay.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    // Uncommitted envelopes are forgotten here; their relay redelivers them on the next connection.
    this.held.clear();
    await Promise.all(this.relays.map((relay) => relay.stop()));
  }

  async isAvailable(): Promise<boolean> {
    if (!this.running) return false;
    if (this.relays.some((relay) => relay.isOpen)) return true;
    const attempts = await Promise.allSettled(this.relays.map((relay) => relay.ensureOpen()));
    return attempts.some((attempt) => attempt.status === 'fulfilled');
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    if (bytes.length > this.options.maxEnvelopeBytes) {
      throw new WebsocketTransportError(
        `envelope is ${bytes.length} bytes; this transport takes at most ${this.options.maxEnvelopeBytes}`,
        { transport: this.name, retryable: false },
        ErrorCode.EnvelopeTooLarge,
      );
    }
    if (!FINGERPRINT_PATTERN.test(target.fingerprint)) {
      throw new WebsocketTransportError(`target ${JSON.stringify(target.fingerprint)} is not a full uppercase fingerprint`, { transport: this.name, retryable: false });
    }
    if (!this.running) throw unavailable(this.name, 'the transport is not started');
    const failures: WebsocketTransportError[] = [];
    for (const relay of this.relays) {
      try {
        await relay.send(target.fingerprint, bytes, options.signal);
        return { transport: this.name, detail: relay.url };
      } catch (error) {
        if (!WebsocketTransportError.isTransportError(error)) throw error;
        failures.push(error as WebsocketTransportError);
        // An envelope a relay refuses for what it is (too large) would be refused by every relay.
        if (error.code === ErrorCode.EnvelopeTooLarge) throw error;
      }
    }
    const only = failures.length === 1 ? failures[0] : undefined;
    if (only) throw only;
    throw new WebsocketTransportError(
      `no relay took the envelope: ${failures.map((failure) => failure.message).join('; ')}`,
      { transport: this.name, retryable: failures.some((failure) => failure.retryable), cause: failures },
      failures.every((failure) => failure.code === ErrorCode.TransportUnavailable) ? ErrorCode.TransportUnavailable : ErrorCode.Transport,
    );
  }

  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    // A poll right after start() waits for the connection and the relay's first batch.
    await Promise.all(this.relays.map((relay) => relay.caughtUp()));
    // Deliveries arrive as socket events; a caller polling in a tight loop (uncommitted
    // envelopes make every call return at once) must still let them in.
    await yieldToEventLoop();
    if (!this.running) throw unavailable(this.name, 'receive() on a stopped transport');
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const batch: InboundEnvelope[] = [];
    for (const [key, held] of this.held) {
      if (batch.length >= limit) break;
      if (!held.pushing) batch.push(this.inbound(key, held));
    }
    return batch;
  }

  subscribe(onEnvelope: Subscriber): () => void {
    this.subscribers.add(onEnvelope);
    return () => this.subscribers.delete(onEnvelope);
  }

  async healthCheck(): Promise<TransportHealth> {
    const checkedAt = new Date();
    if (!this.running) return { status: 'down', detail: 'not started', checkedAt };
    const results = await Promise.allSettled(this.relays.map((relay) => relay.measureLatency()));
    const latencies = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const problems = results.flatMap((result, index) =>
      result.status === 'rejected' ? [`${this.relays[index]?.url}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`] : [],
    );
    if (latencies.length === 0) return { status: 'down', detail: problems.join('; '), checkedAt };
    const latencyMs = Math.round(Math.min(...latencies) * 1000) / 1000;
    if (problems.length > 0) return { status: 'degraded', latencyMs, detail: `${latencies.length} of ${this.relays.length} relays up; ${problems.join('; ')}`, checkedAt };
    return { status: 'up', latencyMs, detail: `${this.relays.length} relay(s) connected and authenticated`, checkedAt };
  }

  private onDeliver(relayIndex: number, messageId: number, bytes: Uint8Array): void {
    const relay = this.relays[relayIndex];
    const key = `${relayIndex}:${messageId}`;
    if (!this.running || !relay || this.held.has(key)) return;
    const held: Held = { relay, messageId, bytes, receivedAt: new Date(), pushing: false };
    this.held.set(key, held);
    if (this.subscribers.size > 0) void this.push(key, held);
  }

  private async push(key: string, held: Held): Promise<void> {
    held.pushing = true;
    try {
      for (const subscriber of [...this.subscribers]) {
        if (!this.running || !this.held.has(key)) break;
        try {
          await subscriber(this.inbound(key, held));
        } catch (error) {
          this.context.logger.warn('a subscriber failed; the envelope stays until committed', { transport: this.name, error: String(error) });
        }
      }
    } finally {
      held.pushing = false;
    }
  }

  private inbound(key: string, held: Held): InboundEnvelope {
    return {
      bytes: held.bytes,
      transport: this.name,
      receivedAt: held.receivedAt,
      source: held.relay.url,
      commit: async () => {
        // Idempotent: the relay connection remembers committed ids and acknowledges redeliveries.
        this.held.delete(key);
        held.relay.acknowledge(held.messageId);
      },
    };
  }
}
