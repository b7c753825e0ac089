/**
 * Agent: one home directory composed into something that sends and receives.
 * The private key is unlocked on first use (send/receive), transports are imported on
 * first use, and both are reused for the life of the object.
 *
 * Sending: seal -> durable outbox record -> one routing round -> per-transport state
 * recorded; the message leaves the outbox only when acked, expired or dead. Receiving:
 * the pipeline stores each message once, then the agent acks it (duplicates re-acked).
 */
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseEnvelope, serializeEnvelope } from '../envelope/parse.js';
import { ConfigError, describeError, ErrorCode, RejectionError, SkcommError, StorageError } from '../errors.js';
import type { VerifiedMessage } from '../message.js';
import {
  createCapauthToken,
  ACK_CONTENT_TYPE,
  ACK_PAYLOAD_TYPE,
  buildAckBody,
  type EnvelopeDraft,
  parseAckBody,
  type PublicKeyHandle,
  sealEnvelope,
  signedDocumentSha256,
} from '../crypto/index.js';
import type { CommandHandler, ReceiveOutcome, ReceivePipeline } from '../receive/index.js';
import { createRouter, loadTransport, type LoadTransportOptions, planRoute, TransportCooldown, type TransportHealthRecord } from '../router/index.js';
import type { DeliveryReport, RouteMode } from '../router/types.js';
import {
  createFileLogger,
  type DeliveryState,
  type FileLogger,
  homeLayout,
  Inbox,
  isTerminalState,
  loadIdentity,
  type LoadedIdentity,
  type LoadedSigningIdentity,
  Outbox,
  type OutboxEntry,
  PeerStore,
  Quarantine,
  readConfig,
  readOwnPublicKey,
  readRegularFile,
  ReplayStore,
  resolveHome,
  type HomeLayout,
  type SkcommConfig,
  type TransportConfig,
  TransportConfigStore,
  writeFileAtomic,
} from '../store/index.js';
import type { InboundEnvelope, Logger, Transport, TransportContext } from '../transport/contract.js';
import { decideRound, describeFailures, expiresAt } from './delivery.js';
import { acknowledgeFileTransfer } from './file-acks.js';
import { receivedFilesDir } from './file-paths.js';
import { type FileResumeSummary, type FileRetryReport, resumeFileTransfers, type ResumeFileTransfersOptions, retryFileTransfer } from './file-resume.js';
import { type FileSendReport, sendFile } from './file-send.js';
import { findFileTransfer, forgetFileTransfer, listFileTransfers, type PendingFileTransfer } from './file-transfers.js';
import type { FileSendContext, SendFileOptions } from './file-types.js';
import { forgetSavedFile, saveReceivedFile, sweepReceivedLeftovers } from './received-files.js';
import type { AgentSendOptions, AttemptReport, ReceiveResult, Rejection, SendReport, TransportStatus } from './types.js';
import { sleep } from './abortable-sleep.js';

export interface AgentOpenOptions {
  /** Home directory; default `$SKCOMM_HOME` or `~/.skcomm`. */
  home?: string;
  /** Called once, when the private key is first needed. */
  passphrase?: () => Promise<string>;
  /** Where transport packages are resolved from (the host app's `import.meta.url`). */
  resolveFrom?: string;
  /** Transport packages bundled into the host, by package name (see LoadTransportOptions.bundled). */
  bundledTransports?: LoadTransportOptions['bundled'];
  logger?: Logger;
  /** Clock of the receive pipeline's time window, for tests. */
  now?: () => Date;
  /** Ready-made transports to use instead of the ones in config (tests, embedders). Started by the agent. */
  transports?: Transport[];
  /** Random source of the retry jitter, for tests. */
  random?: () => number;
  /**
   * Handlers of remote commands by verb. A `command` runs only from a peer trusted
   * `trusted` or more, created at most 5 minutes ago, once, and only through a handler
   * registered here: without one it is refused (E_TRUST_DENIED) and quarantined.
   */
  commandHandlers?: ReadonlyMap<string, CommandHandler>;
}

/** How many due messages one retry pass sends concurrently. */
const RETRY_CONCURRENCY = 16;
/** Persisting transport health is throttled to this; it is advisory state for `status`. */
const HEALTH_SAVE_INTERVAL_MS = 1000;

