import type { InboundEnvelope } from './contract.js';

/**
 * Received envelopes, held in memory until commit(), for realtime transports (tcp, libp2p,
 * webrtc): what is not committed when the process dies is lost from this hop, and the
 * sender's outbox (which only lets go on the recipient's signed ack) sends it again.
 */
export interface QueuedEnvelope {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly receivedAt: Date;
}

export interface QueueLimits {
  maxEnvelopes: number;
  maxBytes: number;
}

const UNBOUNDED: QueueLimits = { maxEnvelopes: Number.POSITIVE_INFINITY, maxBytes: Number.POSITIVE_INFINITY };

export class ReceiveQueue {
  private readonly limits: QueueLimits;
  private readonly entries = new Map<number, QueuedEnvelope>();
  private bytes = 0;
  private nextId = 1;
  private readonly spaceWaiters = new Set<() => void>();

  /** Without `limits` the queue never reports itself full (the transport bounds it another way). */
  constructor(limits: QueueLimits = UNBOUNDED) {
    this.limits = limits;
  }

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** Whether an envelope of `length` bytes fits now. An empty queue takes any one envelope. */
  hasRoomFor(length: number): boolean {
    if (this.entries.size === 0) return true;
    return this.entries.size < this.limits.maxEnvelopes && this.bytes + length <= this.limits.maxBytes;
  }

  add(bytes: Uint8Array, source: string): QueuedEnvelope {
    const entry: QueuedEnvelope = { id: this.nextId++, bytes, source, receivedAt: new Date() };
    this.entries.set(entry.id, entry);
    this.bytes += bytes.length;
    return entry;
  }

  /** Oldest first, at most `limit`. They stay queued until committed. */
  list(limit = Number.POSITIVE_INFINITY): QueuedEnvelope[] {
    const result: QueuedEnvelope[] = [];
    for (const entry of this.entries.values()) {
      if (result.length >= limit) break;
      result.push(entry);
    }
    return result;
  }

  /** The entry as the receiver sees it: committing it forgets it here. */
  inbound(entry: QueuedEnvelope, transport: string): InboundEnvelope {
    return {
      bytes: entry.bytes,
      transport,
      receivedAt: entry.receivedAt,
      source: entry.source,
      commit: async () => this.commit(entry.id),
    };
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Forgets an envelope; idempotent. Wakes connections paused for room. */
  commit(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes.length;
    for (const waiter of [...this.spaceWaiters]) waiter();
  }

  /** Calls `onSpace` after every commit until the returned function is called. */
  onSpace(onSpace: () => void): () => void {
    this.spaceWaiters.add(onSpace);
    return () => this.spaceWaiters.delete(onSpace);
  }
}
