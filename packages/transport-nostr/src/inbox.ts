/**
 * What this transport has received: envelopes waiting for commit(), the ids of gift
 * wraps already committed or rejected (relays resend, and every relay sends the same
 * wrap), and the cursor the subscription's `since` is computed from.
 *
 * `since` = cursor - 2 days - clock-skew allowance (- jitter): gift wraps carry a created_at up to
 * two days in the past, so a wrap published right after the cursor may be dated that far
 * back. The cursor only moves to "now" when nothing is waiting for commit and every relay
 * is connected, so an envelope never committed is sent again by the relays after a crash.
 */
import { randomInt } from 'node:crypto';
import type { InboundEnvelope } from '@skcomm/core';
import { StateFile, type SavedState } from './state-file.js';

export const GIFT_WRAP_BACKDATING_SECONDS = 2 * 24 * 60 * 60;
/** Tolerated difference between our clock and a relay's or a sender's. */
export const CLOCK_SKEW_SECONDS = 10 * 60;
/**
 * Each subscription asks from a random point in the last this-many seconds of the
 * window, so no two subscriptions send the same filter: relays cache query results per
 * filter (@nostr-relay/core for 1 s), and a restart that re-sent the previous filter
 * would be answered from before the newest events.
 */
const FILTER_JITTER_SECONDS = 15 * 60;
/** Rejected wrap ids remembered so a second relay's copy is not processed again. */
const MAX_REJECTED_IDS = 10_000;

export interface PendingEnvelope {
  eventId: string;
  /** The gift wrap's created_at: when its id may be forgotten. */
  wrapCreatedAt: number;
  envelope: InboundEnvelope;
}

export class Inbox {
  private readonly pending = new Map<string, PendingEnvelope>();
  /** Committed wrap id -> wrap created_at. */
  private readonly committed = new Map<string, number>();
  private readonly rejected = new Set<string>();
  /** Ids being unwrapped right now (two relays delivering the same wrap at once). */
  private readonly inFlight = new Set<string>();
  private cursor: number;

  private constructor(
    private readonly stateFile: StateFile | undefined,
    saved: SavedState | undefined,
    now: number,
  ) {
    this.cursor = saved?.cursor ?? now;
    for (const [id, createdAt] of Object.entries(saved?.committed ?? {})) this.committed.set(id, createdAt);
  }

  static async open(stateFile: StateFile | undefined, now = nowSeconds()): Promise<Inbox> {
    return new Inbox(stateFile, await stateFile?.load(), now);
  }

  /** The lower bound for accepting a wrap's created_at. */
  since(): number {
    return this.cursor - GIFT_WRAP_BACKDATING_SECONDS - CLOCK_SKEW_SECONDS - FILTER_JITTER_SECONDS;
  }

  /** The `since` of a new subscription: never later than cursor - 2 days - clock skew. */
  subscriptionSince(): number {
    return this.since() + randomInt(FILTER_JITTER_SECONDS + 1);
  }

  /** True when this wrap was already taken in (pending, committed, rejected or being unwrapped). */
  private knows(eventId: string): boolean {
    return this.pending.has(eventId) || this.committed.has(eventId) || this.rejected.has(eventId) || this.inFlight.has(eventId);
  }

  /** Claims a wrap id for unwrapping; false if it is already known. */
  claim(eventId: string): boolean {
    if (this.knows(eventId)) return false;
    this.inFlight.add(eventId);
    return true;
  }

  accept(entry: PendingEnvelope): void {
    this.inFlight.delete(entry.eventId);
    this.pending.set(entry.eventId, entry);
  }

  /** Forgets a claim without remembering the id: the event was not authentic. */
  release(eventId: string): void {
    this.inFlight.delete(eventId);
  }

  /** Remembers an authentic but unacceptable wrap, so other relays' copies are skipped. */
  reject(eventId: string): void {
    this.inFlight.delete(eventId);
    if (this.rejected.size >= MAX_REJECTED_IDS) this.rejected.delete(this.rejected.values().next().value as string);
    this.rejected.add(eventId);
  }

  waiting(limit = Number.POSITIVE_INFINITY): InboundEnvelope[] {
    const envelopes: InboundEnvelope[] = [];
    for (const entry of this.pending.values()) {
      if (envelopes.length >= limit) break;
      envelopes.push(entry.envelope);
    }
    return envelopes;
  }

  /** Marks a wrap committed; idempotent. The state is saved shortly after (see StateFile). */
  commit(eventId: string, allRelaysConnected: boolean): void {
    const entry = this.pending.get(eventId);
    if (entry === undefined) return;
    this.pending.delete(eventId);
    this.committed.set(eventId, entry.wrapCreatedAt);
    this.advance(allRelaysConnected);
  }

  /**
   * Moves the cursor to now if nothing waits for commit and no relay is disconnected,
   * forgets committed ids that fell out of the window, and saves.
   */
  advance(allRelaysConnected: boolean, now = nowSeconds()): void {
    if (this.pending.size === 0 && this.inFlight.size === 0 && allRelaysConnected) this.cursor = Math.max(this.cursor, now);
    const forgetBefore = this.since() - CLOCK_SKEW_SECONDS;
    for (const [id, createdAt] of this.committed) if (createdAt < forgetBefore) this.committed.delete(id);
    this.stateFile?.schedule(() => ({ cursor: this.cursor, committed: Object.fromEntries(this.committed) }));
  }

  flush(): Promise<void> {
    return this.stateFile?.flush() ?? Promise.resolve();
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
