/**
 * Quarantine: rejected envelopes, kept with the reason so nothing is dropped silently.
 * File names come from the time and the sha256 of the bytes, never from the input.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as v from 'valibot';
import { ErrorCode, StorageError } from '../errors.js';
import { readRegularFile, storageErrorOf, writeFileAtomic } from './fs-atomic.js';

const MAX_TEXT_LENGTH = 1000;
const MAX_REASON_BYTES = 64 * 1024;

export interface QuarantineReason {
  code: ErrorCode;
  message: string;
  field?: string;
  transport: string;
  /** Where the bytes came from (a file name, a remote address), as the transport said. */
  source?: string;
  at: Date;
  /** Size of the input when only a prefix of it is kept (oversized envelopes). */
  originalSize?: number;
}

const recordSchema = v.object({
  id: v.string(),
  code: v.string(),
  message: v.string(),
  field: v.optional(v.string()),
  transport: v.string(),
  source: v.optional(v.string()),
  at: v.string(),
  size: v.number(),
  originalSize: v.optional(v.number()),
  sha256: v.string(),
});

export type QuarantineRecord = v.InferOutput<typeof recordSchema> & {
  /** Path of the quarantined bytes. */
  bytesFile: string;
};

export class Quarantine {
  constructor(readonly directory: string) {}

  /** Stores the bytes and the reason; returns the quarantine id. Only storage errors throw. */
  async put(bytes: Uint8Array, reason: QuarantineReason): Promise<string> {
    const at = Number.isNaN(reason.at.getTime()) ? new Date() : reason.at;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const id = `${String(at.getTime()).padStart(13, '0')}-${sha256.slice(0, 32)}`;
    const record: v.InferOutput<typeof recordSchema> = {
      id,
      code: reason.code,
      message: clip(reason.message),
      ...(reason.field === undefined ? {} : { field: clip(reason.field) }),
      transport: clip(reason.transport),
      ...(reason.source === undefined ? {} : { source: clip(reason.source) }),
      at: at.toISOString(),
      size: bytes.byteLength,
      ...(reason.originalSize === undefined ? {} : { originalSize: reason.originalSize }),
      sha256,
    };
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${this.directory}`);
    }
    // Bytes first: a reason file always has its bytes next to it.
    await writeFileAtomic(join(this.directory, `${id}.envelope`), bytes);
    await writeFileAtomic(join(this.directory, `${id}.reason.json`), `${JSON.stringify(record, null, 2)}\n`);
    return id;
  }

  /** Every quarantined envelope, oldest first. Unreadable reason files are skipped. */
  async list(): Promise<QuarantineRecord[]> {
    let entries: string[];
    try {
      entries = await readdir(this.directory);
    } catch (cause) {
      const error = storageErrorOf(cause, `cannot list ${this.directory}`);
      if (error.code === ErrorCode.NotFound) return [];
      throw error;
    }
    const records: QuarantineRecord[] = [];
    for (const entry of entries.filter((name) => name.endsWith('.reason.json')).sort()) {
      const text = (await readRegularFile(join(this.directory, entry), MAX_REASON_BYTES)).toString('utf8');
      const record = parseRecord(text);
      // A reason file edited or truncated by hand is skipped rather than failing the listing.
      if (record !== undefined) {
        records.push({ ...record, bytesFile: join(this.directory, `${entry.slice(0, -'.reason.json'.length)}.envelope`) });
      }
    }
    return records;
  }
}

function parseRecord(text: string): v.InferOutput<typeof recordSchema> | undefined {
  try {
    return v.parse(recordSchema, JSON.parse(text));
  } catch {
    return undefined;
  }
}

function clip(text: string): string {
  return text.length > MAX_TEXT_LENGTH ? `${text.slice(0, MAX_TEXT_LENGTH)}…` : text;
}
