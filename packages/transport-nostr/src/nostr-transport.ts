import type { NostrEvent } from 'nostr-tools/pure';
import {
  ErrorCode,
  TRANSPORT_SPECIFICATION_VERSION,
  describeError,
  type InboundEnvelope,
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
import { NOSTR_TRANSPORT_ID, type NostrTransportOptions } from './config.js';
import { NostrEventRejectedError, NostrTransportError, type NostrRejectionReason } from './errors.js';
import { ConversationKeys, GIFT_WRAP_KIND, unwrapEnvelope, wrapEnvelope } from './gift-wrap.js';
import { CLOCK_SKEW_SECONDS, Inbox, nowSeconds } from './inbox.js';
import { loadKeyPair, parsePublicKey } from './keys.js';
import { RelayLink, type RelayHealth, type RelayOutcome } from './relay-link.js';
import { loadFastSignatures } from './signatures.js';
import { StateFile } from './state-file.js';

export const DEFAULT_PRIORITY = 60;

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

/** A send's result with what each relay said. */
export interface NostrSendResult extends SendResult {
  /** The gift wrap's event id. */
  eventId: string;
  relays: RelayOutcome[];
}

/** Overall health plus each relay's. */
export interface NostrHealth extends TransportHealth {
  relays: RelayHealth[];
}

/** Counters of what arrived, for status displays and tests. */
export interface NostrInboundStats {
  accepted: number;
  duplicates: number;
  rejected: Partial<Record<NostrRejectionReason, number>>;
}

/**
 * SKComm envelopes in NIP-17/NIP-59 gift wraps (kind 1059) through one or more Nostr
 * relays. Sends publish to every configured relay at once and succeed when at least one
 * accepts; receiving subscribes to `{kinds:[1059], '#p':[own key]}` on all of them and
 * deduplicates by event id.
 */
export class NostrTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  /** This agent's Nostr public key (hex): what peers put in their `nostr` address for us. */
  readonly publicKey: string;
  readonly relayUrls: readonly string[];
  private readonly secretKey: Uint8Array;
  private readonly conversationKeys: ConversationKeys;
  private readonly links: RelayLink[];
  private readonly logger: Logger;
  private readonly stateFile: StateFile | undefined;
  private readonly subscribers = new Set<Subscriber>();
  private readonly counters: NostrInboundStats = { accepted: 0, duplicates: 0, rejected: {} };
  private inbox: Inbox | undefined;
  private started = false;
  private lifecycle: Promise<void> = Promise.resolve();

  constructor(options: NostrTransportOptions & TransportCommonOptions, context: TransportContext) {
    this.name = options.name ?? NOSTR_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.logger = context.logger;
    const keys = loadKeyPair(options.secretKeyFile, context.stateDir);
    this.secretKey = keys.secretKey;
    this.publicKey = keys.publicKey;
    this.conversationKeys = new ConversationKeys(this.secretKey);
    this.stateFile = context.stateDir === undefined ? undefined : StateFile.in(context.stateDir, this.logger);
    this.relayUrls = options.relays;
    this.traits = Object.freeze({
      delivery: 'store-and-forward',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'medium',
      metadataExposure:
        'each relay sees the recipient\u2019s Nostr public key, the wrap size (padded) and when it was published, and the IP addresses of both agents; not the sender (a one-time key signs the wrap) nor the real send time (created_at is randomised up to two days back)',
      duplex: true,
      // A relay's OK: the next hop stored it.
      hopAck: true,
    });
    this.links = options.relays.map(
      (url) =>
        new RelayLink({
          url,
          transport: this.name,
          connectTimeoutMs: options.connectTimeoutMs,
          publishTimeoutMs: options.publishTimeoutMs,
          reconnectMaxDelayMs: options.reconnectMaxDelayMs,
          logger: this.logger,
          filter: () => ({ kinds: [GIFT_WRAP_KIND], '#p': [this.publicKey], since: this.inbox?.subscriptionSince() ?? nowSeconds() }),
          onEvent: (event, relay) => this.arrived(event, relay),
          onFilterMiss: (event, relay) => this.filterMiss(event, relay),
          onMalformed: (problem, relay) => this.rejected('malformed', `relay sent ${problem}`, relay),
        }),
    );
  }

  /** Opens the inbox state and connects to every relay (in the background). Idempotent. */
  start(): Promise<void> {
    this.lifecycle = this.lifecycle.catch(() => undefined).then(async () => {
      if (this.started) return;
      await loadFastSignatures();
      this.inbox ??= await Inbox.open(this.stateFile);
      this.started = true;
      for (const link of this.links) link.start();
    });
    return this.lifecycle;
  }

  /** Disconnects and saves the state. Envelopes waiting for commit stay until a later receive(). Idempotent. */
  stop(): Promise<void> {
    this.lifecycle = this.lifecycle.catch(() => undefined).then(async () => {
      if (!this.started) return;
      this.started = false;
      for (const link of this.links) link.stop();
      await this.inbox?.flush();
    });
    return this.lifecycle;
  }

  async isAvailable(): Promise<boolean> {
    return (await this.healthCheck()).status !== 'down';
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<NostrSendResult> {
    options.signal?.throwIfAborted();
    if (!this.started) throw this.error('not started: call start() first', true, ErrorCode.TransportUnavailable);
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw this.error(`envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`, false, ErrorCode.EnvelopeTooLarge);
    }
    const recipient = target.address === undefined ? undefined : parsePublicKey(target.address);
    if (recipient === undefined) {
      throw this.error('the peer has no usable nostr address: set it to a hex public key or an npub (skcomm peer add --address nostr=...)', false);
    }
    // Wrapping is ~8 ms of synchronous secp256k1 work: yield first, so a burst of sends
    // interleaves with relay I/O (handshakes, OKs) instead of starving it.
    await yieldToEventLoop();
    options.signal?.throwIfAborted();
    let wrap: NostrEvent;
    try {
      wrap = wrapEnvelope(bytes, { secretKey: this.secretKey, publicKey: this.publicKey, conversationKeys: this.conversationKeys }, recipient);
    } catch (cause) {
      throw new NostrTransportError(`cannot wrap for ${recipient}: not a valid secp256k1 public key`, { transport: this.name, retryable: false, cause });
    }
    options.signal?.throwIfAborted();
    const outcomes = await Promise.all(this.links.map((link) => link.publish(wrap)));
    const accepted = outcomes.filter((outcome) => outcome.status === 'accepted').length;
    const detail = `${accepted}/${outcomes.length} relays accepted event ${wrap.id}: ${outcomes.map(describeOutcome).join('; ')}`;
    if (accepted === 0) {
      // A relay that refused the event outright (invalid, blocked) will refuse it again; one that was unreachable may come back.
      const retryable = outcomes.some((outcome) => outcome.status === 'failed' || /^(rate-limited|error):/.test(outcome.message));
      throw this.error(`no relay accepted the envelope: ${detail}`, retryable, retryable ? ErrorCode.TransportUnavailable : ErrorCode.Transport);
    }
    if (accepted < outcomes.length) this.logger.warn('nostr: not every relay accepted the envelope', { transport: this.name, detail });
    return { transport: this.name, detail, eventId: wrap.id, relays: outcomes };
  }

  /** Envelopes that arrived and were not committed yet, oldest first. */
  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    // Arrivals are pushed by relay messages: let those already waiting be read first
    // (a caller polling in a loop would otherwise never let them in).
    await yieldToEventLoop();
    if (!this.started || this.inbox === undefined) throw this.error('not started: call start() first', true, ErrorCode.TransportUnavailable);
    return this.inbox.waiting(options.limit);
  }

  /** Pushes each envelope once, as it arrives; one not committed is still returned by receive(). */
  subscribe(onEnvelope: Subscriber): () => void {
    this.subscribers.add(onEnvelope);
    return () => {
      this.subscribers.delete(onEnvelope);
    };
  }

  /** Probes every relay: up if all answer, degraded if some do, down if none. */
  async healthCheck(): Promise<NostrHealth> {
    const checkedAt = new Date();
    if (!this.started) return { status: 'down', detail: 'not started', checkedAt, relays: [] };
    const relays = await Promise.all(this.links.map((link) => link.probe()));
    this.inbox?.advance(this.allConnected());
    const up = relays.filter((relay) => relay.status === 'up');
    const status = up.length === relays.length ? 'up' : up.length > 0 ? 'degraded' : 'down';
    const latencies = up.map((relay) => relay.latencyMs ?? 0);
    const health: NostrHealth = { status, checkedAt, relays };
    if (latencies.length > 0) health.latencyMs = Math.min(...latencies);
    if (status !== 'up') {
      health.detail = relays
        .filter((relay) => relay.status === 'down')
        .map((relay) => `${relay.url} down: ${relay.detail ?? 'no answer'}`)
        .join('; ');
    }
    return health;
  }

  /** How many wraps were accepted, deduplicated and rejected (by reason) since creation. */
  stats(): NostrInboundStats {
    return { accepted: this.counters.accepted, duplicates: this.counters.duplicates, rejected: { ...this.counters.rejected } };
  }

  private arrived(event: NostrEvent, relay: string): void {
    const inbox = this.inbox;
    if (!this.started || inbox === undefined) return;
    if (!inbox.claim(event.id)) {
      this.counters.duplicates++;
      return;
    }
    try {
      const unwrapped = unwrapEnvelope(event, {
        secretKey: this.secretKey,
        publicKey: this.publicKey,
        conversationKeys: this.conversationKeys,
        maxEnvelopeBytes: this.traits.maxEnvelopeBytes,
        window: { since: inbox.since(), until: nowSeconds() + CLOCK_SKEW_SECONDS },
      });
      const envelope: InboundEnvelope = {
        bytes: unwrapped.bytes,
        transport: this.name,
        receivedAt: new Date(),
        source: `nostr:${unwrapped.senderPublicKey} via ${relay} (event ${event.id})`,
        commit: async () => this.inbox?.commit(event.id, this.allConnected()),
      };
      inbox.accept({ eventId: event.id, wrapCreatedAt: event.created_at, envelope });
      this.counters.accepted++;
      this.push(envelope);
    } catch (error) {
      const rejection = error instanceof NostrEventRejectedError ? error : new NostrEventRejectedError('malformed', describeError(error), { cause: error });
      // Only an id proven by its signature is remembered as bad; a forged copy must not block the genuine event.
      if (rejection.authentic) inbox.reject(event.id);
      else inbox.release(event.id);
      this.rejected(rejection.reason, rejection.message, relay, event.id);
    }
  }

  /**
   * An event outside our filter. Some relays (@nostr-relay/core among them) send every
   * live kind-1059 event to every gift-wrap subscriber, ignoring the '#p' filter, so
   * these are common and logged at debug level only.
   */
  private filterMiss(event: unknown, relay: string): void {
    const { kind, created_at: createdAt } = event as { kind?: unknown; created_at?: unknown };
    const since = this.inbox?.since() ?? 0;
    if (kind !== GIFT_WRAP_KIND) this.rejected('wrong-kind', `relay sent an event of kind ${String(kind)} for our gift-wrap subscription`, relay, undefined, 'debug');
    else if (typeof createdAt === 'number' && createdAt < since) this.rejected('stale', 'relay sent a gift wrap dated before the window', relay, undefined, 'debug');
    else this.rejected('not-for-us', 'relay sent a gift wrap not addressed to this key', relay, undefined, 'debug');
  }

  private rejected(reason: NostrRejectionReason, message: string, relay: string, eventId?: string, level: 'debug' | 'warn' = 'warn'): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    this.logger[level]('nostr: ignored an incoming event', { transport: this.name, relay, reason, problem: message, ...(eventId ? { eventId } : {}) });
  }

  private push(envelope: InboundEnvelope): void {
    for (const subscriber of this.subscribers) {
      void Promise.resolve()
        .then(() => subscriber(envelope))
        .catch((error: unknown) => {
          this.logger.warn('nostr: subscriber failed; the envelope stays until committed', { transport: this.name, error: describeError(error) });
        });
    }
  }

  private allConnected(): boolean {
    return this.links.every((link) => link.connected);
  }

  private error(message: string, retryable: boolean, code: ErrorCode = ErrorCode.Transport): NostrTransportError {
    return new NostrTransportError(message, { transport: this.name, retryable }, code);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function describeOutcome(outcome: RelayOutcome): string {
  return `${outcome.url} ${outcome.status}${outcome.status === 'accepted' ? '' : ` (${outcome.message})`} in ${outcome.latencyMs} ms`;
}
