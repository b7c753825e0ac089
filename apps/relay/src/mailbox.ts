/**
 * Store-and-forward mailboxes, one per recipient fingerprint: bounded (messages and bytes
 * per recipient, bytes overall), expired after a TTL, durable through the MailboxLog and
 * rebuilt from it on start. Each mailbox keeps its envelopes in arrival order and tracks
 * which are not handed to any connection yet ("undelivered"); the relay takes from there.
 */
import { ErrorCode, type Logger, SkcommError } from '@skcomm/core';
import { MailboxLog, type ReplayReport } from './mailbox-log.js';

export interface MailboxLimits {
  maxMessagesPerRecipient: number;
  maxBytesPerRecipient: number;
  maxTotalBytes: number;
  ttlSeconds: number;
  /** A segment file is closed and a new one started beyond this size. */
  segmentBytes: number;
}

export interface MailboxEntry {
  readonly id: number;
  readonly recipient: string;
  readonly envelope: Uint8Array;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly segment: number;
}

/** The recipient's mailbox (or the relay's storage) is full: retry once the recipient drains it. */
export class MailboxFullError extends SkcommError {
  constructor(message: string) {
    super(ErrorCode.StorageFull, message);
  }
}

interface RecipientBox {
  entries: Map<number, MailboxEntry>;
  undelivered: Map<number, MailboxEntry>;
  bytes: number;
  /** Accepted by put() but not on disk yet: counted against the bounds already. */
  reservedMessages: number;
  reservedBytes: number;
}

export interface MailboxStats {
  recipients: number;
  messages: number;
  bytes: number;
  segments: number;
}

export class Mailbox {
  private readonly boxes = new Map<string, RecipientBox>();
  private totalBytes = 0;
  private totalMessages = 0;
  private reservedTotalBytes = 0;

  private constructor(
    private readonly log: MailboxLog,
    private readonly limits: MailboxLimits,
    private readonly logger: Logger,
    private nextId: number,
    private readonly now: () => number,
  ) {}

  static async open(
    directory: string,
    limits: MailboxLimits,
    options: { logger: Logger; now?: () => number },
  ): Promise<{ mailbox: Mailbox; replay: ReplayReport }> {
    const now = options.now ?? Date.now;
    const { log, replay } = await MailboxLog.open(directory, { segmentBytes: limits.segmentBytes, logger: options.logger });
    const live = new Map<number, MailboxEntry>();
    let highestId = 0;
    for (const { record, segment } of replay.records) {
      highestId = Math.max(highestId, record.id);
      if (record.kind === 'put') live.set(record.id, { ...record, segment });
      else {
        const removed = live.get(record.id);
        if (removed) {
          live.delete(record.id);
          log.release(removed.segment);
        }
      }
    }
    // Ids keep growing across restarts, also when every segment was deleted meanwhile: a
    // client's memory of acknowledged ids must never match a new envelope.
    const mailbox = new Mailbox(log, limits, options.logger, Math.max(highestId + 1, now() * 1000), now);
    for (const entry of live.values()) mailbox.restore(entry);
    await mailbox.expire();
    return { mailbox, replay };
  }

  /** Stores an envelope durably; resolves once it is on disk. Throws MailboxFullError over a bound. */
  async put(recipient: string, envelope: Uint8Array): Promise<MailboxEntry> {
    const box = this.box(recipient);
    const size = envelope.length;
    if (box.entries.size + box.reservedMessages >= this.limits.maxMessagesPerRecipient) {
      throw new MailboxFullError(`the mailbox of ${recipient} holds ${this.limits.maxMessagesPerRecipient} envelopes, its limit`);
    }
    if (box.bytes + box.reservedBytes + size > this.limits.maxBytesPerRecipient) {
      throw new MailboxFullError(`the mailbox of ${recipient} would exceed its ${this.limits.maxBytesPerRecipient} bytes`);
    }
    if (this.totalBytes + this.reservedTotalBytes + size > this.limits.maxTotalBytes) {
      throw new MailboxFullError(`the relay's mailboxes would exceed ${this.limits.maxTotalBytes} bytes`);
    }
    const createdAtMs = this.now();
    const record = { kind: 'put' as const, id: this.nextId++, createdAtMs, expiresAtMs: createdAtMs + this.limits.ttlSeconds * 1000, recipient, envelope };
    box.reservedMessages++;
    box.reservedBytes += size;
    this.reservedTotalBytes += size;
    let segment: number;
    try {
      segment = await this.log.append(record);
    } finally {
      box.reservedMessages--;
      box.reservedBytes -= size;
      this.reservedTotalBytes -= size;
    }
    this.log.retain(segment);
    const entry: MailboxEntry = { ...record, segment };
    this.add(box, entry);
    return entry;
  }

