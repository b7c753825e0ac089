import { join } from 'node:path';
import {
  ErrorCode,
  TRANSPORT_SPECIFICATION_VERSION,
  type InboundEnvelope,
  type ReceiveOptions,
  type SendOptions,
  type SendResult,
  type SendTarget,
  type Transport,
  type TransportContext,
  type TransportHealth,
  type TransportTraits,
} from '@skcomm/core';
import type { HttpTransportOptions } from './config.js';
import { HttpTransportError } from './errors.js';
import { probeEndpoint } from './health-probe.js';
import { HttpClient } from './http-client.js';
import { MailboxClient } from './mailbox-client.js';
import { MailboxTokens } from './mailbox-tokens.js';
import { RateLimiter } from './rate-limiter.js';
import { ReceivingServer } from './receiving-server.js';
import { Spool } from './spool.js';
import { postEnvelope } from './webhook-sender.js';

export const DEFAULT_PRIORITY = 50;
const DEFAULT_RECEIVE_LIMIT = 100;

export class HttpTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;

  private readonly options: HttpTransportOptions;
  private readonly context: TransportContext;
  private readonly client = new HttpClient();
  private readonly mailboxClient: MailboxClient | undefined;
  private inbox: Spool | undefined;
  private readonly mailboxes = new Map<string, Spool>();
  private server: ReceivingServer | undefined;
  private running = false;
  private boundPort: number | undefined;
  private transition: Promise<void> = Promise.resolve();
  private readonly subscribers = new Set<(envelope: InboundEnvelope) => void | Promise<void>>();
  private pump: Promise<void> | undefined;
  private pumpAgain = false;
  private pushTimer: NodeJS.Timeout | undefined;

  constructor(options: HttpTransportOptions & { name?: string; priority?: number }, context: TransportContext) {
    this.options = options;
    this.context = context;
    this.name = options.name ?? 'http';
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.traits = {
      delivery: options.poll === undefined ? 'realtime' : 'store-and-forward',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'low',
      metadataExposure:
        'the network sees both IP addresses, times and sizes (and, without https, the envelope: recipient and sender fingerprints, ids); a mailbox operator sees who polls for which fingerprint; contents are encrypted',
      duplex: true,
      hopAck: true,
    };
    if (options.poll !== undefined && options.pollToken !== undefined) {
      this.mailboxClient = new MailboxClient({
        transport: this.name,
        client: this.client,
        mailbox: new URL(options.poll),
        fingerprint: context.selfFingerprint,
        token: options.pollToken,
        maxEnvelopeBytes: options.maxEnvelopeBytes,
        timeoutMs: options.timeoutMs,
      });
    }
  }

  /** The URL peers POST to (`--address http=…`), once the server listens. */
  get endpoint(): string | undefined {
    if (this.server === undefined || !this.server.listening || this.options.listen === undefined) return undefined;
    const host = this.options.listen.host.includes(':') ? `[${this.options.listen.host}]` : this.options.listen.host;
    return `http://${host}:${this.server.port}${this.options.path}`;
  }

  start(): Promise<void> {
    // A failed earlier start() must not block this one.
    this.transition = this.transition.catch(() => undefined).then(() => this.startNow());
    return this.transition;
  }

  stop(): Promise<void> {
    this.transition = this.transition.catch(() => undefined).then(() => this.stopNow());
    return this.transition;
  }

  async isAvailable(): Promise<boolean> {
    return (await this.healthCheck()).status !== 'down';
  }

  send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    return postEnvelope(
      { transport: this.name, client: this.client, maxEnvelopeBytes: this.options.maxEnvelopeBytes, timeoutMs: this.options.timeoutMs },
      bytes,
      target.address,
      options.signal,
    );
  }

  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    if (!this.running) throw new HttpTransportError('receive() before start() or after stop()', { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    const limit = options.limit ?? DEFAULT_RECEIVE_LIMIT;
    const envelopes = await this.spooled(limit);
    if (envelopes.length < limit && this.mailboxClient !== undefined && !options.signal?.aborted) {
      envelopes.push(...(await this.polled(limit - envelopes.length)));
    }
    return envelopes;
  }

  subscribe(onEnvelope: (envelope: InboundEnvelope) => void | Promise<void>): () => void {
    this.subscribers.add(onEnvelope);
    if (this.running) void this.pushPending();
    return () => {
      this.subscribers.delete(onEnvelope);
    };
  }

  async healthCheck(): Promise<TransportHealth> {
    const checkedAt = new Date();
    if (!this.running) return { status: 'down', detail: 'not started', checkedAt };
    const problems: string[] = [];
    if (this.server !== undefined && !this.server.listening) problems.push('the receiving server is not listening');
    const endpoints = [...this.options.probe, ...(this.options.poll === undefined ? [] : [this.options.poll])];
    const probes = await Promise.all(endpoints.map((endpoint) => probeEndpoint(this.client, new URL(endpoint), this.options.timeoutMs)));
    const failed = probes.filter((probe) => probe.problem !== undefined);
    problems.push(...failed.map((probe) => probe.problem as string));
    const latencyMs = probes.length === 0 ? undefined : Math.max(...probes.map((probe) => probe.latencyMs));
    const serverDown = this.server !== undefined && !this.server.listening;
    const allProbesFailed = probes.length > 0 && failed.length === probes.length;
    const status = serverDown || allProbesFailed ? 'down' : problems.length > 0 ? 'degraded' : 'up';
    return {
      status,
      ...(latencyMs === undefined ? {} : { latencyMs }),
      ...(problems.length === 0 ? {} : { detail: problems.join('; ') }),
      checkedAt,
    };
  }

  private async startNow(): Promise<void> {
    if (this.running) return;
    const { listen } = this.options;
    if (listen !== undefined) {
      const spoolRoot = this.spoolRoot();
      const inbox = new Spool(join(spoolRoot, 'inbox'));
      await inbox.open();
      const { mailboxes, tokens } = await this.openMailboxes(spoolRoot);
      const server = new ReceivingServer({
        // Port 0 picks a free port on the first start; restarts keep it, since peers hold the URL.
        listen: listen.port === 0 && this.boundPort !== undefined ? { ...listen, port: this.boundPort } : listen,
        path: this.options.path,
        selfFingerprint: this.context.selfFingerprint,
        maxEnvelopeBytes: this.options.maxEnvelopeBytes,
        maxSpooled: this.options.maxSpooled,
        inbox,
        mailboxes,
        tokens,
        rateLimiter: new RateLimiter(this.options.rateLimit, this.options.rateLimitBurst),
        logger: this.context.logger,
        onArrival: () => {
          if (this.subscribers.size > 0) void this.pushPending();
        },
      });
      try {
        await server.start();
      } catch (error) {
        await Promise.all([inbox, ...this.mailboxes.values()].map((spool) => spool.close()));
        this.mailboxes.clear();
        throw new HttpTransportError(
          `cannot listen on ${listen.host}:${listen.port}: ${error instanceof Error ? error.message : String(error)}`,
          { transport: this.name, retryable: true, cause: error },
          ErrorCode.TransportUnavailable,
        );
      }
      this.inbox = inbox;
      this.server = server;
      this.boundPort = server.port;
      if (inbox.size > 0) this.context.logger.info('http transport: uncommitted envelopes from before the restart', { count: inbox.size });
    }
    this.running = true;
    this.pushTimer = setInterval(() => {
      if (this.subscribers.size > 0) void this.pushPending();
    }, this.options.pollIntervalMs);
    this.pushTimer.unref();
  }

  private async stopNow(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.pushTimer);
    this.pushTimer = undefined;
    await this.server?.stop();
    this.server = undefined;
    await Promise.all([this.inbox, ...this.mailboxes.values()].map((spool) => spool?.close()));
    this.inbox = undefined;
    this.mailboxes.clear();
    this.client.close();
  }

  private spoolRoot(): string {
    if (this.options.spool !== undefined) return this.options.spool;
    if (this.context.stateDir !== undefined) return join(this.context.stateDir, 'http-spool', this.name);
    throw new HttpTransportError('the receiving server needs a spool directory: set spool=DIR', { transport: this.name, retryable: false }, ErrorCode.ConfigInvalid);
  }

  private async openMailboxes(spoolRoot: string): Promise<{ mailboxes: Map<string, Spool> | undefined; tokens: MailboxTokens | undefined }> {
    if (!this.options.mailbox || this.options.mailboxTokens === undefined) return { mailboxes: undefined, tokens: undefined };
    let tokens: MailboxTokens;
    try {
      tokens = await MailboxTokens.load(this.options.mailboxTokens);
    } catch (error) {
      throw new HttpTransportError(`mailboxTokens: ${error instanceof Error ? error.message : String(error)}`, { transport: this.name, retryable: false, cause: error }, ErrorCode.ConfigInvalid);
    }
    for (const fingerprint of tokens.fingerprints) {
      const spool = new Spool(join(spoolRoot, 'mailbox', fingerprint));
      await spool.open();
      this.mailboxes.set(fingerprint, spool);
    }
    return { mailboxes: this.mailboxes, tokens };
  }

  /** Envelopes waiting in our own spool; commit() deletes the file. */
  private async spooled(limit: number): Promise<InboundEnvelope[]> {
    const inbox = this.inbox;
    if (inbox === undefined) return [];
    const envelopes: InboundEnvelope[] = [];
    for (const name of inbox.list(limit)) {
      const bytes = await inbox.read(name);
      if (bytes === undefined) continue;
      envelopes.push(this.inbound(bytes, `spool:${name}`, () => inbox.remove(name)));
    }
    return envelopes;
  }

  /** Envelopes the polled mailbox holds for us; commit() acknowledges them there. */
  private async polled(limit: number): Promise<InboundEnvelope[]> {
    const client = this.mailboxClient;
    if (client === undefined) return [];
    let page;
    try {
      page = await client.fetch(limit);
    } catch (error) {
      // What our own spool holds is still returned; healthCheck() reports the mailbox.
      this.context.logger.warn('http transport: polling the mailbox failed', { error: error instanceof Error ? error.message : String(error) });
      return [];
    }
    for (const reason of page.skipped) this.context.logger.warn('http transport: the mailbox sent an unacceptable entry; left there', { reason });
    return page.envelopes.map(({ id, bytes }) => this.inbound(bytes, `mailbox:${id}`, () => client.acknowledge(id)));
  }

  private inbound(bytes: Uint8Array, source: string, forget: () => Promise<void>): InboundEnvelope {
    let committed: Promise<void> | undefined;
    return {
      bytes,
      transport: this.name,
      receivedAt: new Date(),
      source,
      commit: () => {
        // A failed commit may be tried again; a successful one is not repeated.
        committed ??= forget().catch((error: unknown) => {
          committed = undefined;
          throw HttpTransportError.isTransportError(error)
            ? error
            : new HttpTransportError(`commit of ${source} failed: ${error instanceof Error ? error.message : String(error)}`, { transport: this.name, retryable: true, cause: error });
        });
        return committed;
      },
    };
  }

  /**
   * Pushes what is waiting to the subscribers. One pump at a time: a call while it runs
   * only asks it to look once more, so no envelope is pushed twice at once and a burst of
   * arrivals costs one look per batch, not one per arrival.
   */
  private pushPending(): Promise<void> {
    if (this.pump !== undefined) {
      this.pumpAgain = true;
      return this.pump;
    }
    this.pump = (async () => {
      do {
        this.pumpAgain = false;
        await this.pushBatch();
      } while (this.pumpAgain && this.running && this.subscribers.size > 0);
    })().finally(() => {
      this.pump = undefined;
    });
    return this.pump;
  }

  private async pushBatch(): Promise<void> {
    let envelopes: InboundEnvelope[];
    try {
      envelopes = await this.receive();
    } catch {
      return; // stopped meanwhile
    }
    await Promise.all(
      envelopes.map(async (envelope) => {
        try {
          for (const subscriber of [...this.subscribers]) {
            if (!this.running || !this.subscribers.has(subscriber)) break;
            await subscriber(envelope);
          }
        } catch (error) {
          this.context.logger.warn('http transport: a subscriber failed; the envelope stays for a later push', { source: envelope.source, error: String(error) });
        }
      }),
    );
  }
}
