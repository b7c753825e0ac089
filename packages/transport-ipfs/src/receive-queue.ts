/**
 * Received envelopes, held until commit(), keyed by CID: an envelope announced again while
 * it is still queued is the same block and is not queued twice. In memory; with a `repo`
 * the blocks themselves are pinned on disk and requeued at the next start.
 */
import type { CID } from 'multiformats/cid';

export interface QueuedEnvelope {
  readonly cid: CID;
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly receivedAt: Date;
}

export interface QueueLimits {
  maxEnvelopes: number;
  maxBytes: number;
}

export class ReceiveQueue {
  private readonly entries = new Map<string, QueuedEnvelope>();
  private bytes = 0;

  constructor(private readonly limits: QueueLimits) {}

  get size(): number {
    return this.entries.size;
  }

  has(cid: CID): boolean {
    return this.entries.has(cid.toString());
  }

  /** Whether an envelope of `length` bytes fits now. An empty queue takes any one envelope. */
  hasRoomFor(length: number): boolean {
    if (this.entries.size === 0) return true;
    return this.entries.size < this.limits.maxEnvelopes && this.bytes + length <= this.limits.maxBytes;
  }

  /** Queues the envelope; returns undefined when that CID is already queued. */
  add(cid: CID, bytes: Uint8Array, source: string, receivedAt = new Date()): QueuedEnvelope | undefined {
    const key = cid.toString();
    if (this.entries.has(key)) return undefined;
    const entry: QueuedEnvelope = { cid, bytes, source, receivedAt };
    this.entries.set(key, entry);
    this.bytes += bytes.length;
    return entry;
  }

  /** Oldest first, at most `limit`. They stay queued until removed. */
  list(limit = Number.POSITIVE_INFINITY): QueuedEnvelope[] {
    const result: QueuedEnvelope[] = [];
    for (const entry of this.entries.values()) {
      if (result.length >= limit) break;
      result.push(entry);
    }
    return result;
  }

  /** Forgets the envelope; false when it was not queued (already committed). */
  remove(cid: CID): boolean {
    const key = cid.toString();
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.bytes -= entry.bytes.length;
    return true;
  }
}