export class Agent {
  readonly peers: PeerStore;
  readonly transportConfigs: TransportConfigStore;
  private identity: Promise<LoadedIdentity> | undefined;
  private signingIdentity: Promise<LoadedSigningIdentity> | undefined;
  private transports: Promise<LoadedTransports> | undefined;
  private pipeline: Promise<ReceivePipeline> | undefined;
  private replay: ReplayStore | undefined;
  private leftoversSwept: Promise<void> | undefined;
  private outboxStore: Promise<Outbox> | undefined;
  private readonly inbox: Inbox;
  private readonly cooldown: TransportCooldown;
  /** Monotonic due times of pending messages, with the persisted wall time they came from. */
  private readonly dueAt = new Map<string, { mono: number; wall: string }>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly pendingAcks = new Set<Promise<void>>();
  /** When each envelope was last acked (monotonic), to coalesce acks for copies arriving together. */
  private readonly recentAcks = new Map<string, number>();
  private lastHealthSave = 0;

  private constructor(
    readonly home: string,
    readonly layout: HomeLayout,
    readonly config: SkcommConfig,
    readonly publicKey: PublicKeyHandle,
    private readonly options: AgentOpenOptions,
    private readonly logger: Logger,
    /** The log file this agent opened itself; a logger passed in belongs to the caller. */
    private readonly ownLogger?: FileLogger,
  ) {
    this.peers = new PeerStore(layout.peersDir);
    this.transportConfigs = new TransportConfigStore(layout.transportsDir);
    this.inbox = new Inbox(layout.inboxDir);
    this.cooldown = new TransportCooldown({
      failuresBeforeCooldown: config.cooldown_after_failures,
      baseMs: config.cooldown_seconds * 1000,
      maxMs: config.cooldown_seconds * 1000 * 32,
    });
  }

  static async open(options: AgentOpenOptions = {}): Promise<Agent> {
    const home = options.home ?? resolveHome(process.env);
    const layout = homeLayout(home);
    const config = await readConfig(home);
    const publicKey = await readOwnPublicKey(home);
    if (options.logger !== undefined) return new Agent(home, layout, config, publicKey, options, options.logger);
    const logger = createFileLogger(layout.transportLogFile);
    return new Agent(home, layout, config, publicKey, options, logger, logger);
  }

  get name(): string {
    return this.config.name;
  }

  get fingerprint(): string {
    return this.publicKey.fingerprint;
  }

  /** Adds a transport to config after checking that its package loads and accepts the options. */
  async addTransport(entry: {
    name: string;
    package?: string;
    priority?: number;
    options?: Record<string, string | number | boolean>;
  }): Promise<TransportConfig> {
    const record = this.transportConfigs.prepare(entry);
    // Creating it proves the package is installed and the options are valid; nothing is started.
    await loadTransport(record, await this.transportContext(record.name), this.loaderOptions());
    await this.transportConfigs.add(record);
    await this.close();
    return record;
  }

  /**
   * Seals the draft, makes it durable in the outbox (resolves only after the fsync), then
   * runs one routing round. The report's state is honest: `handed-off` (a transport
   * took it), `queued` (none did now; retried later), `dead`, or `delivered` when
   * `waitMs` was given and the recipient's signed ack came back in time.
   */
  async send(peerName: string, draft: EnvelopeDraft, options: AgentSendOptions = {}): Promise<{ envelopeId: string; report: SendReport }> {
    const peer = await this.peers.get(peerName);
    if (!peer) throw new ConfigError(ErrorCode.NotFound, `no peer named "${peerName}"; add one with skcomm peer add`, { field: 'to' });
    if (peer.revoked) throw new SkcommError(ErrorCode.KeyRevoked, `peer ${peer.name} is revoked; not sending to it`);
    const [sender, pinned, outbox] = await Promise.all([
      // Sending signs only: one S2K, not two. With --wait it also receives (acks): unlock all at once.
      options.waitMs === undefined ? this.unlockForSigning() : this.unlock(),
      this.peers.findByFingerprint(peer.fingerprint),
      this.outbox(),
    ]);
    if (pinned === undefined) throw new ConfigError(ErrorCode.NotFound, `peer ${peer.name} has no usable key`, { field: 'to' });
    const fixed = { ...draft, envelopeId: draft.envelopeId ?? randomUUID(), createdAt: draft.createdAt ?? new Date() };
    const sealOptions = {
      sender,
      recipient: { ...pinned.key, name: peer.name },
      mode: options.security ?? this.config.default_mode,
    };
    const envelope = await sealEnvelope(fixed, sealOptions);
    await outbox.enqueue({
      envelopeId: envelope.envelope_id,
      peer: peer.name,
      recipientFingerprint: peer.fingerprint,
      documentSha256: signedDocumentSha256(fixed, sealOptions),
      mode: options.mode ?? 'failover',
      createdAt: envelope.timestamp,
      ttlSeconds: envelope.routing.ttl_seconds,
      maxRetries: envelope.routing.max_retries,
      envelope: serializeEnvelope(envelope),
    });
    this.logger.info('envelope queued', { envelope_id: envelope.envelope_id, peer: peer.name });
    const report = await this.deliverOnce(envelope.envelope_id, options.signal);
    if (options.waitMs !== undefined && options.waitMs > 0 && report.state === 'handed-off') {
      await this.waitForDelivery(envelope.envelope_id, options.waitMs, options.signal);
    }
    return { envelopeId: envelope.envelope_id, report: await this.reportOf(envelope.envelope_id, report) };
  }

