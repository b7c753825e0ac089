/**
 * The replay store: which (signed sender fingerprint, envelope id) pairs were accepted,
 * kept until they expire and across restarts. `state/seen.log` is append-only, one
 * line per entry, `senderFingerprint envelopeId expiresAtMs [createdAtMs] crc32`,
 * fsynced before `add` resolves, through one append handle kept open (reopened when
 * another process replaced the file). Group commit: adds queued while a write+fsync runs
 * share the next one. On open, corrupt lines are skipped (and counted) and
 * expired entries dropped by rewriting the file. `has` first reads lines appended by
 * other processes. An `add` that fails after its line reached the file (a failed fsync)
 * still counts as seen: the store errs towards rejecting a redelivery, never towards a
 * second delivery.
 *
 * Bounded (threat model T7, R12, R14): past `maxEntries`, the older half (by signed
 * created_at) is evicted and each sender's low-water mark rises to the newest created_at
 * evicted from it, kept as `LWM fingerprint createdAtMs crc32` lines. An envelope created
 * at or before its sender's mark counts as seen, so eviction never reopens a replay; a
 * restored backup keeps rejecting what its mark covers.
 */
import { fstatSync, statSync } from 'node:fs';
import { type FileHandle, mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN } from '../envelope/schema.js';
import { ErrorCode, StorageError } from '../errors.js';
import { errnoOf, readRegularFile, syncDirectory, writeFileAtomic, writeFully } from './fs-atomic.js';

/** The log only grows by fixed-size lines between compactions; this bounds a hostile file. */
const MAX_LOG_BYTES = 256 * 1024 * 1024;

export interface ReplayStoreOptions {
  now?: () => Date;
  /** Entries kept before the older half is evicted behind a low-water mark. Default 1,000,000. */
  maxEntries?: number;
}

const DEFAULT_MAX_ENTRIES = 1_000_000;

interface SeenEntry {
  expiresAtMs: number;
  /** Signed created_at; 0 for lines written before it was recorded. */
  createdAtMs: number;
}

export class ReplayStore {
  private readonly entries = new Map<string, SeenEntry>();
  /** Per sender: envelopes created at or before this (ms) count as seen. */
  private readonly lowWater = new Map<string, number>();
  /** Identity and read position of the log, to pick up appends by other processes. */
  private inode = -1;
  private position = 0;
  private appendHandle: FileHandle | undefined;
  private pending: Array<{ key: string; entry: SeenEntry; line: Buffer; envelopeId: string; resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  /** Reading the log and moving past our own appends happen one at a time. */
  private reading: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly now: () => Date,
    private readonly maxEntries: number,
  ) {}

  static async open(path: string, options: ReplayStoreOptions = {}): Promise<ReplayStore> {
    const store = new ReplayStore(path, options.now ?? (() => new Date()), Math.max(2, options.maxEntries ?? DEFAULT_MAX_ENTRIES));
    await store.load();
    return store;
  }

  private skippedLines = 0;

  /** Lines skipped as corrupt when the store was opened. */
  get corruptLines(): number {
    return this.skippedLines;
  }

  /** Entries currently held. */
  get size(): number {
    return this.entries.size;
  }

  /** The sender's low-water mark (ms), or undefined when nothing of it was evicted. */
  lowWaterMark(senderFingerprint: string): number | undefined {
    return this.lowWater.get(senderFingerprint);
  }

  /** Seen: recorded, or (given its signed created_at) at or below the sender's low-water mark. */
  async has(senderFingerprint: string, envelopeId: string, createdAt?: Date): Promise<boolean> {
    await this.serialized(() => this.refresh());
    if (this.entries.has(keyOf(senderFingerprint, envelopeId))) return true;
    const mark = this.lowWater.get(senderFingerprint);
    return mark !== undefined && createdAt !== undefined && createdAt.getTime() <= mark;
  }

