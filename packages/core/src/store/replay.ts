/**
 * The replay store: which (signed sender fingerprint, envelope id) pairs were accepted,
 * kept until they expire and across restarts. `state/seen.log` is append-only, one
 * line per entry, `senderFingerprint envelopeId expiresAtMs crc32`, fsynced before
 * `add` resolves. On open, corrupt lines are skipped (and counted) and expired entries
 * dropped by rewriting the file. `has` first reads lines appended by other processes.
 * An `add` that fails after its line reached the file (a failed fsync) still counts as
 * seen: the store errs towards rejecting a redelivery, never towards a second delivery.
 *
 * Small on purpose: a bounded, rotated seen-set with a low-water mark replaces it later.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN } from '../envelope/schema.js';
import { StorageError } from '../errors.js';
import { errnoOf, readRegularFile, syncDirectory, writeFileAtomic } from './fs-atomic.js';

/** The log only grows by fixed-size lines between compactions; this bounds a hostile file. */
const MAX_LOG_BYTES = 256 * 1024 * 1024;

export interface ReplayStoreOptions {
  now?: () => Date;
}

export class ReplayStore {
  private readonly entries = new Map<string, number>();
  /** Identity and read position of the log, to pick up appends by other processes. */
  private inode = -1;
  private position = 0;

  private constructor(
    readonly path: string,
    private readonly now: () => Date,
  ) {}

  static async open(path: string, options: ReplayStoreOptions = {}): Promise<ReplayStore> {
    const store = new ReplayStore(path, options.now ?? (() => new Date()));
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

  async has(senderFingerprint: string, envelopeId: string): Promise<boolean> {
    await this.refresh();
    return this.entries.has(keyOf(senderFingerprint, envelopeId));
  }

  async add(senderFingerprint: string, envelopeId: string, expiresAt: Date): Promise<void> {
    if (!FINGERPRINT_PATTERN.test(senderFingerprint) || !ENVELOPE_ID_PATTERN.test(envelopeId) || Number.isNaN(expiresAt.getTime())) {
      throw new TypeError('replay entries need a fingerprint, a lowercase UUID v4 and a valid date');
    }
    const line = lineOf(senderFingerprint, envelopeId, expiresAt.getTime());
    try {
      const handle = await open(this.path, 'a', 0o600);
      try {
        await handle.write(line);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (this.inode === -1) await syncDirectory(dirname(this.path)); // the file was just created
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot record envelope ${envelopeId} in ${this.path}`);
    }
    this.entries.set(keyOf(senderFingerprint, envelopeId), expiresAt.getTime());
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
    for (const [key, expiresAtMs] of this.entries) {
      if (expiresAtMs < nowMs) {
        this.entries.delete(key);
        expired++;
      }
    }
    if (this.skippedLines > 0 || expired > 0) {
      const compacted = [...this.entries].map(([key, expiresAtMs]) => lineOf(...splitKey(key), expiresAtMs)).join('');
      await writeFileAtomic(this.path, compacted, { mode: 0o600 });
    }
    await this.remember();
  }

  /** Reads whole lines appended since the last read; a replaced file is read again from the start. */
  private async refresh(): Promise<void> {
    let current: { ino: number; size: number };
    try {
      current = await stat(this.path);
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
    if (parts.length !== 4) return false;
    const [fingerprint = '', envelopeId = '', expiresAt = '', checksum = ''] = parts;
    if (!FINGERPRINT_PATTERN.test(fingerprint) || !ENVELOPE_ID_PATTERN.test(envelopeId) || !/^\d{1,16}$/.test(expiresAt)) return false;
    if (checksumOf(fingerprint, envelopeId, Number(expiresAt)) !== checksum) return false;
    const key = keyOf(fingerprint, envelopeId);
    this.entries.set(key, Math.max(this.entries.get(key) ?? 0, Number(expiresAt)));
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

function lineOf(fingerprint: string, envelopeId: string, expiresAtMs: number): string {
  return `${fingerprint} ${envelopeId} ${expiresAtMs} ${checksumOf(fingerprint, envelopeId, expiresAtMs)}\n`;
}

function checksumOf(fingerprint: string, envelopeId: string, expiresAtMs: number): string {
  return crc32(`${fingerprint} ${envelopeId} ${expiresAtMs}`).toString(16).padStart(8, '0');
}
