import type { InboundAttachment } from '@skcomm/core';

/** The envelopes waiting for one fingerprint. An entry leaves only when it is committed. */
export interface MailboxEntry {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly from: string;
  readonly arrivedAt: Date;
  /** The complete ciphertext that travelled beside the envelope (`sendWithAttachment`). */
  readonly attachment?: InboundAttachment;
}

export class Mailbox {
  private entries: MailboxEntry[] = [];
  private nextId = 1;

  /** Adds an envelope at the end, or at `position` in the queue (for reordering). */
  add(bytes: Uint8Array, from: string, position = Infinity, attachment?: InboundAttachment): MailboxEntry {
    const entry: MailboxEntry = { id: this.nextId++, bytes, from, arrivedAt: new Date(), ...(attachment === undefined ? {} : { attachment }) };
    this.entries.splice(Math.min(position, this.entries.length), 0, entry);
    return entry;
  }

  pending(limit = Infinity): MailboxEntry[] {
    return this.entries.slice(0, limit);
  }

  has(id: number): boolean {
    return this.entries.some((entry) => entry.id === id);
  }

  /** Idempotent: removing an entry twice is fine. */
  remove(id: number): void {
    this.entries = this.entries.filter((entry) => entry.id !== id);
  }

  get size(): number {
    return this.entries.length;
  }
}
