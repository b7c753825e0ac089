/**
 * One authenticated client connection: what was pushed to it and not yet acknowledged,
 * bounded by a window (count and bytes) so a slow client cannot make the relay buffer
 * without limit.
 */
import type { WebSocket } from 'ws';
import { encodeDeliver } from '@skcomm/relay-protocol';
import type { MailboxEntry } from './mailbox.js';

export interface SessionWindow {
  messages: number;
  bytes: number;
}

export class Session {
  readonly inflight = new Map<number, MailboxEntry>();
  private inflightBytes = 0;

  constructor(
    readonly fingerprint: string,
    readonly socket: WebSocket,
    private readonly window: SessionWindow,
  ) {}

  /** How many more envelopes, and bytes, may be pushed now. */
  room(): { messages: number; bytes: number } {
    return { messages: this.window.messages - this.inflight.size, bytes: this.window.bytes - this.inflightBytes };
  }

  deliver(entry: MailboxEntry): void {
    this.inflight.set(entry.id, entry);
    this.inflightBytes += entry.envelope.length;
    this.socket.send(encodeDeliver(entry.id, entry.envelope), { binary: true });
  }

  /** Forgets an acknowledged (or removed) envelope; true when it was in flight here. */
  settle(id: number): boolean {
    const entry = this.inflight.get(id);
    if (!entry) return false;
    this.inflight.delete(id);
    this.inflightBytes -= entry.envelope.length;
    return true;
  }
}
