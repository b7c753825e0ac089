import { lstat, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  ErrorCode,
  FINGERPRINT_PATTERN,
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
import { writeAtomically } from './atomic-write.js';
import { FILE_TRANSPORT_ID, type FileTransportOptions } from './config.js';
import { ensureRealDirectory, refuseUnlessRealDirectory } from './directories.js';
import { DirectorySyncs } from './directory-sync.js';
import { readEnvelopeId } from './envelope-id.js';
import { errnoOf, FileTransportError, fromFileSystem } from './errors.js';
import { folderProblem, probeHealth } from './health-probe.js';
import { InboxScanner, type InboxFile } from './inbox-scanner.js';
import { InboxWatcher } from './inbox-watcher.js';
import { envelopeFileName, inboxDirectory, TEMP_DIRECTORY } from './layout.js';

export const DEFAULT_PRIORITY = 100;

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

/**
 * A shared folder as a mailbox: `<root>/<recipient fingerprint>/<envelope_id>.skc.json`.
 * Works wherever the folder is shared (NFS, SSHFS, SMB, Nextcloud, Syncthing, a USB stick).
 */
export class FileTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  readonly root: string;
  /** `<root>/<own fingerprint>`: where this transport receives. */
  readonly inbox: string;
  private readonly logger: Logger;
  private readonly scanner: InboxScanner;
  private readonly watcher: InboxWatcher;
  private readonly subscribers = new Set<Subscriber>();
  /** Inbox names currently being handled by subscribers, so a slow one is not pushed twice at once. */
  private readonly pushing = new Set<string>();
  private readonly directorySyncs = new DirectorySyncs();
  private started = false;
  private scanning = false;
  private scanAgain = false;

  constructor(options: FileTransportOptions & TransportCommonOptions, context: TransportContext) {
    if (!FINGERPRINT_PATTERN.test(context.selfFingerprint)) {
      throw new ConfigError(ErrorCode.ConfigInvalid, 'the file transport needs a full uppercase fingerprint to receive as', {
        field: 'selfFingerprint',
      });
    }
    this.name = options.name ?? FILE_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.root = options.root;
    this.inbox = inboxDirectory(this.root, context.selfFingerprint);
    this.logger = context.logger;
    this.traits = Object.freeze({
      delivery: 'store-and-forward',
      expectedLatencyMs: options.expectedLatencyMs,
      maxEnvelopeBytes: options.maxEnvelopeBytes,
      stealth: 'high',
      metadataExposure:
        'nothing leaves the machine except through whatever shares or syncs the folder; anyone who can read the folder sees recipient fingerprints, envelope ids, sizes and times (contents are encrypted)',
      duplex: true,
      // A file written is only handed off: nobody has confirmed reading it.
      hopAck: false,
    });
    this.scanner = new InboxScanner(
      this.inbox,
      { maxBytes: options.maxEnvelopeBytes, emptyFileGraceMs: options.emptyFileGraceMs },
      this.name,
      this.logger,
      () => this.checkInbox(),
    );
    this.watcher = new InboxWatcher({
      directory: this.inbox,
      pollIntervalMs: options.pollIntervalMs,
      useFsWatch: options.watch,
      onChange: () => void this.pushArrivals(),
      logger: this.logger,
    });
  }

  /** Creates the own inbox if the root is there. A missing root is not fatal: health says down until it returns. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.ensureUnderRoot(this.inbox);
    } catch (error) {
      this.logger.warn('file transport: inbox not ready; will retry on receive', { transport: this.name, error: describeError(error) });
    }
    if (this.subscribers.size > 0) this.watcher.start();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.watcher.stop();
  }

  /**
   * The router asks before every send, so this is the cheap half of healthCheck(): the
   * folders, without the probe write (a send that cannot write fails retryably anyway).
   */
  async isAvailable(): Promise<boolean> {
    return (await folderProblem(this.root, this.inbox)) === undefined;
  }

  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    if (!FINGERPRINT_PATTERN.test(target.fingerprint)) {
      throw new FileTransportError('the target is not a full uppercase fingerprint', { transport: this.name, retryable: false });
    }
    if (bytes.length > this.traits.maxEnvelopeBytes) {
      throw new FileTransportError(
        `envelope is ${bytes.length} bytes; this transport carries at most ${this.traits.maxEnvelopeBytes}`,
        { transport: this.name, retryable: false },
        ErrorCode.EnvelopeTooLarge,
      );
    }
    const reading = readEnvelopeId(bytes);
    if ('problem' in reading) {
      throw new FileTransportError(`cannot name the file: ${reading.problem}`, { transport: this.name, retryable: false }, ErrorCode.EnvelopeInvalid);
    }
    const directory = inboxDirectory(this.root, target.fingerprint);
    try {
      await this.ensureUnderRoot(directory);
      await ensureRealDirectory(join(directory, TEMP_DIRECTORY), this.name);
      options.signal?.throwIfAborted();
      const path = await writeAtomically(directory, join(directory, TEMP_DIRECTORY), envelopeFileName(reading.id), bytes, (path) =>
        this.directorySyncs.sync(path),
      );
      return { transport: this.name, detail: path };
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw fromFileSystem(error, this.name, 'cannot write the envelope', directory);
    }
  }

  /** The complete envelope files in the own inbox. Each stays until its commit() deletes it. */
  async receive(options: ReceiveOptions = {}): Promise<InboundEnvelope[]> {
    options.signal?.throwIfAborted();
    if (!this.started) {
      throw new FileTransportError('not started: call start() first', { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
    try {
      let files: InboxFile[];
      try {
        files = await this.scanner.scan(options.limit);
      } catch (error) {
        if (!['ENOENT', 'ENOTDIR'].includes(errnoOf(error) ?? '')) throw error;
        // The inbox is gone or is not a directory: made again (a planted file or link is refused), and empty.
        await this.ensureUnderRoot(this.inbox);
        files = await this.scanner.scan(options.limit);
      }
      return files.map((file) => this.inbound(file));
    } catch (error) {
      throw fromFileSystem(error, this.name, 'cannot read the inbox', this.inbox);
    }
  }

  /**
   * Pushes envelope files as they appear (fs.watch where it works, polling every
   * pollIntervalMs always). A file not committed is pushed again on a later look.
   */
  subscribe(onEnvelope: Subscriber): () => void {
    this.subscribers.add(onEnvelope);
    if (this.started) this.watcher.start();
    return () => {
      this.subscribers.delete(onEnvelope);
      if (this.subscribers.size === 0) this.watcher.stop();
    };
  }

  healthCheck(): Promise<TransportHealth> {
    return probeHealth(this.root, this.inbox, this.name);
  }

  private async checkRoot(): Promise<void> {
    if (!(await stat(this.root)).isDirectory()) {
      throw new FileTransportError(`root ${this.root} is not a directory`, { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
    }
  }

  /** The own inbox must still be a real directory (not a link planted since) before anything in it is read. */
  private async checkInbox(): Promise<void> {
    refuseUnlessRealDirectory(this.inbox, await lstat(this.inbox), this.name);
  }

  /**
   * Makes `<root>/<fingerprint>` a real directory. When it already is one (every send and
   * receive but the first), one lstat settles it; anything else takes the full path: the
   * root checked, the directory created, a planted link or file refused.
   */
  private async ensureUnderRoot(directory: string): Promise<void> {
    const stats = await lstat(directory).catch(() => undefined);
    if (stats !== undefined) return refuseUnlessRealDirectory(directory, stats, this.name);
    await this.checkRoot();
    await ensureRealDirectory(directory, this.name);
  }

  private async pushArrivals(): Promise<void> {
    if (this.scanning) {
      this.scanAgain = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.scanAgain = false;
        if (!this.started || this.subscribers.size === 0) return;
        let files: InboxFile[];
        try {
          files = await this.scanner.scan();
        } catch (error) {
          this.logger.debug('file transport: inbox scan failed; will look again', { transport: this.name, error: describeError(error) });
          return;
        }
        for (const file of files) if (!this.pushing.has(file.name)) this.push(file);
      } while (this.scanAgain);
    } finally {
      this.scanning = false;
    }
  }

  private push(file: InboxFile): void {
    if (!this.started) return;
    this.pushing.add(file.name);
    const envelope = this.inbound(file);
    const deliveries = [...this.subscribers].map((subscriber) => Promise.resolve().then(() => subscriber(envelope)));
    void Promise.allSettled(deliveries).then((results) => {
      this.pushing.delete(file.name);
      for (const result of results) {
        if (result.status === 'rejected') {
          this.logger.warn('file transport: subscriber failed; the file stays in the inbox', {
            transport: this.name,
            name: file.name,
            error: describeError(result.reason),
          });
        }
      }
    });
  }

  private inbound(file: InboxFile): InboundEnvelope {
    return {
      bytes: file.bytes,
      transport: this.name,
      receivedAt: new Date(),
      source: file.path,
      commit: () => this.commit(file),
    };
  }

  /** Deletes the file that was read, unless a newer copy has since replaced it under the same name. */
  private async commit(file: InboxFile): Promise<void> {
    try {
      const current = await lstat(file.path);
      if (current.dev !== file.identity.dev || current.ino !== file.identity.ino) return;
      await unlink(file.path);
      await this.directorySyncs.sync(this.inbox);
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw fromFileSystem(error, this.name, 'cannot delete the committed envelope file', file.path);
    }
  }
}
