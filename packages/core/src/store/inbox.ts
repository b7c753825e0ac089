/**
 * The durable inbox: one atomically written JSON file per accepted message,
 * `<createdAt ms>-<envelope_id>.json` under queue/inbox/, with a persistent read flag.
 *
 * Files are created exclusively, so `append` is idempotent per (sender, envelope id): a
 * redelivery after a crash between the inbox write and the replay record does not
 * duplicate the message. Another sender reusing the same id and time gets its own file.
 */
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { ENVELOPE_ID_PATTERN, signedDocumentContext, signedDocumentSchema, TIMESTAMP_PATTERN } from '../envelope/schema.js';
import { ErrorCode, SkcommError, StorageError } from '../errors.js';
import { brandVerified, TRUST_LEVELS, type VerifiedMessage } from '../message.js';
import { errnoOf, readRegularFile, storageErrorOf, writeFileAtomic } from './fs-atomic.js';

const FORMAT = 'skcomm-inbox/1';
/** A stored message is the signed document (at most one envelope) plus a few fields. */
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;
const FILE_PATTERN = /^\d{13}-[0-9a-f-]{36}(?:-[0-9A-F]{40,64})?\.json$/;

const detailsSchema = v.object({
  mode: v.picklist(['secured', 'open']),
  trust: v.picklist(TRUST_LEVELS),
  transport: v.string(),
  receivedAt: v.pipe(v.string(), v.regex(TIMESTAMP_PATTERN)),
  documentSha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
});

const storedSchema = v.object({
  format: v.literal(FORMAT),
  read: v.boolean(),
  message: v.looseObject({
    envelopeId: v.string(),
    from: v.unknown(),
    to: v.unknown(),
    type: v.unknown(),
    contentType: v.unknown(),
    urgency: v.unknown(),
    threadId: v.unknown(),
    inReplyTo: v.unknown(),
    body: v.unknown(),
    createdAt: v.unknown(),
    ttlSeconds: v.unknown(),
  }),
});

export interface InboxEntry {
  message: VerifiedMessage;
  read: boolean;
  /** File name inside the inbox directory. */
  file: string;
}

export class Inbox {
  /**
   * Entries known to be read. A read flag never goes back to unread, so the consumer's
   * view (`unreadOnly`) reads only the files it has not seen consumed: its cursor.
   */
  private readonly knownRead = new Set<string>();
  /** Set once the directory was made; cleared by any failed append, so the next one makes sure again. */
  private directoryMade = false;

  constructor(readonly directory: string) {}

  /**
   * Durably stores an accepted message: true once the file is written and fsynced.
   * Appending the same (sender, id) again is a no-op that returns false: the exclusive
   * create is the one durable step that decides "delivered to the application".
   */
  async append(message: VerifiedMessage): Promise<boolean> {
    if (!ENVELOPE_ID_PATTERN.test(message.envelopeId)) throw new TypeError('envelope id must be a lowercase UUID v4');
    try {
      return await this.store(message);
    } catch (error) {
      if (!this.directoryMade || errnoOf((error as Error).cause) !== 'ENOENT') throw error;
      // The directory may have been removed since it was made: make it again, once.
      this.directoryMade = false;
      return this.store(message);
    }
  }

  private async store(message: VerifiedMessage): Promise<boolean> {
    if (!this.directoryMade) {
      try {
        await mkdir(this.directory, { recursive: true, mode: 0o700 });
      } catch (cause) {
        throw StorageError.fromFs(cause, `cannot create ${this.directory}`);
      }
      this.directoryMade = true;
    }
    const stem = `${String(message.createdAt.getTime()).padStart(13, '0')}-${message.envelopeId}`;
    const content = serialize(message, false);
    for (const file of [`${stem}.json`, `${stem}-${message.from.fingerprint}.json`]) {
      try {
        await writeFileAtomic(join(this.directory, file), content, { exclusive: true });
        return true;
      } catch (cause) {
        if (!SkcommError.hasCode(cause, ErrorCode.AlreadyExists)) throw cause;
      }
      const existing = await this.readEntry(file);
      if (existing?.message.from.fingerprint === message.from.fingerprint) return false;
    }
    throw new StorageError(ErrorCode.AlreadyExists, `inbox entry ${stem} is taken by another message`);
  }

  /** Stored messages in created-at order. */
  async list(options: { unreadOnly?: boolean } = {}): Promise<InboxEntry[]> {
    const entries: InboxEntry[] = [];
    for (const file of await this.files()) {
      if (options.unreadOnly === true && this.knownRead.has(file)) continue;
      const entry = await this.readEntry(file);
      if (entry?.read === true) this.knownRead.add(file);
      if (entry !== undefined && !(options.unreadOnly === true && entry.read)) entries.push(entry);
    }
    return entries;
  }

  /** Flags the messages with these envelope ids as read; returns how many changed. */
  async markRead(envelopeIds: Iterable<string>): Promise<number> {
    const wanted = new Set(envelopeIds);
    let changed = 0;
    for (const entry of await this.list({ unreadOnly: true })) {
      if (!wanted.has(entry.message.envelopeId)) continue;
      await writeFileAtomic(join(this.directory, entry.file), serialize(entry.message, true));
      this.knownRead.add(entry.file);
      changed++;
    }
    return changed;
  }

  private async files(): Promise<string[]> {
    try {
      return (await readdir(this.directory)).filter((name) => FILE_PATTERN.test(name)).sort();
    } catch (cause) {
      const error = storageErrorOf(cause, `cannot list ${this.directory}`);
      if (error.code === ErrorCode.NotFound) return [];
      throw error;
    }
  }

  /** One entry; undefined when the file is not a valid inbox entry (it is then left alone). */
  private async readEntry(file: string): Promise<InboxEntry | undefined> {
    let text: string;
    try {
      text = (await readRegularFile(join(this.directory, file), MAX_ENTRY_BYTES)).toString('utf8');
    } catch (cause) {
      if (SkcommError.hasCode(cause, ErrorCode.NotFound)) return undefined; // removed since the listing
      throw cause;
    }
    try {
      const stored = v.parse(storedSchema, JSON.parse(text));
      const { message } = stored;
      // The entry was verified when it was stored; re-check its shape and brand it again.
      const document = v.parse(signedDocumentSchema, {
        ctx: signedDocumentContext,
        envelope_id: message.envelopeId,
        created_at: message.createdAt,
        ttl_seconds: message.ttlSeconds,
        from: message.from,
        to: message.to,
        type: message.type,
        content_type: message.contentType,
        urgency: message.urgency,
        thread_id: message.threadId,
        in_reply_to: message.inReplyTo,
        body: message.body,
      });
      const details = v.parse(detailsSchema, message);
      return {
        message: brandVerified(document, { ...details, receivedAt: new Date(details.receivedAt) }),
        read: stored.read,
        file,
      };
    } catch {
      return undefined;
    }
  }
}

function serialize(message: VerifiedMessage, read: boolean): string {
  return `${JSON.stringify({ format: FORMAT, read, message })}\n`;
}
