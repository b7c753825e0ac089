/**
 * Routes mailbox envelopes to the connections of their recipient: pushes while a
 * connection has window room, removes an envelope when its recipient acknowledges it,
 * and hands back what a closing connection held so another (or the next) gets it.
 */
import type { Mailbox } from './mailbox.js';
import type { RelayMetrics } from './metrics.js';
import type { Session } from './session.js';

export class Dispatcher {
  private readonly sessions = new Map<string, Set<Session>>();

  constructor(
    private readonly mailbox: Mailbox,
    private readonly metrics: RelayMetrics,
  ) {}

  connectionsOf(fingerprint: string): number {
    return this.sessions.get(fingerprint)?.size ?? 0;
  }

  register(session: Session): void {
    let set = this.sessions.get(session.fingerprint);
    if (!set) this.sessions.set(session.fingerprint, (set = new Set()));
    set.add(session);
    this.pump(session.fingerprint);
  }

  unregister(session: Session): void {
    const set = this.sessions.get(session.fingerprint);
    if (!set?.delete(session)) return;
    if (set.size === 0) this.sessions.delete(session.fingerprint);
    this.mailbox.returnUndelivered(session.inflight.values());
    session.inflight.clear();
    this.pump(session.fingerprint);
  }

  /** The recipient acknowledged these ids: only ever its own mailbox's. */
  acknowledge(session: Session, ids: readonly number[]): void {
    for (const id of ids) {
      for (const other of this.sessions.get(session.fingerprint) ?? []) other.settle(id);
      if (this.mailbox.remove(session.fingerprint, id)) this.metrics.envelopesAcknowledged++;
    }
    this.pump(session.fingerprint);
  }

  /** Pushes undelivered envelopes of `recipient` to its connections while they have room. */
  pump(recipient: string): void {
    const set = this.sessions.get(recipient);
    if (!set) return;
    for (const session of set) {
      const room = session.room();
      if (room.messages <= 0 || room.bytes <= 0) continue;
      for (const entry of this.mailbox.takeUndelivered(recipient, room.messages, room.bytes)) {
        session.deliver(entry);
        this.metrics.envelopesDelivered++;
      }
      if (this.mailbox.undeliveredCount(recipient) === 0) return;
    }
  }

  /** Drops every connection at once (relay shutdown); clients reconnect and get their mail again. */
  terminateAll(): void {
    for (const set of this.sessions.values()) for (const session of set) session.socket.terminate();
  }
}