  /**
   * Sends a file: inline in one `file` envelope up to 256 KiB (any transport, the outbox,
   * acks), else streamed beside a sealed `webrtc_file` manifest through a transport with
   * sendWithAttachment(). Running it again for the same file and peer resumes a transfer
   * that was cut or crashed (see files.ts).
   */
  async sendFile(peerName: string, path: string, options: SendFileOptions = {}): Promise<FileSendReport> {
    return sendFile(this.fileContext(), peerName, path, options);
  }

  /**
   * One pass over pending streamed transfers (the daemon runs it): each queued one that is
   * due resumes, on the outbox's retry schedule; one whose file changed or vanished is dropped.
   */
  async resumeFileTransfers(signal?: AbortSignal, options: Omit<ResumeFileTransfersOptions, 'signal'> = {}): Promise<FileResumeSummary> {
    return resumeFileTransfers(this.fileContext(), { ...options, ...(signal ? { signal } : {}) });
  }

  /**
   * `outbox retry ID`: resumes one pending streamed transfer (by transfer or envelope id)
   * now, whatever its next attempt, through the daemon's path; undefined when none matches.
   */
  async retryFileTransfer(id: string, options: ResumeFileTransfersOptions = {}): Promise<FileRetryReport | undefined> {
    return retryFileTransfer(this.fileContext(), id, options);
  }

  /** One pending streamed transfer by transfer or envelope id (`outbox show`); undefined when none matches. */
  async fileTransfer(id: string): Promise<PendingFileTransfer | undefined> {
    return findFileTransfer(this.layout, this.peers, id);
  }

  /** Streamed transfers not yet acked: queued for a resume, or handed off and waiting for the ack. */
  async fileTransfers(): Promise<PendingFileTransfer[]> {
    return listFileTransfers(this.layout, this.peers);
  }

  /** Forgets a pending streamed transfer (by transfer id or envelope id); false when there is none. */
  async forgetFileTransfer(id: string): Promise<boolean> {
    return forgetFileTransfer(this.layout, id);
  }

  private fileContext(): FileSendContext {
    return {
      layout: this.layout,
      logger: this.logger,
      peers: this.peers,
      retryScheduleMs: this.config.retry_schedule_seconds.map((seconds) => seconds * 1000),
      ...(this.options.random ? { random: this.options.random } : {}),
      unlock: () => this.unlock(),
      transports: async () => (await this.loadTransports()).transports,
      send: (name, draft, sendOptions) => this.send(name, draft, sendOptions),
      receive: () => this.receive(),
    };
  }

  /** The outbox of this home (opened on first use). */
  outbox(): Promise<Outbox> {
    this.outboxStore ??= Outbox.open(this.layout.outboxDir);
    this.outboxStore.catch(() => (this.outboxStore = undefined));
    return this.outboxStore;
  }

