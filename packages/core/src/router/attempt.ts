/** One attempt on one transport: availability check, then send, timed and classified. */
import { describeError, ErrorCode, SkcommError, TransportError } from '../errors.js';
import type { SendTarget, Transport } from '../transport/contract.js';
import type { AttemptError, DeliveryAttempt } from './types.js';

export interface AttemptContext {
  bytes: Uint8Array;
  target: SendTarget;
  now: () => Date;
  signal: AbortSignal | undefined;
}

/** A step ruled out before trying: recorded so the report shows every transport considered. */
export function skippedAttempt(name: string, reason: string, now: () => Date): DeliveryAttempt {
  return { transport: name, outcome: 'skipped', started_at: now().toISOString(), duration_ms: 0, detail: reason };
}

/**
 * Never rejects because the transport failed; rejects only with the abort reason when
 * `signal` is aborted, so the router can stop.
 */
export async function attemptSend(transport: Transport, context: AttemptContext): Promise<DeliveryAttempt> {
  const startedAt = context.now();
  const finish = (fields: Omit<DeliveryAttempt, 'transport' | 'started_at' | 'duration_ms'>): DeliveryAttempt => ({
    transport: transport.name,
    started_at: startedAt.toISOString(),
    duration_ms: Math.max(0, context.now().getTime() - startedAt.getTime()),
    ...fields,
  });

  let available: boolean;
  try {
    available = await transport.isAvailable();
  } catch (error) {
    return finish({ outcome: 'skipped', detail: `availability check failed: ${describeError(error)}` });
  }
  if (!available) return finish({ outcome: 'skipped', detail: 'not available' });

  try {
    const result = await transport.send(context.bytes, context.target, context.signal ? { signal: context.signal } : {});
    return finish(result.detail === undefined ? { outcome: 'handed-off' } : { outcome: 'handed-off', detail: result.detail });
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    return finish({ outcome: 'failed', error: toAttemptError(error) });
  }
}

export function toAttemptError(error: unknown): AttemptError {
  if (TransportError.isTransportError(error)) {
    return { code: error.code, message: describeError(error), retryable: error.retryable };
  }
  // Another typed error (bad config, bad input) will fail the same way next time.
  if (SkcommError.is(error)) return { code: error.code, message: describeError(error), retryable: false };
  // An untyped throw is usually a raw network error from a library (ECONNRESET and the
  // like): worth retrying, and the outbox bounds retries anyway.
  return { code: ErrorCode.Transport, message: describeError(error), retryable: true };
}
