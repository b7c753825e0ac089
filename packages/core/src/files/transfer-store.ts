/**
 * Outgoing transfers the sender may resume: one JSON record per transfer,
 * `<dir>/<transfer_id>.json`, mode 0600 in a 0700 directory, written atomically. A record
 * holds the transfer key and the sealed envelope, so a resumed send re-sends the very same
 * envelope and every chunk encrypts to the ciphertext the receiver already partly holds.
 * A corrupt record is skipped by list() and find(); get() reports it as a StorageError.
 */
import { chmod, mkdir, readdir, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as v from 'valibot';
import { decodeUtf8, parseStrictJson } from '../envelope/json.js';
import { DEFAULT_MAX_ENVELOPE_BYTES, FINGERPRINT_PATTERN, TIMESTAMP_PATTERN } from '../envelope/schema.js';
import { ErrorCode, StorageError } from '../errors.js';
import { errnoOf, readRegularFile, storageErrorOf, writeFileAtomic } from '../store/fs-atomic.js';
import { type FileManifest, fileManifestSchema, TRANSFER_ID_PATTERN } from './manifest.js';

export interface OutgoingTransferRecord {
  transfer_id: string;
  /** Recipient fingerprint. */
  peer: string;
  /** Absolute path of the file being sent. */
  path: string;
  size: number;
  mtime_ms: number;
  manifest: FileManifest;
  /** Base64 of the sealed, serialized envelope bytes. */
  envelope: string;
  created_at: string;
}

export interface OutgoingTransferQuery {
  peer: string;
  path: string;
  size: number;
  mtimeMs: number;
}

/** Room for a maximal envelope in base64 plus the rest of the record. */
const MAX_RECORD_BYTES = 2 * 1024 * 1024;
const RECORD_FILE = /^([0-9a-f]{32})\.json$/;

const recordSchema = v.pipe(
  v.strictObject({
    transfer_id: v.pipe(v.string(), v.regex(TRANSFER_ID_PATTERN, 'must be 32 lowercase hex digits')),
    peer: v.pipe(v.string(), v.regex(FINGERPRINT_PATTERN, 'must be a full uppercase hex fingerprint')),
    path: v.pipe(v.string(), v.minLength(1), v.check((value) => resolve(value) === value, 'must be an absolute, normalized path')),
    size: v.pipe(v.number(), v.integer(), v.minValue(0)),
    mtime_ms: v.pipe(v.number(), v.finite()),
    manifest: fileManifestSchema,
    envelope: v.pipe(v.string(), v.minLength(1), v.maxLength(Math.ceil(DEFAULT_MAX_ENVELOPE_BYTES / 3) * 4), v.base64('must be base64')),
    created_at: v.pipe(v.string(), v.regex(TIMESTAMP_PATTERN, 'must be ISO-8601 UTC with milliseconds')),
  }),
  v.check((record) => record.manifest.transfer_id === record.transfer_id, 'manifest.transfer_id must equal transfer_id'),
  v.check((record) => record.manifest.size === record.size, 'manifest.size must equal size'),
);

export class OutgoingTransferStore {
  constructor(readonly directory: string) {}

  /** The newest record of this file (same path, size and mtime) to this peer, if any. */
  async find(query: OutgoingTransferQuery): Promise<OutgoingTransferRecord | undefined> {
    const path = resolve(query.path);
    const matches = (await this.list()).filter(
      (record) => record.peer === query.peer && record.path === path && record.size === query.size && record.mtime_ms === query.mtimeMs,
    );
    return matches.at(-1);
  }

  /** The record of one transfer; undefined when there is none, a StorageError when it is corrupt. */
  async get(transferId: string): Promise<OutgoingTransferRecord | undefined> {
    if (!TRANSFER_ID_PATTERN.test(transferId)) return undefined;
    const path = this.recordPath(transferId);
    let bytes: Buffer;
    try {
      bytes = await readRegularFile(path, MAX_RECORD_BYTES);
    } catch (error) {
      if (StorageError.hasCode(error, ErrorCode.NotFound)) return undefined;
      throw error;
    }
    const record = parseRecord(bytes, path);
    if (record.transfer_id !== transferId) {
      throw new StorageError(ErrorCode.Storage, `transfer record ${path} is corrupt: it holds transfer ${record.transfer_id}`);
    }
    return record;
  }

  async save(record: OutgoingTransferRecord): Promise<void> {
    const checked = v.safeParse(recordSchema, record);
    if (!checked.success) {
      const issue = checked.issues[0];
      throw new StorageError(ErrorCode.Storage, `refusing to save an invalid transfer record: ${v.getDotPath(issue) ?? '(record)'} ${issue.message}`);
    }
    try {
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      await chmod(this.directory, 0o700);
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${this.directory}`);
    }
    await writeFileAtomic(this.recordPath(record.transfer_id), `${JSON.stringify(checked.output, null, 2)}\n`, { mode: 0o600 });
  }

  /** Forgets a transfer (done or abandoned). Removing a missing record is not an error. */
  async remove(transferId: string): Promise<void> {
    if (!TRANSFER_ID_PATTERN.test(transferId)) return;
    const path = this.recordPath(transferId);
    try {
      await unlink(path);
    } catch (cause) {
      if (errnoOf(cause) !== 'ENOENT') throw StorageError.fromFs(cause, `cannot remove ${path}`);
    }
  }

  /** Every readable record, oldest first. Corrupt and foreign files are skipped. */
  async list(): Promise<OutgoingTransferRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch (cause) {
      const error = storageErrorOf(cause, `cannot list ${this.directory}`);
      if (error.code === ErrorCode.NotFound) return [];
      throw error;
    }
    const records: OutgoingTransferRecord[] = [];
    for (const name of names) {
      const transferId = RECORD_FILE.exec(name)?.[1];
      if (transferId === undefined) continue;
      const record = await this.get(transferId).catch(() => undefined);
      if (record !== undefined) records.push(record);
    }
    return records.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.transfer_id.localeCompare(b.transfer_id));
  }

  private recordPath(transferId: string): string {
    return join(this.directory, `${transferId}.json`);
  }
}

function parseRecord(bytes: Uint8Array, path: string): OutgoingTransferRecord {
  let json: unknown;
  try {
    json = parseStrictJson(decodeUtf8(bytes, 'transfer record'), 'transfer record');
  } catch (cause) {
    throw new StorageError(ErrorCode.Storage, `transfer record ${path} is corrupt: not strict JSON`, { cause });
  }
  const result = v.safeParse(recordSchema, json);
  if (!result.success) {
    const issue = result.issues[0];
    // The issue message never quotes the key: the manifest's key checks have value-free messages.
    throw new StorageError(ErrorCode.Storage, `transfer record ${path} is corrupt: ${v.getDotPath(issue) ?? '(record)'} ${issue.message}`);
  }
  return result.output;
}
