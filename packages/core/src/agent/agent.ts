/**
 * Agent: one home directory composed into something that sends and receives.
 * The private key is unlocked on first use (send/receive), transports are imported on
 * first use, and both are reused for the life of the object.
 */
import { serializeEnvelope } from '../envelope/parse.js';
import { ConfigError, describeError, ErrorCode, SkcommError } from '../errors.js';
import type { VerifiedMessage } from '../message.js';
import {
  type EnvelopeDraft,
  type IdentityHandle,
  type PublicKeyHandle,
  createCapauthToken,
  readPublicKey,
  sealEnvelope,
} from '../crypto/index.js';
import { createReceivePipeline, type ReceivePipeline } from '../receive/index.js';
import { createRouter, loadTransport } from '../router/index.js';
import {
  createFileLogger,
  homeLayout,
  Inbox,
  loadIdentity,
  PeerStore,
  Quarantine,
  readConfig,
  readOwnPublicKey,
  ReplayStore,
  resolveHome,
  type HomeLayout,
  type SkcommConfig,
  type TransportConfig,
  TransportConfigStore,
} from '../store/index.js';
import type { Logger, Transport, TransportContext } from '../transport/contract.js';
import type { AgentSendOptions, AttemptReport, ReceiveResult, Rejection, SendReport, TransportStatus } from './types.js';

export interface AgentOpenOptions {
  /** Home directory; default `$SKCOMM_HOME` or `~/.skcomm`. */
  home?: string;
  /** Called once, when the private key is first needed. */
  passphrase?: () => Promise<string>;
  /** Where transport packages are resolved from (the host app's `import.meta.url`). */
  resolveFrom?: string;
  logger?: Logger;
  now?: () => Date;
}

export class Agent {
  readonly peers: PeerStore;
  readonly transportConfigs: TransportConfigStore;
  private identity: Promise<IdentityHandle & { name: string }> | undefined;
  private transports: Promise<LoadedTransports> | undefined;
  private pipeline: Promise<ReceivePipeline> | undefined;
  private readonly inbox: Inbox;

  private constructor(
    readonly home: string,
    readonly layout: HomeLayout,
    readonly config: SkcommConfig,
    readonly publicKey: PublicKeyHandle,
    private readonly options: AgentOpenOptions,
    private readonly logger: Logger,
  ) {
    this.peers = new PeerStore(layout.peersDir);
    this.transportConfigs = new TransportConfigStore(layout.transportsDir);
    this.inbox = new Inbox(layout.inboxDir);
  }

  static async open(options: AgentOpenOptions = {}): Promise<Agent> {
    const home = options.home ?? resolveHome(process.env);
    const layout = homeLayout(home);
    const config = await readConfig(home);
    const publicKey = await readOwnPublicKey(home);
    const logger = options.logger ?? createFileLogger(layout.transportLogFile);
    return new Agent(home, layout, config, publicKey, options, logger);
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
    await loadTransport(record, this.transportContext(), this.loaderOptions());
    await this.transportConfigs.add(record);
    await this.close();
    return record;
  }

