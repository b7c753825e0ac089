/**
 * The mailbox's durable half: append-only segment files of checksummed records
 * (record-codec.ts). Appends are group-committed: every record queued while a write is in
 * flight goes out in the next single write + fdatasync, and each append resolves only
 * once its record is on disk. A REMOVE always lands in the same or a newer segment than
 * the PUT it cancels, so segments are deleted oldest first, once they hold no live PUT:
 * a removed envelope can never come back on replay.
 */
import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, StorageError } from '@skcomm/core';
import { writeFully } from '@skcomm/core/store';
import { decodeRecord, encodeRecord, type MailboxRecord } from './record-codec.js';

const SEGMENT_PATTERN = /^segment-(\d{12})\.log$/;

export interface ReplayedRecord {
  record: MailboxRecord;
  segment: number;
}

export interface ReplayReport {
  records: ReplayedRecord[];
  /** Records skipped because their checksum or content was wrong. */
  corrupt: number;
  /** Segments whose tail could not be read (a torn write, or a damaged length). */
  tornSegments: number;
}

interface QueuedAppend {
  bytes: Buffer;
  resolve(segment: number): void;
  reject(error: Error): void;
}

export class MailboxLog {
  private handle: FileHandle | undefined;
  private size = 0;
  private queue: QueuedAppend[] = [];
  private flushing: Promise<void> | undefined;
  private readonly live = new Map<number, number>();
  private closed = false;

  private constructor(
    private readonly directory: string,
    private segment: number,
    private readonly segmentBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Reads every segment (oldest first) and opens a fresh one for appends. */
  static async open(directory: string, options: { segmentBytes: number; logger: Logger }): Promise<{ log: MailboxLog; replay: ReplayReport }> {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const segments = (await readdir(directory))
      .flatMap((name) => {
        const match = SEGMENT_PATTERN.exec(name);
        return match?.[1] === undefined ? [] : [Number(match[1])];
      })
      .sort((a, b) => a - b);
    const replay: ReplayReport = { records: [], corrupt: 0, tornSegments: 0 };
    for (const segment of segments) await readSegment(join(directory, segmentName(segment)), segment, replay, options.logger);
    const log = new MailboxLog(directory, (segments.at(-1) ?? 0) + 1, options.segmentBytes, options.logger);
    for (const segment of segments) log.live.set(segment, 0);
    for (const { record, segment } of replay.records) if (record.kind === 'put') log.retain(segment);
    await log.openSegment();
    return { log, replay };
  }

  /** Appends a record; resolves with its segment once it is on disk. */
  append(record: MailboxRecord): Promise<number> {
    if (this.closed) return Promise.reject(new StorageError('E_STORAGE', 'the mailbox log is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes: encodeRecord(record), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Counts a live PUT in `segment` (on append and replay). */
  retain(segment: number): void {
    this.live.set(segment, (this.live.get(segment) ?? 0) + 1);
  }

  /** A PUT in `segment` was removed or expired; deletes segments nothing needs any more. */
  release(segment: number): void {
    const count = this.live.get(segment);
    if (count === undefined) return;
    this.live.set(segment, count - 1);
    this.collect();
  }

  get segmentCount(): number {
    return this.live.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.handle?.close();
    this.handle = undefined;
  }

  /**
   * Writes queued records in batches, one datasync each, until the queue is empty. The
   * flag is cleared here, in the same tick as the last emptiness check: cleared later (a
   * `.finally()` runs after the callers' continuations), an append made by a caller the
   * moment its previous one resolved would find a flush "running" and wait forever.
   */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const bytes = batch.length === 1 ? (batch[0]?.bytes ?? Buffer.alloc(0)) : Buffer.concat(batch.map((entry) => entry.bytes));
          if (this.size > 0 && this.size + bytes.length > this.segmentBytes) await this.rotate();
          const handle = this.handle ?? (await this.openSegment());
          await writeFully(handle, bytes);
          await handle.datasync();
          this.size += bytes.length;
          for (const entry of batch) entry.resolve(this.segment);
        } catch (cause) {
          const error = StorageError.fromFs(cause, 'mailbox append');
          for (const entry of batch) entry.reject(error);
          // Part of the batch may be on disk: later records go to a fresh segment so they
          // never sit behind a half-written one.
          await this.rotate().catch((rotateError: unknown) => this.logger.error('mailbox segment rotation failed', { error: String(rotateError) }));
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  private async rotate(): Promise<void> {
    const previous = this.handle;
    this.handle = undefined;
    await previous?.close().catch(() => undefined);
    this.segment++;
    await this.openSegment();
    this.collect();
  }

  private async openSegment(): Promise<FileHandle> {
    const handle = await open(join(this.directory, segmentName(this.segment)), 'a', 0o600);
    this.handle = handle;
    this.size = (await handle.stat()).size;
    if (!this.live.has(this.segment)) this.live.set(this.segment, 0);
    await syncDirectory(this.directory);
    return handle;
  }

  private collect(): void {
    for (const [segment, count] of [...this.live].sort((a, b) => a[0] - b[0])) {
      if (segment >= this.segment || count > 0) return;
      this.live.delete(segment);
      unlink(join(this.directory, segmentName(segment))).catch((error: unknown) =>
        this.logger.warn('could not delete an empty mailbox segment', { segment, error: String(error) }),
      );
    }
  }
}

async function readSegment(path: string, segment: number, report: ReplayReport, logger: Logger): Promise<void> {
  const buffer = await readFile(path);
  let offset = 0;
  while (offset < buffer.length) {
    const result = decodeRecord(buffer, offset);
    if (result.status === 'record') {
      report.records.push({ record: result.record, segment });
      offset += result.length;
    } else if (result.status === 'corrupt') {
      report.corrupt++;
      logger.warn('skipping a corrupt mailbox record', { segment, offset, why: result.why });
      offset += result.length;
    } else {
      report.tornSegments++;
      logger.warn('mailbox segment ends in an unreadable record; ignoring its tail', {
        segment,
        offset,
        bytes: buffer.length - offset,
        why: result.status === 'truncated' ? 'truncated (torn write)' : result.why,
      });
      return;
    }
  }
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function segmentName(segment: number): string {
  return `segment-${String(segment).padStart(12, '0')}.log`;
}
