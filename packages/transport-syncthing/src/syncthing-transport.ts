import {
  ErrorCode,
  SkcommError,
  TRANSPORT_SPECIFICATION_VERSION,
  describeError,
  type InboundEnvelope,
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
import { FileTransport } from '@skcomm/transport-file';
import { ApiKeySource } from './api-key.js';
import { SYNCTHING_TRANSPORT_ID, type SyncthingTransportOptions } from './config.js';
import { SyncthingTransportError } from './errors.js';
import { describePeers, FolderObserver, judge } from './folder-state.js';
import { ScanRequests } from './scan-requests.js';
import { SyncthingApi } from './syncthing-api.js';

export const DEFAULT_PRIORITY = 100;

type Subscriber = (envelope: InboundEnvelope) => void | Promise<void>;

/**
 * The file transport's mailbox layout (`<root>/<recipient fingerprint>/<envelope_id>.skc.json`)
 * inside a Syncthing-shared folder, plus Syncthing's REST API: send() refuses while no
 * peer device is connected and asks for an immediate rescan after writing; health says
 * whether the peer is connected and the folder in sync. Reading, writing and every file
 * safety check are the file transport's.
 */
export class SyncthingTransport implements Transport {
  readonly specificationVersion = TRANSPORT_SPECIFICATION_VERSION;
  readonly name: string;
  readonly priority: number;
  readonly traits: TransportTraits;
  readonly root: string;
  private readonly files: FileTransport;
  private readonly observer: FolderObserver;
  private readonly scans: ScanRequests;
  private readonly device: string | undefined;
  private readonly requireConnectedPeer: boolean;

  constructor(options: SyncthingTransportOptions & TransportCommonOptions, context: TransportContext) {
    this.name = options.name ?? SYNCTHING_TRANSPORT_ID;
    this.priority = options.priority ?? DEFAULT_PRIORITY;
    this.root = options.root;
    this.device = options.device;
    this.requireConnectedPeer = options.requireConnectedPeer;
    this.files = new FileTransport(
      {
        name: this.name,
        priority: this.priority,
        root: options.root,
        pollIntervalMs: options.pollIntervalMs,
        maxEnvelopeBytes: options.maxEnvelopeBytes,
        watch: options.watch,
        expectedLatencyMs: options.expectedLatencyMs,
        emptyFileGraceMs: options.emptyFileGraceMs,
      },
      context,
    );
    const api = new SyncthingApi({
      transport: this.name,
      url: options.api,
      keys: new ApiKeySource(this.name, { key: options.apiKey, file: options.apiKeyFile }),
      timeoutMs: options.requestTimeoutMs,
    });
    this.observer = new FolderObserver(api, options.folder, options.device);
    this.scans = new ScanRequests(api, options.folder, this.name, context.logger);
    this.traits = Object.freeze({
      ...this.files.traits,
      delivery: 'store-and-forward',
      stealth: 'medium',
      metadataExposure:
        'every device sharing the folder sees recipient fingerprints (directory names), envelope ids, sizes and times; the network sees TLS connections between the Syncthing devices, and discovery or relay servers, if enabled in Syncthing, see device IDs and IP addresses (contents are encrypted)',
    });
  }

  start(): Promise<void> {
    return this.files.start();
  }

  async stop(): Promise<void> {
    await this.files.stop();
    await this.scans.settled();
  }

  async isAvailable(): Promise<boolean> {
    return (await this.healthCheck()).status === 'up';
  }

  /**
   * Writes the envelope file, then asks Syncthing to rescan the recipient's directory.
   * With requireConnectedPeer (the default) it first refuses, retryably, while no peer
   * device is connected: the file would only sit in the folder, and the router should
   * try another transport now rather than learn about it from a missing ack later.
   */
  async send(bytes: Uint8Array, target: SendTarget, options: SendOptions = {}): Promise<SendResult> {
    options.signal?.throwIfAborted();
    if (this.requireConnectedPeer) {
      const { peers, connectedPeers } = await this.observer.connectedPeers(options.signal);
      const problem = describePeers(peers, connectedPeers, this.device);
      if (problem !== undefined) {
        throw new SyncthingTransportError(`cannot hand the envelope to Syncthing: ${problem}`, { transport: this.name, retryable: true }, ErrorCode.TransportUnavailable);
      }
    }
    const result = await this.files.send(bytes, target, options);
    this.scans.request(target.fingerprint);
    return result;
  }

  receive(options?: ReceiveOptions): Promise<InboundEnvelope[]> {
    return this.files.receive(options);
  }

  subscribe(onEnvelope: Subscriber): () => void {
    return this.files.subscribe(onEnvelope);
  }

  /** The folder on disk first (the file transport's probe), then what Syncthing says; latencyMs is the REST round trip. */
  async healthCheck(): Promise<TransportHealth> {
    const local = await this.files.healthCheck();
    if (local.status === 'down') return local;
    const checkedAt = new Date();
    const started = performance.now();
    try {
      const state = await this.observer.read();
      const latencyMs = Math.round((performance.now() - started) * 100) / 100;
      return { ...judge(state, this.device, this.root), latencyMs, checkedAt };
    } catch (error) {
      if (!SkcommError.is(error)) throw error;
      return { status: 'down', detail: describeError(error), checkedAt };
    }
  }
}