  async send(peerName: string, draft: EnvelopeDraft, options: AgentSendOptions = {}): Promise<{ envelopeId: string; report: SendReport }> {
    const peer = await this.peers.get(peerName);
    if (!peer) throw new ConfigError(ErrorCode.NotFound, `no peer named "${peerName}"; add one with skcomm peer add`, { field: 'to' });
    if (peer.revoked) throw new SkcommError(ErrorCode.KeyRevoked, `peer ${peer.name} is revoked; not sending to it`);
    const [sender, recipientKey, { transports, failures }] = await Promise.all([
      this.unlock(),
      readPublicKey(peer.public_key),
      this.loadTransports(),
    ]);
    const envelope = await sealEnvelope(draft, {
      sender,
      recipient: { ...recipientKey, name: peer.name },
      mode: options.security ?? this.config.default_mode,
    });
    const router = createRouter({ transports, logger: this.logger });
    const report = await router.route(serializeEnvelope(envelope), {
      envelopeId: envelope.envelope_id,
      recipientFingerprint: peer.fingerprint,
      addresses: peer.addresses,
      priorityTransports: envelope.routing.priority_transports,
      fallbackTransports: envelope.routing.fallback_transports,
      mode: options.mode ?? 'failover',
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { envelopeId: envelope.envelope_id, report: { ...report, attempts: [...loadFailures(failures), ...report.attempts] } };
  }

  /** Polls every transport once, verifies what arrived, and returns what was accepted now. */
  async receive(): Promise<ReceiveResult> {
    const [pipeline, { transports }] = await Promise.all([this.receivePipeline(), this.loadTransports()]);
    const result: ReceiveResult = { messages: [], rejected: [], duplicates: 0 };
    for (const transport of transports) {
      let inbound;
      try {
        inbound = await transport.receive();
      } catch (error) {
        this.logger.warn('receive failed', { transport: transport.name, error: SkcommError.is(error) ? error.code : String(error) });
        continue;
      }
      for (const item of inbound) {
        const outcome = await pipeline.process(item);
        if (outcome.status === 'accepted') result.messages.push(outcome.message);
        else if (outcome.status === 'duplicate') result.duplicates++;
        else result.rejected.push(toRejection(outcome.error, item.transport, item.source));
      }
    }
    return result;
  }

  async unread(): Promise<VerifiedMessage[]> {
    return (await this.inbox.list({ unreadOnly: true })).map((entry) => entry.message);
  }

  async markRead(envelopeIds: string[]): Promise<void> {
    if (envelopeIds.length > 0) await this.inbox.markRead(envelopeIds);
  }

  async status(): Promise<TransportStatus[]> {
    const records = await this.transportConfigs.list();
    return Promise.all(
      records.map(async (record) => {
        const base = { name: record.name, package: record.package, priority: record.priority };
        try {
          const { transports, failures } = await this.loadTransports();
          const transport = transports.find((candidate) => candidate.name === record.name);
          if (!transport) {
            const detail = record.enabled ? `not loaded: ${describeError(failures.get(record.name))}` : 'disabled';
            return { ...base, health: { status: 'down' as const, detail, checkedAt: new Date() } };
          }
          return { ...base, health: await transport.healthCheck() };
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          return { ...base, health: { status: 'down' as const, detail, checkedAt: new Date() } };
        }
      }),
    );
  }

  async close(): Promise<void> {
    const loaded = await this.transports?.catch(() => undefined);
    await Promise.all((loaded?.transports ?? []).map((transport) => transport.stop().catch(() => {})));
    this.transports = undefined;
  }

  private unlock(): Promise<IdentityHandle & { name: string }> {
    this.identity ??= (async () => {
      if (!this.options.passphrase) {
        throw new ConfigError(ErrorCode.PassphraseRequired, 'the private key is needed but no passphrase source was given');
      }
      return loadIdentity(this.home, await this.options.passphrase());
    })();
    this.identity.catch(() => (this.identity = undefined));
    return this.identity;
  }

  /**
   * Imports and starts every enabled transport. One that fails to load or start is left
   * out (and reported by send and status) rather than taking the others down with it.
   */
  private loadTransports(): Promise<LoadedTransports> {
    this.transports ??= (async () => {
      const records = (await this.transportConfigs.list()).filter((record) => record.enabled);
      const loaded: LoadedTransports = { transports: [], failures: new Map() };
      await Promise.all(
        records.map(async (record) => {
          try {
            const transport = await loadTransport(record, this.transportContext(), this.loaderOptions());
            await transport.start();
            loaded.transports.push(transport);
          } catch (error) {
            loaded.failures.set(record.name, error);
            this.logger.warn('transport unavailable', { transport: record.name, error: SkcommError.is(error) ? error.code : 'E_INTERNAL' });
          }
        }),
      );
      loaded.transports.sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
      return loaded;
    })();
    this.transports.catch(() => (this.transports = undefined));
    return this.transports;
  }

  private receivePipeline(): Promise<ReceivePipeline> {
    this.pipeline ??= (async () => {
      const self = await this.unlock();
      return createReceivePipeline({
        self,
        peers: this.peers,
        replay: await ReplayStore.open(this.layout.replayLogFile),
        quarantine: new Quarantine(this.layout.quarantineDir),
        inbox: this.inbox,
        maxEnvelopeBytes: this.config.max_envelope_bytes,
        logger: this.logger,
        ...(this.options.now ? { now: this.options.now } : {}),
      });
    })();
    this.pipeline.catch(() => (this.pipeline = undefined));
    return this.pipeline;
  }

  private transportContext(): TransportContext {
    return {
      selfFingerprint: this.fingerprint,
      logger: this.logger,
      // Each token is fresh: openpgp.js salts every signature, so two are never equal.
      authToken: async () => ({
        token: await createCapauthToken(await this.unlock(), Math.floor(Date.now() / 1000)),
        armoredPublicKey: this.publicKey.armored,
      }),
    };
  }

  private loaderOptions() {
    return { pluginDirs: [this.layout.pluginsDir], ...(this.options.resolveFrom ? { resolveFrom: this.options.resolveFrom } : {}) };
  }
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