  /**
   * Sends again every pending message whose next attempt is due (monotonic clock), and
   * expires those past their ttl. Returns how many were attempted.
   */
  async retryDue(signal?: AbortSignal): Promise<number> {
    const outbox = await this.outbox();
    await outbox.refresh();
    const nowMono = performance.now();
    const due: string[] = [];
    for (const entry of outbox.list()) {
      if (isTerminalState(entry.state)) {
        this.dueAt.delete(entry.envelopeId);
        continue;
      }
      let known = this.dueAt.get(entry.envelopeId);
      if (known === undefined || known.wall !== entry.nextAttemptAt) {
        // First seen, or rescheduled by another process: derive the deadline once from wall time.
        known = { mono: nowMono + Math.max(0, Date.parse(entry.nextAttemptAt) - Date.now()), wall: entry.nextAttemptAt };
        this.dueAt.set(entry.envelopeId, known);
      }
      if (known.mono <= nowMono && !this.inFlight.has(entry.envelopeId)) due.push(entry.envelopeId);
    }
    let next = 0;
    const worker = async () => {
      while (next < due.length && !signal?.aborted) {
        const envelopeId = due[next++] as string;
        await this.deliverOnce(envelopeId, signal).catch((error: unknown) => {
          if (signal?.aborted) return;
          this.logger.error('retry failed', { envelope_id: envelopeId, error: describeError(error) });
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(RETRY_CONCURRENCY, due.length) }, worker));
    return due.length;
  }

  /** Milliseconds until the earliest pending message is due, or undefined when none is pending. */
  async msUntilNextDue(): Promise<number | undefined> {
    const outbox = await this.outbox();
    const nowMono = performance.now();
    let earliest: number | undefined;
    for (const entry of outbox.list()) {
      if (isTerminalState(entry.state) || this.inFlight.has(entry.envelopeId)) continue;
      const known = this.dueAt.get(entry.envelopeId);
      const ms = known !== undefined && known.wall === entry.nextAttemptAt ? known.mono - nowMono : Date.parse(entry.nextAttemptAt) - Date.now();
      earliest = earliest === undefined ? ms : Math.min(earliest, ms);
    }
    return earliest === undefined ? undefined : Math.max(0, earliest);
  }

  /** `outbox retry`: queues the message again (a dead letter too) and runs a round now. */
  async retryNow(envelopeId: string, signal?: AbortSignal): Promise<SendReport> {
    const outbox = await this.outbox();
    await outbox.refresh();
    const entry = outbox.get(envelopeId);
    if (entry === undefined) throw new StorageError(ErrorCode.NotFound, `no envelope ${envelopeId} in the outbox`);
    if (entry.state === 'dead' || entry.state === 'expired') await outbox.revive(envelopeId);
    const report = await this.deliverOnce(envelopeId, signal);
    return this.reportOf(envelopeId, report);
  }

  /**
   * Waits until the message is delivered (acked) or `timeoutMs` passed, receiving on every
   * transport meanwhile (a daemon on the same home may take the ack: its record counts).
   */
  async waitForDelivery(envelopeId: string, timeoutMs: number, signal?: AbortSignal): Promise<OutboxEntry | undefined> {
    const outbox = await this.outbox();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await outbox.refresh();
      const entry = outbox.get(envelopeId);
      if (entry === undefined || isTerminalState(entry.state) || performance.now() >= deadline || signal?.aborted) return entry;
      await this.receive();
      await this.retryDue(signal);
      await sleep(Math.min(100, Math.max(0, deadline - performance.now())), signal);
    }
  }

  /** Polls every transport once, verifies what arrived, acks it, and returns what was accepted now. */
  async receive(): Promise<ReceiveResult> {
    await this.sweepReceivedLeftovers();
    const { transports } = await this.loadTransports();
    const result: ReceiveResult = { messages: [], rejected: [], duplicates: 0, acks: 0 };
    for (const transport of transports) {
      let inbound;
      try {
        inbound = await transport.receive();
      } catch (error) {
        this.logger.warn('receive failed', { transport: transport.name, error: SkcommError.is(error) ? error.code : String(error) });
        continue;
      }
      // Side by side: the pipeline bounds how many run at once and keeps copies of one envelope apart.
      const outcomes = await Promise.allSettled(inbound.map((item) => this.processInbound(item)));
      for (const [index, outcome] of outcomes.entries()) {
        if (outcome.status === 'rejected') throw outcome.reason;
        addOutcome(result, inbound[index] as InboundEnvelope, outcome.value);
      }
    }
    await this.flushAcks();
    return result;
  }

  /**
   * One inbound envelope through the pipeline; an accepted or duplicate message is acked
   * to its sender (in the background: `flushAcks` waits for those acks).
   */
  async processInbound(inbound: InboundEnvelope): Promise<ReceiveOutcome> {
    await this.sweepReceivedLeftovers();
    const pipeline = await this.receivePipeline();
    const outcome = await pipeline.process(inbound);
    if (outcome.status === 'accepted') await forgetSavedFile(receivedFilesDir(this.layout), outcome.message);
    if (outcome.status === 'accepted' && outcome.message.type !== ACK_PAYLOAD_TYPE) {
      this.ackInBackground(outcome.message.from.fingerprint, outcome.message.envelopeId, outcome.message.documentSha256);
    } else if (outcome.status === 'duplicate' && outcome.type !== ACK_PAYLOAD_TYPE && !this.ackedRecently(outcome.envelopeId)) {
      this.ackInBackground(outcome.senderFingerprint, outcome.envelopeId, outcome.documentSha256);
    }
    return outcome;
  }

  /** Waits for the acks sent so far (each succeeds or is logged). */
  async flushAcks(): Promise<void> {
    while (this.pendingAcks.size > 0) await Promise.all([...this.pendingAcks]);
  }

  async unread(): Promise<VerifiedMessage[]> {
    return (await this.inbox.list({ unreadOnly: true })).map((entry) => entry.message);
  }

  async markRead(envelopeIds: string[]): Promise<void> {
    if (envelopeIds.length > 0) await this.inbox.markRead(envelopeIds);
  }

  /** The transports in use, started (the daemon subscribes to them). */
  async activeTransports(): Promise<readonly Transport[]> {
    return (await this.loadTransports()).transports;
  }

