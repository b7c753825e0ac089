/**
 * Per-transport cooldown (DESIGN §4): a transport that failed `failuresBeforeCooldown`
 * times in a row (retryable failures only) is skipped for a while, then probed again by
 * the next attempt; each failed probe doubles the wait, up to `maxMs`. One success ends
 * it. Failures that overlap in time count once: when a channel goes away, the sends in
 * flight on it all fail together, and that is one failure of the channel, not N (counted
 * apart, 16 concurrent sends would have benched it for 2^13 times the base wait).
 * Timing uses a monotonic clock; the snapshot carries wall-clock times for status.
 */
import type { DeliveryAttempt } from './types.js';

export interface CooldownPolicy {
  failuresBeforeCooldown: number;
  baseMs: number;
  maxMs: number;
}

export interface TransportHealthRecord {
  consecutive_failures: number;
  /** ISO-8601 wall-clock time the cooldown ends, when cooling down. */
  cooling_down_until: string | null;
  last_error: { code: string; message: string; at: string } | null;
  last_success_at: string | null;
}

interface Tracked {
  failures: number;
  coolingUntilMono: number;
  /** When the last failure that counted was recorded (monotonic); -Infinity after a success. */
  lastCountedFailureMono: number;
  record: TransportHealthRecord;
}

export class TransportCooldown {
  private readonly tracked = new Map<string, Tracked>();
  private changed = false;

  constructor(
    private readonly policy: CooldownPolicy,
    private readonly monotonicNow: () => number = () => performance.now(),
    private readonly wallNow: () => Date = () => new Date(),
  ) {}

  /** Milliseconds left in the transport's cooldown; 0 when it may be tried. */
  remainingMs(name: string): number {
    const entry = this.tracked.get(name);
    return entry === undefined ? 0 : Math.max(0, entry.coolingUntilMono - this.monotonicNow());
  }

  consecutiveFailures(name: string): number {
    return this.tracked.get(name)?.failures ?? 0;
  }

  record(attempt: DeliveryAttempt): void {
    if (attempt.outcome === 'skipped') return;
    const entry = this.entry(attempt.transport);
    const at = this.wallNow();
    if (attempt.outcome === 'handed-off') {
      entry.failures = 0;
      entry.coolingUntilMono = 0;
      entry.lastCountedFailureMono = Number.NEGATIVE_INFINITY;
      entry.record = { ...entry.record, consecutive_failures: 0, cooling_down_until: null, last_success_at: at.toISOString() };
      this.changed = true;
      return;
    }
    // A non-retryable failure is about the envelope (too large, bad address), not the channel.
    if (attempt.error?.retryable === false) return;
    const nowMono = this.monotonicNow();
    const last_error = { code: attempt.error?.code ?? 'E_TRANSPORT', message: attempt.error?.message ?? 'failed', at: at.toISOString() };
    // Started before the last counted failure was recorded: it failed along with that one.
    if (nowMono - attempt.duration_ms < entry.lastCountedFailureMono) {
      entry.record = { ...entry.record, last_error };
      this.changed = true;
      return;
    }
    entry.failures++;
    entry.lastCountedFailureMono = nowMono;
    const over = entry.failures - this.policy.failuresBeforeCooldown;
    let until: string | null = null;
    if (over >= 0) {
      const waitMs = Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** Math.min(over, 30));
      entry.coolingUntilMono = nowMono + waitMs;
      until = new Date(at.getTime() + waitMs).toISOString();
    }
    entry.record = { ...entry.record, consecutive_failures: entry.failures, cooling_down_until: until, last_error };
    this.changed = true;
  }

  /** What status shows, per transport. */
  snapshot(): Record<string, TransportHealthRecord> {
    return Object.fromEntries([...this.tracked].map(([name, entry]) => [name, { ...entry.record }]));
  }

  /** True once after anything changed since the last call: lets the host persist only when needed. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  private entry(name: string): Tracked {
    let entry = this.tracked.get(name);
    if (entry === undefined) {
      entry = {
        failures: 0,
        coolingUntilMono: 0,
        lastCountedFailureMono: Number.NEGATIVE_INFINITY,
        record: { consecutive_failures: 0, cooling_down_until: null, last_error: null, last_success_at: null },
      };
      this.tracked.set(name, entry);
    }
    return entry;
  }
}
