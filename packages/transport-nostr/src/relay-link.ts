import type { Filter } from 'nostr-tools/filter';
import type { NostrEvent } from 'nostr-tools/pure';
import { describeError, ErrorCode, type Logger } from '@skcomm/core';
import { withinDeadline } from './deadline.js';
import { NostrTransportError } from './errors.js';
import { GuardedRelay } from './guarded-relay.js';

export interface RelayLinkOptions {
  url: string;
  transport: string;
  connectTimeoutMs: number;
  publishTimeoutMs: number;
  reconnectMaxDelayMs: number;
  logger: Logger;
  /** The subscription filter, computed afresh at every (re)subscription. */
  filter(): Filter;
  /** An event matching the filter (not yet verified). */
  onEvent(event: NostrEvent, url: string): void;
  /** An event the relay sent for our subscription that does not match the filter. */
  onFilterMiss(event: unknown, url: string): void;
  /** A relay message that is not valid Nostr. */
  onMalformed(problem: string, url: string): void;
}

/** What happened to one published event at one relay. */
export interface RelayOutcome {
  url: string;
  status: 'accepted' | 'rejected' | 'failed';
  /** The relay's OK message, or why the publish failed. */
  message: string;
  latencyMs: number;
}

export interface RelayHealth {
  url: string;
  status: 'up' | 'down';
  latencyMs?: number;
  /** Why it is down. */
  detail?: string;
  /** The last failure seen on this relay since it last connected (a publish timeout, a lost connection). */
  lastError?: string;
}

const FIRST_RECONNECT_DELAY_MS = 250;
const NO_SUCH_EVENT = '0'.repeat(64);

/**
 * One relay: a connection kept open (reconnecting with backoff while started), the
 * subscription for our gift wraps re-sent with a fresh `since` on every reconnect, and
 * publishing with the relay's OK counted. nostr-tools' own reconnect is not used: it
 * resubscribes with `since` = newest created_at seen + 1, which loses gift wraps, whose
 * created_at is randomised up to two days back.
 */
export class RelayLink {
  readonly url: string;
  private relay: GuardedRelay | undefined;
  private connecting: Promise<GuardedRelay> | undefined;
  private running = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastError: string | undefined;
  private probes = 0;

  constructor(private readonly options: RelayLinkOptions) {
    this.url = options.url;
  }

  get connected(): boolean {
    return this.relay?.connected === true;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.connect().catch(() => undefined);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const relay = this.relay;
    this.relay = undefined;
    relay?.close();
  }

  /** Publishes and waits for the relay's OK. Never throws: the outcome says what happened. */
  async publish(event: NostrEvent): Promise<RelayOutcome> {
    const started = performance.now();
    const outcome = (status: RelayOutcome['status'], message: string): RelayOutcome => ({
      url: this.url,
      status,
      message,
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    });
    let relay: GuardedRelay;
    try {
      relay = await this.connect();
    } catch (error) {
      return outcome('failed', describeError(error));
    }
    try {
      const reason = await withinDeadline(relay.publish(event), this.options.publishTimeoutMs);
      if (reason === 'timeout') {
        this.lastError = `no OK within ${this.options.publishTimeoutMs} ms`;
        return outcome('failed', this.lastError);
      }
      return outcome('accepted', reason || 'ok');
    } catch (error) {
      const message = describeError(error);
      // nostr-tools rejects with the relay's OK-false reason, or with its own words for timeouts and closes.
      const failed = /timed out|closed|connection|not connected/i.test(message);
      if (failed) this.lastError = message;
      return outcome(failed ? 'failed' : 'rejected', message);
    }
  }

