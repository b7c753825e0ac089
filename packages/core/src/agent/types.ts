/**
 * The programmatic face of one agent home: what the CLI, the demo and library users
 * call. It composes the stores, the crypto, the transports named in config and the
 * router; it adds no policy of its own.
 */
import type { EnvelopeDraft, SecurityMode } from '../crypto/index.js';
import type { Envelope } from '../envelope/schema.js';
import type { VerifiedMessage } from '../message.js';
import type { TransportHealthRecord } from '../router/cooldown.js';
import type { DeliveryReport } from '../router/types.js';
import type { DeliveryState } from '../store/outbox.js';
import type { TransportHealth } from '../transport/contract.js';

export type { RouteMode } from '../router/types.js';
import type { RouteMode } from '../router/types.js';
export type { DeliveryState, OutboxEntry, OutboxTransportState } from '../store/outbox.js';
export type { TransportHealthRecord } from '../router/cooldown.js';

export interface AgentSendOptions {
  /** 'secured' (default): signed and encrypted. 'open': signed only, an explicit choice. */
  security?: SecurityMode;
  mode?: RouteMode;
  signal?: AbortSignal;
  /** After a hand-off, wait up to this long for the recipient's signed ack (state `delivered`). */
  waitMs?: number;
}

export type { DeliveryAttempt as AttemptReport } from '../router/types.js';

/**
 * What `send` returns: the router's per-attempt report of the first round, with the
 * message's honest state from the outbox: `handed-off` (a transport took it, no ack
 * yet), `delivered` (acked), `queued` (no transport took it now; it will be retried),
 * `dead` or `expired` (with `reason`).
 */
export interface SendReport extends Omit<DeliveryReport, 'state'> {
  state: DeliveryState;
  reason?: string;
  /** When the outbox tries again (ISO-8601), while the message is pending. */
  next_attempt_at?: string;
}

export interface Rejection {
  code: string;
  message: string;
  field?: string;
  transport: string;
  source?: string;
}

export interface ReceiveResult {
  messages: VerifiedMessage[];
  rejected: Rejection[];
  duplicates: number;
  /** Acks for envelopes this agent sent, verified and recorded. */
  acks: number;
}

export interface TransportStatus {
  name: string;
  package: string;
  /** The effective priority; absent when the transport did not load and its config leaves it to the package default. */
  priority?: number;
  health: TransportHealth | { status: 'down'; detail: string; checkedAt: Date };
  /** What routing saw: consecutive failures, cooldown, last error (persisted across processes). */
  routing?: TransportHealthRecord;
}

export type { Envelope, EnvelopeDraft };
