/**
 * The programmatic face of one agent home: what the CLI, the demo and library users
 * call. It composes the stores, the crypto, the transports named in config and the
 * router; it adds no policy of its own.
 */
import type { EnvelopeDraft, SecurityMode } from '../crypto/index.js';
import type { Envelope } from '../envelope/schema.js';
import type { VerifiedMessage } from '../message.js';
import type { TransportHealth } from '../transport/contract.js';

export type { RouteMode } from '../router/types.js';
import type { RouteMode } from '../router/types.js';

export interface AgentSendOptions {
  /** 'secured' (default): signed and encrypted. 'open': signed only, an explicit choice. */
  security?: SecurityMode;
  mode?: RouteMode;
  signal?: AbortSignal;
}

/** What `send` returns: the router's honest per-attempt report. */
export type { DeliveryAttempt as AttemptReport, DeliveryReport as SendReport } from '../router/types.js';

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
}

export interface TransportStatus {
  name: string;
  package: string;
  priority: number;
  health: TransportHealth | { status: 'down'; detail: string; checkedAt: Date };
}

export type { Envelope, EnvelopeDraft };