  /** Up when the relay answers a REQ (for an event that cannot exist) with EOSE in time. */
  async probe(): Promise<RelayHealth> {
    const started = performance.now();
    let relay: GuardedRelay;
    try {
      relay = await this.connect();
    } catch (error) {
      return { url: this.url, status: 'down', detail: describeError(error) };
    }
    let subscription: ReturnType<GuardedRelay['subscribe']> | undefined;
    const answer = new Promise<string | undefined>((resolve) => {
      subscription = relay.subscribe([{ ids: [NO_SUCH_EVENT], limit: 1 }], {
        id: `probe:${++this.probes}`,
        // nostr-tools calls oneose on its own timeout too; ours (below) decides first.
        eoseTimeout: this.options.connectTimeoutMs * 2,
        oneose: () => resolve(undefined),
        onclose: (reason) => resolve(`subscription closed: ${reason}`),
      });
    });
    const problem = await withinDeadline(answer, this.options.connectTimeoutMs);
    subscription?.close();
    if (problem !== undefined) {
      return { url: this.url, status: 'down', detail: problem === 'timeout' ? `no answer within ${this.options.connectTimeoutMs} ms` : problem };
    }
    const health: RelayHealth = { url: this.url, status: 'up', latencyMs: Math.round((performance.now() - started) * 100) / 100 };
    if (this.lastError !== undefined) health.lastError = this.lastError;
    return health;
  }

  private connect(): Promise<GuardedRelay> {
    if (this.relay?.connected) return Promise.resolve(this.relay);
    if (!this.running) return Promise.reject(this.error('the transport is stopped'));
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<GuardedRelay> {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const relay = new GuardedRelay(this.url, (problem) => this.options.onMalformed(problem, this.url));
    // Our own deadline decides (see deadline.ts); this one only clears what never got an answer.
    relay.publishTimeout = this.options.publishTimeoutMs * 2;
    relay.onnotice = (notice) => this.options.logger.debug('nostr relay notice', { transport: this.options.transport, relay: this.url, notice });
    relay.onclose = () => this.lost(relay, 'connection closed');
    try {
      const result = await withinDeadline(relay.connect(), this.options.connectTimeoutMs);
      if (result === 'timeout') throw new Error(`no connection within ${this.options.connectTimeoutMs} ms`);
    } catch (error) {
      this.lastError = `cannot connect: ${describeError(error)}`;
      this.options.logger.debug('nostr relay unreachable', { transport: this.options.transport, relay: this.url, error: this.lastError });
      relay.close();
      this.scheduleReconnect();
      throw this.error(this.lastError, error);
    }
    if (!this.running) {
      relay.close();
      throw this.error('the transport is stopped');
    }
    this.relay = relay;
    this.failures = 0;
    this.lastError = undefined;
    this.subscribe(relay);
    this.options.logger.debug('nostr relay connected', { transport: this.options.transport, relay: this.url });
    return relay;
  }

  private subscribe(relay: GuardedRelay): void {
    relay.subscribe([this.options.filter()], {
      id: 'skcomm-inbox',
      onevent: (event) => this.options.onEvent(event, this.url),
      oninvalidevent: (event) => this.options.onFilterMiss(event, this.url),
      onclose: (reason) => {
        // The relay closed our subscription (CLOSED) while the connection stays: start over.
        if (this.relay === relay && this.running && relay.connected) {
          this.options.logger.warn('nostr relay closed the subscription; reconnecting', { transport: this.options.transport, relay: this.url, reason });
          relay.close();
        }
      },
    });
  }

  private lost(relay: GuardedRelay, why: string): void {
    if (this.relay !== relay) return;
    this.relay = undefined;
    this.lastError = why;
    this.options.logger.info('nostr relay connection lost', { transport: this.options.transport, relay: this.url, why });
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (!this.running || this.reconnectTimer !== undefined) return;
    const delay = Math.min(this.options.reconnectMaxDelayMs, FIRST_RECONNECT_DELAY_MS * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 20);
    // Up to 25 % jitter, so many agents do not hammer a relay that just came back in step.
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect().catch(() => undefined);
    }, delay * (1 + Math.random() / 4));
    this.reconnectTimer.unref();
  }

  private error(message: string, cause?: unknown): NostrTransportError {
    return new NostrTransportError(
      `relay ${this.url}: ${message}`,
      { transport: this.options.transport, retryable: true, cause },
      ErrorCode.TransportUnavailable,
    );
  }
}
