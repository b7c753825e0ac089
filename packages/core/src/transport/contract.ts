/**
 * The transport contract (DESIGN §5), version `skcomm-transport/1`.
 *
 * A transport moves opaque envelope bytes between two places and reports its health.
 * It never sees plaintext, never touches keys and never decides routing.
 */

export const TRANSPORT_SPECIFICATION_VERSION = 'skcomm-transport/1' as const;
export type TransportSpecificationVersion = typeof TRANSPORT_SPECIFICATION_VERSION;

/** The manifest the router plans with. */
export interface TransportTraits {
  /** realtime: both ends online; store-and-forward: a mailbox in between; offline: sneakernet. */
  delivery: 'realtime' | 'store-and-forward' | 'offline';
  /** Typical time from send() to the envelope being receivable at the other end. */
  expectedLatencyMs: number;
  /** Largest serialized envelope this transport accepts. */
  maxEnvelopeBytes: number;
  /** How much metadata (who talks to whom, when, how much) the channel exposes to third parties. */
  stealth: 'low' | 'medium' | 'high';
  /** Plain words on what an observer of this channel learns. */
  metadataExposure: string;
  /** duplex: the same channel carries replies; simplex: one way only. */
  duplex: boolean;
  /** True when a successful send() means the next hop confirmed receipt. */
  hopAck: boolean;
  /** Largest attachment `sendWithAttachment()` carries; absent when the transport has no such capability. */
  maxAttachmentBytes?: number;
}

/** Where to send: the recipient's fingerprint and, where the transport needs one, its address. */
export interface SendTarget {
  fingerprint: string;
  /** Transport-specific address from the peer record (a URL, host:port, ...). */
  address?: string;
}

export interface SendOptions {
  signal?: AbortSignal;
}

/** A transport accepted the bytes: "handed off", never "delivered". */
export interface SendResult {
  transport: string;
  /** Where the bytes went, for the delivery report (a path, a URL, a relay id). */
  detail?: string;
}

/**
 * One envelope as it came off a transport. The receiver calls `commit()` once the
 * envelope is durably in its inbox (or in quarantine); only then may the transport
 * forget it (delete the file, ack the relay). A transport must redeliver what was
 * never committed, e.g. after a crash.
 */
export interface InboundEnvelope {
  bytes: Uint8Array;
  transport: string;
  receivedAt: Date;
  /** Where it came from, for logs and quarantine records (a file name, a remote address). */
  source?: string;
  /**
   * The ciphertext that travelled beside this envelope (`sendWithAttachment`), complete and on
   * disk. Absent on a redelivery of an envelope whose attachment the receiver committed before.
   */
  attachment?: InboundAttachment;
  commit(): Promise<void>;
}

/**
 * A large payload that travels beside one envelope (an optional capability of the contract,
 * see docs/decisions/attachments.md). The agent encrypts it before the transport sees it: the
 * transport moves opaque ciphertext chunks and never holds a key. Every chunk is `chunkBytes`
 * long except the last; there are `ceil(size / chunkBytes)` of them (at least one).
 */
export interface OutgoingAttachment {
  /** 32 lowercase hex characters; the same for every retry and resume of one transfer. */
  id: string;
  /** Ciphertext bytes in all. */
  size: number;
  chunkBytes: number;
  /** Ciphertext chunk `index` (0-based). The transport asks only for chunks the receiver lacks. */
  readChunk(index: number): Promise<Uint8Array>;
  /** Bytes the receiver holds durably so far, as the transport learns it. */
  onProgress?(confirmedBytes: number, size: number): void;
}

/** What the receiving transport hands over once every chunk is on its disk. */
export interface InboundAttachment {
  id: string;
  size: number;
  chunkBytes: number;
  /** A file holding the whole ciphertext; the transport owns it and deletes it on commit(). */
  path: string;
}

export interface ReceiveOptions {
  signal?: AbortSignal;
  /** Upper bound on envelopes returned by one call. */
  limit?: number;
}

export type HealthStatus = 'up' | 'degraded' | 'down';

export interface TransportHealth {
  status: HealthStatus;
  /** Round-trip or probe time of the check, when the transport measured one. */
  latencyMs?: number;
  /** One line on why it is not up, or what is notable. */
  detail?: string;
  checkedAt: Date;
}

export interface Transport {
  readonly specificationVersion: TransportSpecificationVersion;
  /** The configured name, e.g. "file" or "relay-eu". Used in routing lists and reports. */
  readonly name: string;
  /** Lower is tried first. */
  readonly priority: number;
  readonly traits: TransportTraits;
  /** Opens connections or watchers. Idempotent. */
  start(): Promise<void>;
  /** Closes everything; nothing is delivered after it resolves. Idempotent. */
  stop(): Promise<void>;
  /** Cheap check: could send() work right now? */
  isAvailable(): Promise<boolean>;
  /** Hands the bytes to the channel, or throws a TransportError with `retryable` set. */
  send(bytes: Uint8Array, target: SendTarget, options?: SendOptions): Promise<SendResult>;
  /** Returns what is waiting (poll). Uncommitted envelopes may be returned again. */
  receive(options?: ReceiveOptions): Promise<InboundEnvelope[]>;
  /**
   * Optional: sends an envelope with a large attachment. Resolves once the receiver holds the
   * whole attachment durably and has queued the envelope (a hop ack). A failure throws a
   * TransportError; calling again with the same attachment id resumes where the receiver stopped.
   * Calling again after the receiver committed the envelope delivers the envelope again, so
   * that its recipient can acknowledge it once more (an end-to-end ack was lost): without
   * `attachment` when the transport remembers the commit (then no chunk is read), or with
   * the attachment sent again when it does not.
   */
  sendWithAttachment?(bytes: Uint8Array, attachment: OutgoingAttachment, target: SendTarget, options?: SendOptions): Promise<SendResult>;
  /** Push transports: called for each arriving envelope. Returns an unsubscribe function. */
  subscribe?(onEnvelope: (envelope: InboundEnvelope) => void | Promise<void>): () => void;
  healthCheck(): Promise<TransportHealth>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** What the host (CLI, daemon, tests) gives a transport when it creates one. */
export interface TransportContext {
  /** The local agent's fingerprint: where this transport receives. */
  selfFingerprint: string;
  /** A private directory the transport may use for its own state. */
  stateDir?: string;
  logger: Logger;
  /**
   * Signs a fresh CapAuth bearer token (DESIGN §3) for relays and signaling brokers, and
   * returns it with the agent's armored public key. Present when the host holds the
   * private key: the transport proves who it receives for without ever touching keys.
   */
  authToken?(): Promise<AuthToken>;
}

/** A signed `<FINGERPRINT>.<UNIX_TS>.<BASE64URL_SIG>` token and the public key that verifies it. */
export interface AuthToken {
  token: string;
  armoredPublicKey: string;
}

/** Options every transport accepts, besides its own. */
export interface TransportCommonOptions {
  name?: string;
  priority?: number;
}

/**
 * What a transport package exports (as `default` or `plugin`), so hosts can load it by
 * package name from config: `@skcomm/transport-x`, `skcomm-transport-x`, or any name.
 */
export interface TransportPlugin<TOptions = unknown> {
  readonly specificationVersion: TransportSpecificationVersion;
  /** Short id, e.g. "file". Also the default transport name. */
  readonly id: string;
  /** Validates raw config (from YAML or `--set KEY=VALUE`); throws ConfigError naming the key. */
  parseOptions(raw: Record<string, unknown>): TOptions;
  create(options: TOptions & TransportCommonOptions, context: TransportContext): Transport;
}
