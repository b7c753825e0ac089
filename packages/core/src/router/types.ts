/**
 * The router's vocabulary: what a caller asks for (RouteRequest), what it gets back
 * (DeliveryReport) and what it can watch (RouterEvent). Field names of the report are
 * snake_case because the report is persisted and printed as JSON (`skcomm send --json`).
 */
import type { Logger, Transport } from '../transport/contract.js';
import type { TransportCooldown } from './cooldown.js';

/**
 * failover: one transport at a time in order, first hand-off wins.
 * broadcast: every eligible transport at once; the receiver deduplicates by envelope_id.
 * stealth: failover over transports with traits.stealth 'high' only.
 * speed: failover over transports with traits.delivery 'realtime' only.
 */
export const ROUTE_MODES = ['failover', 'broadcast', 'stealth', 'speed'] as const;
export type RouteMode = (typeof ROUTE_MODES)[number];

export interface RouteRequest {
  envelopeId: string;
  recipientFingerprint: string;
  /** The recipient's address per transport name (a URL, host:port, a folder...). */
  addresses?: Record<string, string>;
  /** The envelope's routing.priority_transports: tried first, in this order. */
  priorityTransports?: string[];
  /** The envelope's routing.fallback_transports: tried next. */
  fallbackTransports?: string[];
  mode?: RouteMode;
  /** Aborting stops further attempts and makes route() reject with the signal's reason. */
  signal?: AbortSignal;
}

export interface AttemptError {
  code: string;
  message: string;
  /** Whether trying this transport again later may succeed. Outbox retries rely on it. */
  retryable: boolean;
}

export interface DeliveryAttempt {
  transport: string;
  /** 'handed-off': the transport accepted the bytes. Never 'delivered': that needs an ack. */
  outcome: 'handed-off' | 'failed' | 'skipped';
  error?: AttemptError;
  /** ISO-8601 UTC. */
  started_at: string;
  duration_ms: number;
  /** Where the bytes went (handed-off), or why the transport was skipped. One line. */
  detail?: string;
}

export interface DeliveryReport {
  envelope_id: string;
  /** 'handed-off' when at least one transport accepted the envelope; otherwise 'failed'. */
  state: 'handed-off' | 'failed';
  /** The transport that took the envelope (in broadcast: the first in route order that did). */
  transport?: string;
  /** Every transport considered, in route order, including skipped ones. */
  attempts: DeliveryAttempt[];
}

/** One step of routing, for the CLI, logs and metrics. `at` is ISO-8601 UTC. */
export type RouterEvent =
  | { type: 'queued'; envelope_id: string; mode: RouteMode; route: string[]; at: string }
  | { type: 'attempt'; envelope_id: string; attempt: DeliveryAttempt; at: string }
  | { type: 'handed-off'; envelope_id: string; report: DeliveryReport; at: string }
  | { type: 'failed'; envelope_id: string; report: DeliveryReport; at: string };

export type RouterEventListener = (event: RouterEvent) => void;

export interface RouterOptions {
  /** The configured transports. Names must be unique. */
  transports: readonly Transport[];
  logger?: Logger;
  /** Clock, for tests. Default `() => new Date()`. */
  now?: () => Date;
  /** Shared per-transport cooldown: cooling transports are skipped, every attempt is recorded. */
  cooldown?: TransportCooldown;
  /** Receives every event; same as calling `router.onEvent(listener)` right away. */
  onEvent?: RouterEventListener;
}

export interface Router {
  /**
   * Routes one serialized envelope. Never throws because transports failed: the
   * report says 'failed' and holds every attempt, and the caller decides what next.
   * Rejects only on a malformed request or an aborted signal.
   */
  route(envelopeBytes: Uint8Array, request: RouteRequest): Promise<DeliveryReport>;
  /** Subscribes to events; returns the unsubscribe function. */
  onEvent(listener: RouterEventListener): () => void;
  readonly transports: readonly Transport[];
}
