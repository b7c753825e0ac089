import { DEFAULT_MAX_ENVELOPE_BYTES, type Logger } from '@skcomm/core';
import type { MailboxLimits } from './mailbox.js';

export interface RelayOptions {
  /** Default 127.0.0.1: the relay is reachable from elsewhere only when asked. */
  host?: string;
  /** Default 8765; 0 picks a free port. */
  port?: number;
  /** Where the mailbox log lives. */
  dataDir: string;
  /** Fingerprints allowed to connect (a closed relay); undefined = anyone with a valid token. */
  allow?: Set<string>;
  /** Skip the CapAuth signature check (SKCOMM_DEV_AUTH). Loopback only. */
  devAuth?: boolean;
  logger?: Logger;
  limits?: Partial<RelayLimits>;
}

export interface RelayLimits extends MailboxLimits {
  maxEnvelopeBytes: number;
  /** Envelopes one client (fingerprint, over all its connections) may send per second, sustained. */
  sendRatePerSecond: number;
  sendBurst: number;
  maxConnectionsPerClient: number;
  maxConnections: number;
  /** Envelopes pushed to one connection and not yet acknowledged. */
  windowMessages: number;
  windowBytes: number;
  maxConcurrentVerifications: number;
  heartbeatIntervalMs: number;
  expireIntervalMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  maxEnvelopeBytes: DEFAULT_MAX_ENVELOPE_BYTES,
  sendRatePerSecond: 5_000,
  sendBurst: 10_000,
  maxConnectionsPerClient: 16,
  maxConnections: 10_000,
  windowMessages: 256,
  windowBytes: 8 * 1024 * 1024,
  maxConcurrentVerifications: 64,
  heartbeatIntervalMs: 30_000,
  expireIntervalMs: 60_000,
  maxMessagesPerRecipient: 10_000,
  maxBytesPerRecipient: 64 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  ttlSeconds: 7 * 24 * 3600,
  segmentBytes: 64 * 1024 * 1024,
};