  /** Removes an envelope of `recipient` (acknowledged or expired). Unknown ids are ignored. */
  remove(recipient: string, id: number): MailboxEntry | undefined {
    const box = this.boxes.get(recipient);
    const entry = box?.entries.get(id);
    if (!box || !entry) return undefined;
    box.entries.delete(id);
    box.undelivered.delete(id);
    box.bytes -= entry.envelope.length;
    this.totalBytes -= entry.envelope.length;
    this.totalMessages--;
    if (box.entries.size === 0 && box.reservedMessages === 0) this.boxes.delete(recipient);
    // Not awaited: a REMOVE lost in a crash only means the envelope is delivered again,
    // and the receiver deduplicates.
    this.log.append({ kind: 'remove', id }).then(
      () => this.log.release(entry.segment),
      (error: unknown) => this.logger.warn('could not record a mailbox removal', { error: String(error) }),
    );
    return entry;
  }

  /** Takes up to `count` envelopes of `recipient` not yet handed to a connection, oldest first. */
  takeUndelivered(recipient: string, count: number, maxBytes = Number.POSITIVE_INFINITY): MailboxEntry[] {
    const box = this.boxes.get(recipient);
    const taken: MailboxEntry[] = [];
    if (!box) return taken;
    let bytes = 0;
    for (const entry of box.undelivered.values()) {
      if (taken.length >= count || (taken.length > 0 && bytes + entry.envelope.length > maxBytes)) break;
      taken.push(entry);
      bytes += entry.envelope.length;
    }
    for (const entry of taken) box.undelivered.delete(entry.id);
    return taken;
  }

  /** Gives back envelopes a connection held but did not acknowledge (it closed). */
  returnUndelivered(entries: Iterable<MailboxEntry>): void {
    for (const entry of entries) {
      const box = this.boxes.get(entry.recipient);
      if (box?.entries.has(entry.id)) box.undelivered.set(entry.id, entry);
    }
  }

  undeliveredCount(recipient: string): number {
    return this.boxes.get(recipient)?.undelivered.size ?? 0;
  }

  /** Removes every envelope past its TTL; returns how many. */
  async expire(): Promise<number> {
    const now = this.now();
    let expired = 0;
    for (const [recipient, box] of [...this.boxes]) {
      for (const entry of [...box.entries.values()]) {
        if (entry.expiresAtMs <= now && this.remove(recipient, entry.id)) expired++;
      }
    }
    if (expired > 0) this.logger.info('expired mailbox envelopes', { count: expired });
    return expired;
  }

  stats(): MailboxStats {
    return { recipients: this.boxes.size, messages: this.totalMessages, bytes: this.totalBytes, segments: this.log.segmentCount };
  }

  close(): Promise<void> {
    return this.log.close();
  }

  private restore(entry: MailboxEntry): void {
    this.add(this.box(entry.recipient), entry);
  }

  private add(box: RecipientBox, entry: MailboxEntry): void {
    box.entries.set(entry.id, entry);
    box.undelivered.set(entry.id, entry);
    box.bytes += entry.envelope.length;
    this.totalBytes += entry.envelope.length;
    this.totalMessages++;
  }

  private box(recipient: string): RecipientBox {
    let box = this.boxes.get(recipient);
    if (!box) {
      box = { entries: new Map(), undelivered: new Map(), bytes: 0, reservedMessages: 0, reservedBytes: 0 };
      this.boxes.set(recipient, box);
    }
    return box;
  }
}
