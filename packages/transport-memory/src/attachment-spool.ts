/**
 * The receiving side of `sendWithAttachment`: one ciphertext file per attachment, and a
 * record of which chunks it holds. Records belong to the network (like mailboxes), so a
 * transfer cut midway resumes from the chunks already there, whichever endpoint sends.
 */
import { mkdir, mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachmentChunkCount } from '@skcomm/core';

/** 32 lowercase hex characters: the contract's attachment id. It ends up in a file name. */
export const ATTACHMENT_ID_PATTERN = /^[0-9a-f]{32}$/;

export interface AttachmentShape {
  id: string;
  size: number;
  chunkBytes: number;
}

/** One attachment on its way to (or waiting at) one recipient. */
export interface SpooledAttachment {
  readonly key: string;
  readonly id: string;
  readonly size: number;
  readonly chunkBytes: number;
  readonly count: number;
  readonly path: string;
  /** One flag per chunk: held durably. */
  readonly held: Uint8Array;
  heldBytes: number;
  /** Set once the envelope is in the recipient's mailbox: the mailbox entry carrying it. */
  mailboxEntryId: number | undefined;
  /** One writer at a time per attachment: a second call waits, then resumes. */
  busy: Promise<void>;
}

export class AttachmentSpool {
  private readonly records = new Map<string, SpooledAttachment>();
  private readonly opening = new Map<string, Promise<SpooledAttachment>>();
  private directory: Promise<string> | undefined;

  /** `directory`: where ciphertext files go; default a fresh folder under the system temp dir. */
  constructor(private readonly configuredDirectory?: string) {}

  /** The record of this attachment for this recipient, created (with an empty file) on first use. */
  open(recipient: string, shape: AttachmentShape): Promise<SpooledAttachment> {
    const key = `${recipient}/${shape.id}`;
    // Chained per key, so concurrent calls for one attachment share one record.
    const opening = (this.opening.get(key) ?? Promise.resolve(undefined)).catch(() => undefined).then(() => this.openNow(key, shape));
    this.opening.set(key, opening);
    void opening.finally(() => {
      if (this.opening.get(key) === opening) this.opening.delete(key);
    }).catch(() => undefined);
    return opening;
  }

  private async openNow(key: string, shape: AttachmentShape): Promise<SpooledAttachment> {
    const existing = this.records.get(key);
    if (existing !== undefined && existing.size === shape.size && existing.chunkBytes === shape.chunkBytes) return existing;
    // Same id, other geometry: the earlier partial data cannot be part of this transfer.
    if (existing !== undefined) await this.forget(existing);
    const directory = await this.spoolDirectory();
    const count = attachmentChunkCount(shape.size, shape.chunkBytes);
    const record: SpooledAttachment = {
      key,
      id: shape.id,
      size: shape.size,
      chunkBytes: shape.chunkBytes,
      count,
      path: join(directory, `${key.replace('/', '-')}.attachment`),
      held: new Uint8Array(count),
      heldBytes: 0,
      mailboxEntryId: undefined,
      busy: Promise.resolve(),
    };
    const handle = await open(record.path, 'w', 0o600);
    await handle.close();
    this.records.set(key, record);
    return record;
  }

  /** Opens the ciphertext file for writing chunks in place. */
  openForWriting(record: SpooledAttachment): Promise<FileHandle> {
    return open(record.path, 'r+');
  }

  find(recipient: string, id: string): SpooledAttachment | undefined {
    return this.records.get(`${recipient}/${id}`);
  }

  /** Drops the record and deletes its file (commit, or a transfer that cannot continue). Idempotent. */
  async forget(record: SpooledAttachment): Promise<void> {
    if (this.records.get(record.key) === record) this.records.delete(record.key);
    await rm(record.path, { force: true });
  }

  /** Attachments with a record (partial or waiting in a mailbox), for tests and diagnostics. */
  get size(): number {
    return this.records.size;
  }

  private spoolDirectory(): Promise<string> {
    this.directory ??=
      this.configuredDirectory === undefined
        ? mkdtemp(join(tmpdir(), 'skcomm-memory-spool-'))
        : mkdir(this.configuredDirectory, { recursive: true, mode: 0o700 }).then(() => this.configuredDirectory as string);
    this.directory.catch(() => (this.directory = undefined));
    return this.directory;
  }
}
