/**
 * Received envelopes, held in memory until commit(). WebRTC is realtime: what is not
 * committed when the process dies is lost from this hop, and the sender's outbox (which
 * only lets go on the recipient's signed ack) sends it again.
 */
export interface QueuedEnvelope {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly source: string;
  readonly receivedAt: Date;
}

export class ReceiveQueue {
  private readonly entries = new Map<number, QueuedEnvelope>();
  private bytes = 0;
  private nextId = 1;

  get size(): number {
    return this.entries.size;
  }

  get byteSize(): number {
    return this.bytes;
  }

  add(bytes: Uint8Array, source: string): QueuedEnvelope {
    const entry: QueuedEnvelope = { id: this.nextId++, bytes, source, receivedAt: new Date() };
    this.entries.set(entry.id, entry);
    this.bytes += bytes.length;
    return entry;
  }

  /** Oldest first. They stay queued until committed. */
  list(): QueuedEnvelope[] {
    return [...this.entries.values()];
  }

  has(id: number): boolean {
    return this.entries.has(id);
  }

  /** Forgets an envelope; idempotent. */
  commit(id: number): void {
    const entry = this.entries.get(id);
    if (entry === undefined) return;
    this.entries.delete(id);
    this.bytes -= entry.bytes.length;
  }
}
