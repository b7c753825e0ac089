import {
  ErrorCode,
  TRANSPORT_SPECIFICATION_VERSION,
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
import { endpointOf, parseSshAddress, type SshAddress } from './address.js';
import { SSH_TRANSPORT_ID, type SshTransportOptions } from './config.js';
import { ConnectionPool } from './connection-pool.js';
import { openConnection, type SshConnection } from './connection.js';
import { readEnvelopeId } from './envelope-id.js';
import { fromSftpError, sshError, SshTransportError } from './errors.js';
import { probeHealth } from './health-probe.js';
import { loadIdentity } from './identity.js';
import { folderFingerprintMismatch } from './layout.js';
import { Poller } from './poller.js';
import { deliverEnvelope, ensureRemoteDirectory } from './remote-delivery.js';
import { RemoteInbox, type RemoteEnvelopeFile } from './remote-inbox.js';

export const DEFAULT_PRIORITY = 60;

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

/**
 * Delivers into a peer's inbox folder on a remote host over SFTP, and receives by
 * pulling from a remote folder (`pull`). One pooled connection per `user@host:port`.
 */
export class SshTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  private readonly options: SshTransportOptions;
  private readonly logger: Logger;
  private readonly inbox: RemoteInbox | undefined;
  private readonly poller: Poller;
  private pool: ConnectionPool | undefined;
  private identity: Buffer | undefined;
  /** The last folder delivered to: what healthCheck() probes when there is no pull folder. */
  private lastTarget: SshAddress | undefined;

  constructor(options: SshTransportOptions & TransportCommonOptions, context: TransportContext) {
    this.options = options;
    this.name = options.name ?? SSH_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.logger = context.logger;
    this.traits = Object.freeze({
      delivery: 'store-and-forward',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'medium',
      metadataExposure:
        'a network observer sees an encrypted SSH connection to the host, its timing and sizes; the remote host and anyone who can read the folder see recipient folders, envelope ids, sizes and times (contents are encrypted)',
      duplex: true,
      // send() resolves only after the server confirmed the write, the fsync and the rename.
      hopAck: true,
    });
    this.inbox = options.pull === undefined ? undefined : new RemoteInbox(options.pull.path, options.maxEnvelopeBytes, this.name, this.logger);
    this.poller = new Poller({
      intervalMs: options.pollIntervalMs,
      fetch: () => this.receive(),
      transport: this.name,
      logger: this.logger,
    });
  }

  /** Checks the identity file; connects lazily on first use. A down server does not fail start(). */
  async start(): Promise<void> {
    this.identity ??= await loadIdentity(this.options.identity, this.name);
    if (this.pool !== undefined) return;
    this.pool = new ConnectionPool(
      (endpoint) =>
        openConnection(endpoint, {
          identity: this.identity as Buffer,
          hostKeyPolicy: this.options.hostKeyPolicy,
          connectTimeoutMs: this.options.connectTimeoutMs,
          operationTimeoutMs: this.options.operationTimeoutMs,
          transport: this.name,
          logger: this.logger,
        }),
      this.options.idleTimeoutMs,
      () => this.notStarted(),
    );
    this.poller.start();
  }

  async stop(): Promise<void> {
    this.poller.stop();
    this.pool?.close();
    this.pool = undefined;
  }

  async isAvailable(): Promise<boolean> {
    return (await this.healthCheck()).status === 'up';
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    const address = this.targetAddress(target);
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw sshError(this.name, 'envelope', `envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`, undefined, ErrorCode.EnvelopeTooLarge);
    }
    const reading = readEnvelopeId(bytes);
    if ('problem' in reading) throw sshError(this.name, 'envelope', `cannot name the file: ${reading.problem}`, undefined, ErrorCode.EnvelopeInvalid);
    const pool = this.requirePool();
    this.lastTarget = address;
    try {
      const path = await pool.use(
        address,
        (connection) => deliverEnvelope(connection, { directory: address.path, envelopeId: reading.id, bytes, transport: this.name, signal: options.signal }),
        options.signal,
      );
      return { transport: this.name, detail: `${endpointOf(address)}:${path}` };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw fromSftpError(error, this.name, 'cannot deliver the envelope', `${endpointOf(address)}:${address.path}`);
    }
  }

  /** The complete envelope files in the pull folder. Each stays there until its commit() deletes it. */
  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    const pool = this.requirePool();
    const { inbox, options: config } = this;
    if (inbox === undefined || config.pull === undefined) return [];
    const pull = config.pull;
    try {
      const files = await pool.use(
        pull,
        async (connection) => {
          await ensureRemoteDirectory(connection, inbox.directory, this.name);
          return inbox.scan(connection, options.limit);
        },
        options.signal,
      );
      return files.map((file) => this.inbound(pull, inbox, file));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw fromSftpError(error, this.name, 'cannot read the pull folder', `${endpointOf(pull)}:${pull.path}`);
    }
  }

  /** Polls the pull folder every pollIntervalMs and pushes what is there; uncommitted files are pushed again later. */
  subscribe(onEnvelope: Subscriber): () => void {
    return this.poller.subscribe(onEnvelope);
  }

  /** Connect + authenticate + stat of the pull folder (or, without one, of the folder last delivered to). */
  async healthCheck(): Promise<TransportHealth> {
    const probed = this.options.pull ?? this.lastTarget;
    if (this.pool === undefined) return { status: 'down', detail: 'not started', checkedAt: new Date() };
    if (probed === undefined) {
      return { status: 'up', detail: 'send-only with nothing sent yet: no remote folder to probe (set pull= to probe one)', checkedAt: new Date() };
    }
    return probeHealth(this.pool, probed, this.name);
  }

  private targetAddress(target: SendTarget): SshAddress {
    if (target.address === undefined) {
      throw sshError(this.name, 'address', 'the peer has no ssh address (peer add ... --address ssh=user@host[:port]:/path)');
    }
    const parsed = parseSshAddress(target.address);
    if (!parsed.ok) throw sshError(this.name, 'address', `the peer's ssh address ${parsed.problem} (expected user@host[:port]:/path)`);
    const other = folderFingerprintMismatch(parsed.address.path, target.fingerprint);
    if (other !== undefined) {
      throw sshError(this.name, 'address', `the peer's ssh address points at the inbox of ${other}, not of the recipient ${target.fingerprint}`);
    }
    return parsed.address;
  }

  private requirePool(): ConnectionPool {
    if (this.pool === undefined) throw this.notStarted();
    return this.pool;
  }

  private notStarted(): SshTransportError {
    return sshError(this.name, 'not-started', 'not started: call start() first');
  }

  private inbound(pull: SshAddress, inbox: RemoteInbox, file: RemoteEnvelopeFile): InboundEnvelope {
    return {
      bytes: file.bytes,
      transport: this.name,
      receivedAt: new Date(),
      source: `${endpointOf(pull)}:${file.path}`,
      commit: async () => {
        try {
          await this.requirePool().use(pull, (connection: SshConnection) => inbox.commit(connection, file));
        } catch (error) {
          throw fromSftpError(error, this.name, 'cannot delete the committed envelope file', `${endpointOf(pull)}:${file.path}`);
        }
      },
    };
  }
}
