/**
 * Delivery policy: what one routing round means for a message in the outbox. Pure, so
 * the rules (DESIGN §4) read in one place:
 * - handed off: the message waits for its ack and is sent again (hedged to the next
 *   transport) if none came by the next attempt time: the larger of the schedule's step
 *   and twice the winning transport's declared latency;
 * - no transport took it: one retry used, next attempt on the backoff schedule; dead
 *   when every attempted transport failed for good, or when max_retries is used up;
 * - expired once its ttl passed without an ack.
 */
import type { DeliveryReport } from '../router/types.js';
import { backoffDelayMs, jittered } from '../router/backoff.js';
import type { OutboxEntry } from '../store/outbox.js';

export type RoundDecision =
  | { kind: 'handed-off'; via: string; detail: string; retryCount: number; delayMs: number }
  | { kind: 'retry'; retryCount: number; delayMs: number }
  | { kind: 'dead'; retryCount: number; reason: string };

export interface RoundContext {
  scheduleMs: readonly number[];
  /** Declared latency of the transport that took the envelope. */
  latencyMsOf: (transport: string) => number;
  random?: () => number;
}

export function decideRound(entry: OutboxEntry, report: DeliveryReport, context: RoundContext): RoundDecision {
  const random = context.random ?? Math.random;
  if (report.state === 'handed-off' && report.transport !== undefined) {
    const winner = report.attempts.find((attempt) => attempt.transport === report.transport);
    const step = backoffDelayMs(context.scheduleMs, entry.rounds + 1, random);
    return {
      kind: 'handed-off',
      via: report.transport,
      detail: winner?.detail ?? '',
      retryCount: entry.retryCount,
      delayMs: Math.max(step, jittered(2 * context.latencyMsOf(report.transport), random)),
    };
  }
  const tried = report.attempts.filter((attempt) => attempt.outcome === 'failed');
  const reasons = describeFailures(report);
  if (tried.length > 0 && tried.length === report.attempts.length && tried.every((attempt) => attempt.error?.retryable === false)) {
    return { kind: 'dead', retryCount: entry.retryCount, reason: `every transport refused it for good: ${reasons}` };
  }
  const retryCount = entry.retryCount + 1;
  if (retryCount > entry.maxRetries) {
    return { kind: 'dead', retryCount, reason: `out of retries after ${entry.maxRetries} (last round: ${reasons})` };
  }
  return { kind: 'retry', retryCount, delayMs: backoffDelayMs(context.scheduleMs, retryCount, random) };
}

/** The wall-clock moment the message's ttl runs out. */
export function expiresAt(entry: Pick<OutboxEntry, 'createdAt' | 'ttlSeconds'>): number {
  return Date.parse(entry.createdAt) + entry.ttlSeconds * 1000;
}

export function describeFailures(report: DeliveryReport): string {
  if (report.attempts.length === 0) return 'no transport configured';
  return report.attempts.map((attempt) => `${attempt.transport}: ${attempt.error?.message ?? attempt.detail ?? attempt.outcome}`).join('; ');
}
