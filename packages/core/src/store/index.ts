/**
 * @skcomm/core/store: the home directory and everything kept in it (DESIGN §6).
 * Every write is atomic, files are 0600, errors are typed (StorageError, ConfigError, KeyError).
 */
export { type FileLogger, type FileLoggerOptions, type LogLevel, createFileLogger } from './logger.js';
export { configSchema, DEFAULT_RETRY_SCHEDULE_SECONDS, MIN_MAX_ENVELOPE_BYTES, parseConfig, readConfig, type SkcommConfig, type SkcommConfigInput, writeConfig } from './config.js';
export { readRegularFile, syncDirectory, writeFileAtomic, type WriteFileAtomicOptions, writeFully } from './fs-atomic.js';
export { type InitHomeOptions, type InitializedHome, initHome } from './home.js';
export { type HomeLayout, homeLayout, resolveHome } from './layout.js';
export { type LoadedIdentity, type LoadedSigningIdentity, type LoadIdentityOptions, loadIdentity, readOwnPublicKey } from './identity.js';
export { Inbox, type InboxEntry } from './inbox.js';
export { resolvePassphrase, type ResolvePassphraseOptions } from './passphrase.js';
export {
  type AddPeerInput,
  DEFAULT_PEER_TRUST,
  PEER_NAME_PATTERN,
  type PeerRecord,
  peerRecordSchema,
  PeerStore,
  type PeerWithKey,
} from './peers.js';
export {
  type AttemptRecord,
  DELIVERY_STATES,
  type DeliveryState,
  type EnqueueInput,
  isTerminalState,
  Outbox,
  type OutboxEntry,
  type OutboxOptions,
  type OutboxTransportState,
} from './outbox.js';
export { acquireHomeLock, type HomeLock } from './home-lock.js';
export { Quarantine, type QuarantineReason, type QuarantineRecord } from './quarantine.js';
export { ReplayStore, type ReplayStoreOptions } from './replay.js';
export {
  type AddTransportInput,
  defaultTransportPackage,
  type TransportConfig,
  transportConfigSchema,
  TransportConfigStore,
} from './transports.js';