  async status(): Promise<TransportStatus[]> {
    const records = this.options.transports
      ? this.options.transports.map((transport) => ({ name: transport.name, package: '(injected)', priority: transport.priority, enabled: true }))
      : await this.transportConfigs.list();
    const routing = await this.transportHealth();
    return Promise.all(
      records.map(async (record) => {
        const base = { name: record.name, package: record.package, priority: record.priority, ...(routing[record.name] ? { routing: routing[record.name] } : {}) };
        try {
          const { transports, failures } = await this.loadTransports();
          const transport = transports.find((candidate) => candidate.name === record.name);
          if (!transport) {
            const detail = record.enabled ? `not loaded: ${describeError(failures.get(record.name))}` : 'disabled';
            return { ...base, health: { status: 'down' as const, detail, checkedAt: new Date() } };
          }
          // The loaded transport knows its effective priority, its package's default included.
          return { ...base, priority: transport.priority, health: await transport.healthCheck() };
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          return { ...base, health: { status: 'down' as const, detail, checkedAt: new Date() } };
        }
      }),
    );
  }

  /** Per-transport routing health as last persisted (by this process or a daemon on the same home). */
  async transportHealth(): Promise<Record<string, TransportHealthRecord>> {
    try {
      const text = (await readRegularFile(this.layout.transportStateFile, 1024 * 1024)).toString('utf8');
      const parsed = JSON.parse(text) as { transports?: Record<string, TransportHealthRecord> };
      return { ...(parsed.transports ?? {}), ...this.cooldown.snapshot() };
    } catch {
      return this.cooldown.snapshot();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.inFlight.values()].map((delivery) => delivery.catch(() => undefined)));
    await this.flushAcks();
    await this.saveTransportHealth(true);
    const loaded = await this.transports?.catch(() => undefined);
    await Promise.all((loaded?.transports ?? []).map((transport) => transport.stop().catch(() => {})));
    this.transports = undefined;
    const outbox = await this.outboxStore?.catch(() => undefined);
    await outbox?.close();
    this.outboxStore = undefined;
    // The pipeline keeps its replay store; this only lets go of its file until the next receive.
    await this.replay?.close();
    // Lets go of the log file's descriptor; a later line (the agent stays usable) reopens it.
    this.ownLogger?.close();
  }

  /** One routing round for a pending message, recorded in the outbox. Never two at once per message. */
  private deliverOnce(envelopeId: string, signal: AbortSignal | undefined): Promise<DeliveryReport> {
    const previous = this.inFlight.get(envelopeId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.runRound(envelopeId, signal));
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(envelopeId, settled);
    void settled.then(() => {
      if (this.inFlight.get(envelopeId) === settled) this.inFlight.delete(envelopeId);
    });
    return run;
  }

  private async runRound(envelopeId: string, signal: AbortSignal | undefined): Promise<DeliveryReport> {
    const outbox = await this.outbox();
    const entry = outbox.get(envelopeId);
    if (entry === undefined) throw new StorageError(ErrorCode.NotFound, `no envelope ${envelopeId} in the outbox`);
    const idle: DeliveryReport = { envelope_id: envelopeId, state: 'failed', attempts: [] };
    if (isTerminalState(entry.state)) return idle;
    if (Date.now() > expiresAt(entry)) {
      await outbox.setState(envelopeId, 'expired', { reason: `ttl of ${entry.ttlSeconds} s passed without an ack (last state ${entry.state})` });
      this.logger.warn('envelope expired', { envelope_id: envelopeId });
      return idle;
    }
    const [peer, { transports, failures }, bytes] = await Promise.all([
      this.peers.get(entry.peer),
      this.loadTransports(),
      outbox.readEnvelope(envelopeId),
    ]);
    if (peer === undefined || peer.revoked || peer.fingerprint !== entry.recipientFingerprint) {
      const reason = peer === undefined ? `peer ${entry.peer} was removed` : `peer ${entry.peer} was revoked or re-keyed`;
      await outbox.setState(envelopeId, 'dead', { reason });
      return idle;
    }
    const envelope = parseEnvelope(bytes);
    const router = createRouter({ transports, logger: this.logger, cooldown: this.cooldown });
    const planned = planRoute({
      transports,
      priorityTransports: envelope.routing.priority_transports,
      fallbackTransports: envelope.routing.fallback_transports,
      mode: entry.mode as RouteMode,
      envelopeBytes: bytes.byteLength,
    }).map((step) => step.name);
    // Hedging: a message handed off but not acked goes to the next transport first this
    // time, and only to one (a broadcast is not repeated: one copy is enough to get an ack).
    const awaitingAck = entry.state === 'handed-off' && entry.via !== undefined;
    const order = awaitingAck ? rotateAfter(planned, entry.via as string) : planned;
    const mode = awaitingAck && entry.mode === 'broadcast' ? 'failover' : (entry.mode as RouteMode);
    const routed = await router.route(bytes, {
      envelopeId,
      recipientFingerprint: entry.recipientFingerprint,
      addresses: peer.addresses,
      priorityTransports: order,
      mode,
      ...(signal ? { signal } : {}),
    });
    const report: DeliveryReport = { ...routed, attempts: [...loadFailures(failures), ...routed.attempts] };
    const decision = decideRound(entry, report, {
      scheduleMs: this.config.retry_schedule_seconds.map((seconds) => seconds * 1000),
      latencyMsOf: (name) => transports.find((transport) => transport.name === name)?.traits.expectedLatencyMs ?? 0,
      ...(this.options.random ? { random: this.options.random } : {}),
    });
    const attempts = report.attempts.map((attempt) => ({
      transport: attempt.transport,
      outcome: attempt.outcome,
      at: attempt.started_at,
      ...(attempt.detail === undefined ? {} : { detail: attempt.detail }),
      ...(attempt.error === undefined ? {} : { error: attempt.error }),
    }));
    const nextAttemptAt = new Date(Date.now() + (decision.kind === 'dead' ? 0 : decision.delayMs));
    const state =
      decision.kind === 'handed-off'
        ? { state: 'handed-off' as const, via: decision.via, reason: `handed off via ${decision.via}${decision.detail ? ` at ${decision.detail}` : ''}` }
        : decision.kind === 'dead'
          ? { state: 'dead' as const, reason: decision.reason }
          : undefined;
    await outbox.recordRound(envelopeId, attempts, { retryCount: decision.retryCount, nextAttemptAt, ...(state === undefined ? {} : { state }) });
    if (decision.kind !== 'dead') this.dueAt.set(envelopeId, { mono: performance.now() + decision.delayMs, wall: nextAttemptAt.toISOString() });
    if (decision.kind === 'dead') this.logger.warn('envelope dead', { envelope_id: envelopeId, reason: decision.reason });
    await this.saveTransportHealth(false);
    return report;
  }

  private async reportOf(envelopeId: string, report: DeliveryReport): Promise<SendReport> {
    return buildSendReport(report, (await this.outbox()).get(envelopeId));
  }

  /** Verifies an ack against what was sent and records the delivery (DESIGN §3). */
  private async applyAck(message: VerifiedMessage): Promise<void> {
    const ack = parseAckBody(message.body);
    if (ack.recipient_fingerprint !== message.from.fingerprint) {
      throw new RejectionError(ErrorCode.HeaderMismatch, 'ack is signed by someone other than the recipient it names', { field: 'ack.recipient_fingerprint' });
    }
    if (ack.sender_fingerprint !== this.fingerprint) {
      throw new RejectionError(ErrorCode.RecipientMismatch, 'ack names another sender', { field: 'ack.sender_fingerprint' });
    }
    const outbox = await this.outbox();
    await outbox.refresh();
    const entry = outbox.get(ack.envelope_id);
    if (entry === undefined) {
      // Streamed files are not in the outbox: their transfer record takes the ack.
      if (await acknowledgeFileTransfer(this.layout, ack, message.from.fingerprint, this.logger)) return;
      // Purged, or compacted after an earlier ack: nothing left to record.
      this.logger.info('ack for an envelope no longer in the outbox', { envelope_id: ack.envelope_id, from: message.from.fingerprint });
      return;
    }
    if (entry.recipientFingerprint !== message.from.fingerprint || entry.documentSha256 !== ack.document_sha256) {
      throw new RejectionError(ErrorCode.HeaderMismatch, `ack is not bound to envelope ${ack.envelope_id} as it was sent`, { field: 'ack.document_sha256' });
    }
    await outbox.setState(ack.envelope_id, 'delivered', { via: message.transport, reason: `acked via ${message.transport} at ${ack.created_at}` });
    this.dueAt.delete(ack.envelope_id);
    this.logger.info('envelope delivered', { envelope_id: ack.envelope_id, transport: message.transport });
  }

  /**
   * Copies of one envelope arriving together (broadcast, a duplicating channel) get one
   * ack, not one each; a copy arriving later (the sender's retry: its ack was lost) is
   * acked again.
   */
  private ackedRecently(envelopeId: string): boolean {
    const nowMono = performance.now();
    const last = this.recentAcks.get(envelopeId);
    return last !== undefined && nowMono - last < ACK_COALESCE_MS;
  }

  private ackInBackground(senderFingerprint: string, envelopeId: string, documentSha256: string): void {
    const nowMono = performance.now();
    this.recentAcks.set(envelopeId, nowMono);
    if (this.recentAcks.size > RECENT_ACKS_LIMIT) {
      for (const [id, at] of this.recentAcks) if (nowMono - at >= ACK_COALESCE_MS) this.recentAcks.delete(id);
    }
    const sending = this.sendAck(senderFingerprint, envelopeId, documentSha256).catch((error: unknown) => {
      this.logger.warn('ack not sent', { envelope_id: envelopeId, to: senderFingerprint, error: describeError(error) });
    });
    this.pendingAcks.add(sending);
    void sending.finally(() => this.pendingAcks.delete(sending));
  }

  /** Acks go back over any transport we have for the sender; a lost ack is answered by the sender's retry. */
  private async sendAck(senderFingerprint: string, envelopeId: string, documentSha256: string): Promise<void> {
    const [self, peer, { transports }] = await Promise.all([this.unlockForSigning(), this.peers.findByFingerprint(senderFingerprint), this.loadTransports()]);
    if (peer === undefined || peer.record.revoked) return;
    const envelope = await sealEnvelope(
      {
        type: ACK_PAYLOAD_TYPE,
        contentType: ACK_CONTENT_TYPE,
        body: buildAckBody({ envelope_id: envelopeId, document_sha256: documentSha256, sender_fingerprint: senderFingerprint, recipient_fingerprint: this.fingerprint }),
        ttlSeconds: ACK_TTL_SECONDS,
      },
      { sender: self, recipient: { ...peer.key, name: peer.record.name }, mode: this.config.default_mode },
    );
    const report = await createRouter({ transports, logger: this.logger, cooldown: this.cooldown }).route(serializeEnvelope(envelope), {
      envelopeId: envelope.envelope_id,
      recipientFingerprint: senderFingerprint,
      addresses: peer.record.addresses,
      mode: 'failover',
    });
    if (report.state !== 'handed-off') throw new SkcommError(ErrorCode.AllTransportsFailed, describeFailures(report));
  }

  private async saveTransportHealth(force: boolean): Promise<void> {
    const nowMono = performance.now();
    if (!force && nowMono - this.lastHealthSave < HEALTH_SAVE_INTERVAL_MS) return;
    if (!this.cooldown.takeChanged()) return;
    this.lastHealthSave = nowMono;
    const document = { updated_at: new Date().toISOString(), transports: this.cooldown.snapshot() };
    await mkdir(this.layout.stateDir, { recursive: true, mode: 0o700 })
      .then(() => writeFileAtomic(this.layout.transportStateFile, `${JSON.stringify(document, null, 2)}\n`))
      .catch((error: unknown) => this.logger.warn('cannot save transport health', { error: describeError(error) }));
  }

  /** Every secret key unlocked: receiving (decryption) needs it. */
  private unlock(): Promise<LoadedIdentity> {
    this.identity ??= (async () => loadIdentity(this.home, await this.askPassphrase(), { config: this.config }))();
    this.identity.catch(() => (this.identity = undefined));
    return this.identity;
  }

  /** Only the signing key unlocked (send, acks, CapAuth); a full identity already unlocked serves as well. */
  private unlockForSigning(): Promise<LoadedSigningIdentity> {
    if (this.identity) return this.identity;
    this.signingIdentity ??= (async () => loadIdentity(this.home, await this.askPassphrase(), { purpose: 'sign', config: this.config }))();
    this.signingIdentity.catch(() => (this.signingIdentity = undefined));
    return this.signingIdentity;
  }

  private async askPassphrase(): Promise<string> {
    if (!this.options.passphrase) {
      throw new ConfigError(ErrorCode.PassphraseRequired, 'the private key is needed but no passphrase source was given');
    }
    return this.options.passphrase();
  }

  /**
   * Imports and starts every enabled transport. One that fails to load or start is left
   * out (and reported by send and status) rather than taking the others down with it.
   */
  private loadTransports(): Promise<LoadedTransports> {
    this.transports ??= (async () => {
      const loaded: LoadedTransports = { transports: [], failures: new Map() };
      const injected = this.options.transports;
      const records = injected ? [] : (await this.transportConfigs.list()).filter((record) => record.enabled);
      const candidates: Array<{ name: string; create: () => Promise<Transport> }> = injected
        ? injected.map((transport) => ({ name: transport.name, create: async () => transport }))
        : records.map((record) => ({ name: record.name, create: async () => loadTransport(record, await this.transportContext(record.name), this.loaderOptions()) }));
      await Promise.all(
        candidates.map(async (candidate) => {
          try {
            const transport = await candidate.create();
            await transport.start();
            loaded.transports.push(transport);
          } catch (error) {
            loaded.failures.set(candidate.name, error);
            this.logger.warn('transport unavailable', { transport: candidate.name, error: SkcommError.is(error) ? error.code : 'E_INTERNAL' });
          }
        }),
      );
      loaded.transports.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
      return loaded;
    })();
    this.transports.catch(() => (this.transports = undefined));
    return this.transports;
  }

  /** Once per agent, before the first receive: what a crash in the middle of saving a file left behind. */
  private sweepReceivedLeftovers(): Promise<void> {
    this.leftoversSwept ??= sweepReceivedLeftovers(receivedFilesDir(this.layout)).then(
      (removed) => {
        if (removed > 0) this.logger.info('removed leftovers of interrupted file saves', { files: removed });
      },
      (error: unknown) => this.logger.warn('cannot clean up files/received/.partial', { error: describeError(error) }),
    );
    return this.leftoversSwept;
  }

  private receivePipeline(): Promise<ReceivePipeline> {
    this.pipeline ??= (async () => {
      // Loaded here, not at the top: `skcomm send` never receives.
      const [self, { createReceivePipeline }] = await Promise.all([this.unlock(), import('../receive/pipeline.js')]);
      this.replay = await ReplayStore.open(this.layout.replayLogFile);
      return createReceivePipeline({
        self,
        peers: this.peers,
        replay: this.replay,
        quarantine: new Quarantine(this.layout.quarantineDir),
        inbox: this.inbox,
        maxEnvelopeBytes: this.config.max_envelope_bytes,
        logger: this.logger,
        onAck: (message) => this.applyAck(message),
        prepareForInbox: (message, inbound) => saveReceivedFile(message, inbound, receivedFilesDir(this.layout)),
        ...(this.options.now ? { now: this.options.now } : {}),
        ...(this.options.commandHandlers ? { commandHandlers: this.options.commandHandlers } : {}),
      });
    })();
    this.pipeline.catch(() => (this.pipeline = undefined));
    return this.pipeline;
  }

  /** What a transport gets: who we are, a logger, a private state folder and a way to prove our identity to relays. */
  private async transportContext(name: string): Promise<TransportContext> {
    const stateDir = join(this.layout.transportsStateDir, name);
    try {
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${stateDir}`);
    }
    return {
      selfFingerprint: this.fingerprint,
      stateDir,
      logger: this.logger,
      // A fresh CapAuth token per call (openpgp.js salts every signature, so no two are equal).
      authToken: async () => ({
        token: await createCapauthToken(await this.unlockForSigning(), Math.floor(Date.now() / 1000)),
        armoredPublicKey: this.publicKey.armored,
      }),
    };
  }

  private loaderOptions(): LoadTransportOptions {
    return {
      pluginDirs: [this.layout.pluginsDir],
      ...(this.options.resolveFrom ? { resolveFrom: this.options.resolveFrom } : {}),
      ...(this.options.bundledTransports ? { bundled: this.options.bundledTransports } : {}),
    };
  }
}

/** Copies of one envelope within this window share one ack. */
const ACK_COALESCE_MS = 500;
const RECENT_ACKS_LIMIT = 10_000;
/** Acks are small and only useful while the sender still retries. */
const ACK_TTL_SECONDS = 7 * 24 * 3600;

function addOutcome(result: ReceiveResult, item: InboundEnvelope, outcome: ReceiveOutcome): void {
  if (outcome.status === 'accepted') result.messages.push(outcome.message);
  else if (outcome.status === 'duplicate') result.duplicates++;
  else if (outcome.status === 'ack') result.acks++;
  else result.rejected.push(toRejection(outcome.error, item.transport, item.source));
}

function buildSendReport(report: DeliveryReport, entry: OutboxEntry | undefined): SendReport {
  const state: DeliveryState = entry?.state ?? (report.state === 'handed-off' ? 'handed-off' : 'queued');
  return {
    ...report,
    state,
    ...(entry?.reason === undefined ? {} : { reason: entry.reason }),
    ...(entry === undefined || isTerminalState(entry.state) ? {} : { next_attempt_at: entry.nextAttemptAt }),
  };
}

/** Names after `name` first, then the rest up to and including it. */
function rotateAfter(names: readonly string[], name: string): string[] {
  const index = names.indexOf(name);
  return index === -1 ? [...names] : [...names.slice(index + 1), ...names.slice(0, index + 1)];
}

interface LoadedTransports {
  transports: Transport[];
  failures: Map<string, unknown>;
}

function loadFailures(failures: Map<string, unknown>): AttemptReport[] {
  return [...failures].map(([transport, error]) => ({
    transport,
    outcome: 'skipped' as const,
    started_at: new Date().toISOString(),
    duration_ms: 0,
    detail: `could not load or start: ${describeError(error)}`,
  }));
}

function toRejection(error: SkcommError, transport: string, source: string | undefined): Rejection {
  return {
    code: error.code,
    message: error.message,
    ...(error.field === undefined ? {} : { field: error.field }),
    transport,
    ...(source === undefined ? {} : { source }),
  };
}