  /** Durable when it resolves. */
  async add(senderFingerprint: string, envelopeId: string, expiresAt: Date, createdAt?: Date): Promise<void> {
    const createdAtMs = createdAt?.getTime() ?? 0;
    if (
      !FINGERPRINT_PATTERN.test(senderFingerprint) ||
      !ENVELOPE_ID_PATTERN.test(envelopeId) ||
      Number.isNaN(expiresAt.getTime()) ||
      Number.isNaN(createdAtMs) ||
      createdAtMs < 0
    ) {
      throw new TypeError('replay entries need a fingerprint, a lowercase UUID v4 and valid dates');
    }
    const line = Buffer.from(lineOf(senderFingerprint, envelopeId, expiresAt.getTime(), createdAtMs), 'latin1');
    const entry = { expiresAtMs: expiresAt.getTime(), createdAtMs };
    return new Promise((resolve, reject) => {
      this.pending.push({ key: keyOf(senderFingerprint, envelopeId), entry, line, envelopeId, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  /** Closes the append handle; a later `add` opens it again. */
  async close(): Promise<void> {
    await this.flushing;
    await this.reading;
    await this.closeAppendHandle();
  }

  /** Group commit: the lines queued while one write+fsync runs go out together in the next. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        try {
          await this.appendDurably(Buffer.concat(batch.map((item) => item.line)));
        } catch (cause) {
          for (const item of batch) item.reject(StorageError.fromFs(cause, `cannot record envelope ${item.envelopeId} in ${this.path}`));
          continue;
        }
        for (const item of batch) this.entries.set(item.key, item.entry);
        try {
          // Here, and nowhere else, so no append of this process runs while the log is rewritten.
          if (this.entries.size > this.maxEntries) await this.rotate();
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        }
        for (const item of batch) item.resolve();
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /**
   * Appends and fsyncs whole lines. When the file was replaced meanwhile (another process
   * rewrote it on open or rotation), they went to the unlinked old file: they are
   * appended again to the new one.
   */
  private async appendDurably(lines: Buffer): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const handle = await this.openAppendHandle();
      let after: { ino: number; size: number; nlink: number };
      let tornFrom = -1;
      try {
        tornFrom = fstatSync(handle.fd).size;
        await writeFully(handle, lines);
        // Written whole: a failed fsync from here on leaves the lines (they count as seen).
        tornFrom = -1;
        await handle.sync();
        if (this.inode === -1) await syncDirectory(dirname(this.path)); // the file may have just been created
        after = fstatSync(handle.fd); // synchronous: see refresh()
      } catch (cause) {
        // A torn line (a full disk mid-write) must not glue itself to the next append.
        if (tornFrom >= 0) await handle.truncate(tornFrom).catch(() => undefined);
        await this.closeAppendHandle();
        throw cause;
      }
      if (after.nlink > 0) {
        // Nothing but these lines since the last read: move past them rather than read them back.
        await this.serialized(async () => {
          if (after.ino === this.inode && after.size === this.position + lines.length) this.position = after.size;
        });
        return;
      }
      await this.closeAppendHandle();
    }
    throw new StorageError(ErrorCode.Storage, `${this.path} keeps being replaced; cannot append`);
  }

  private async openAppendHandle(): Promise<FileHandle> {
    if (this.appendHandle !== undefined) return this.appendHandle;
    this.appendHandle = await open(this.path, 'a', 0o600);
    return this.appendHandle;
  }

  private async closeAppendHandle(): Promise<void> {
    const handle = this.appendHandle;
    this.appendHandle = undefined;
    await handle?.close().catch(() => undefined);
  }

  private serialized(work: () => Promise<void>): Promise<void> {
    const run = this.reading.then(work);
    this.reading = run.catch(() => undefined);
    return run;
  }

  /** Evicts the older half (by created_at) behind per-sender low-water marks, and rewrites the log. */
  private async rotate(): Promise<void> {
    const byAge = [...this.entries].sort((left, right) => left[1].createdAtMs - right[1].createdAtMs);
    for (const [key, entry] of byAge.slice(0, Math.floor(byAge.length / 2))) {
      const [fingerprint] = splitKey(key);
      this.lowWater.set(fingerprint, Math.max(this.lowWater.get(fingerprint) ?? 0, entry.createdAtMs));
      this.entries.delete(key);
    }
    await this.rewrite();
  }

  private async rewrite(): Promise<void> {
    const marks = [...this.lowWater].map(([fingerprint, mark]) => markLineOf(fingerprint, mark));
    const live = [...this.entries].map(([key, entry]) => lineOf(...splitKey(key), entry.expiresAtMs, entry.createdAtMs));
    await this.closeAppendHandle(); // it points at the file being replaced
    await writeFileAtomic(this.path, [...marks, ...live].join(''), { mode: 0o600 });
    await this.remember();
  }

  private async load(): Promise<void> {
    try {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${dirname(this.path)}`);
    }
    let text = '';
    try {
      text = (await readRegularFile(this.path, MAX_LOG_BYTES)).toString('latin1');
    } catch (cause) {
      if (errnoOf((cause as Error).cause) !== 'ENOENT') throw cause;
    }
    const lines = text.split('\n');
    const complete = lines.slice(0, -1);
    this.skippedLines = complete.filter((line) => !this.ingest(line)).length + (lines.at(-1) === '' ? 0 : 1);
    const nowMs = this.now().getTime();
    let expired = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs < nowMs) {
        this.entries.delete(key);
        expired++;
      }
    }
    if (this.entries.size > this.maxEntries) await this.rotate();
    else if (this.skippedLines > 0 || expired > 0) await this.rewrite();
    else await this.remember();
  }

  /** Reads whole lines appended since the last read; a replaced file is read again from the start. */
  private async refresh(): Promise<void> {
    let current: { ino: number; size: number };
    try {
      // Synchronous on purpose: every envelope received asks has() first, and a stat of
      // the local log costs a few µs this way against ~20 µs through the libuv pool.
      current = statSync(this.path);
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT') return;
      throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    }
    if (current.ino !== this.inode || current.size < this.position) {
      this.inode = current.ino;
      this.position = 0;
    }
    if (current.size === this.position) return;
    let appended: Buffer;
    try {
      const handle = await open(this.path, 'r');
      try {
        appended = Buffer.alloc(current.size - this.position);
        const { bytesRead } = await handle.read(appended, 0, appended.length, this.position);
        appended = appended.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    }
    const lastNewline = appended.lastIndexOf(0x0a);
    if (lastNewline === -1) return; // a line still being written
    for (const line of appended.subarray(0, lastNewline).toString('latin1').split('\n')) this.ingest(line);
    this.position += lastNewline + 1;
  }

  private async remember(): Promise<void> {
    try {
      const current = await stat(this.path);
      this.inode = current.ino;
      this.position = current.size;
    } catch (cause) {
      if (errnoOf(cause) !== 'ENOENT') throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    }
  }

  /** Adds one log line; false when it is corrupt. */
  private ingest(line: string): boolean {
    const parts = line.split(' ');
    if (parts.length === 4 && parts[0] === MARK) {
      const [, fingerprint = '', mark = '', checksum = ''] = parts;
      if (!FINGERPRINT_PATTERN.test(fingerprint) || !/^\d{1,16}$/.test(mark) || crc(`${MARK} ${fingerprint} ${mark}`) !== checksum) return false;
      this.lowWater.set(fingerprint, Math.max(this.lowWater.get(fingerprint) ?? 0, Number(mark)));
      return true;
    }
    if (parts.length !== 4 && parts.length !== 5) return false;
    const checksum = parts.at(-1) ?? '';
    const [fingerprint = '', envelopeId = '', expiresAt = '', createdAt = '0'] = parts.slice(0, -1);
    if (!FINGERPRINT_PATTERN.test(fingerprint) || !ENVELOPE_ID_PATTERN.test(envelopeId) || !/^\d{1,16}$/.test(expiresAt) || !/^\d{1,16}$/.test(createdAt)) {
      return false;
    }
    if (crc(parts.slice(0, -1).join(' ')) !== checksum) return false;
    const key = keyOf(fingerprint, envelopeId);
    const previous = this.entries.get(key);
    this.entries.set(key, {
      expiresAtMs: Math.max(previous?.expiresAtMs ?? 0, Number(expiresAt)),
      createdAtMs: Math.max(previous?.createdAtMs ?? 0, Number(createdAt)),
    });
    return true;
  }
}

function keyOf(fingerprint: string, envelopeId: string): string {
  return `${fingerprint} ${envelopeId}`;
}

function splitKey(key: string): [string, string] {
  const [fingerprint = '', envelopeId = ''] = key.split(' ');
  return [fingerprint, envelopeId];
}

const MARK = 'LWM';

function lineOf(fingerprint: string, envelopeId: string, expiresAtMs: number, createdAtMs: number): string {
  const fields = `${fingerprint} ${envelopeId} ${expiresAtMs} ${createdAtMs}`;
  return `${fields} ${crc(fields)}\n`;
}

function markLineOf(fingerprint: string, mark: number): string {
  const fields = `${MARK} ${fingerprint} ${mark}`;
  return `${fields} ${crc(fields)}\n`;
}

function crc(text: string): string {
  return crc32(text).toString(16).padStart(8, '0');
}
