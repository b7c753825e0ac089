/**
 * The sending side: a file on disk becomes a manifest (for the sealed envelope) and an
 * OutgoingAttachment whose chunks are read and encrypted on demand, from one open file
 * descriptor, in any order and concurrently. Memory stays at one chunk per pending read.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { ErrorCode, StorageError } from '../errors.js';
import { storageErrorOf } from '../store/fs-atomic.js';
import type { OutgoingAttachment } from '../transport/contract.js';
import { type ChunkCipherContext, chunkCipherContext, encryptedFileSize, plaintextChunkLength, sealChunk } from './chunk-cipher.js';
import { FileChangedError } from './errors.js';
import { safeFileName } from './file-name.js';
import { DEFAULT_FILE_CHUNK_BYTES, FILE_DOCUMENT_CTX, FILE_KEY_BYTES, FILE_TAG_BYTES, type FileManifest, validateManifest } from './manifest.js';
import { readFully } from './positional-io.js';

const HASH_BLOCK_BYTES = 1024 * 1024;

export interface PrepareOutgoingFileOptions {
  /** Display name; default the file's base name. Sanitized with safeFileName. */
  name?: string;
  mediaType?: string;
  /** Plaintext bytes per chunk; default DEFAULT_FILE_CHUNK_BYTES. A resume must pass the recorded manifest's chunk_bytes. */
  chunkBytes?: number;
  /**
   * Continue a recorded transfer: same id, key and hash, so every chunk encrypts to the
   * same ciphertext and the receiver's partial chunks stay valid. The file is not hashed
   * again: the caller checks first that its size and mtime match the record.
   */
  resume?: { transferId: string; key: string; sha256: string };
  onHashProgress?(hashed: number, size: number): void;
  signal?: AbortSignal;
}

export interface OutgoingFile {
  manifest: FileManifest;
  attachment: OutgoingAttachment;
  /** The absolute path that was opened. */
  path: string;
  /** Modification time when the manifest was made: what a transfer record keeps for a later resume. */
  mtimeMs: number;
  /** Closes the file descriptor; readChunk() fails afterwards. Idempotent. */
  close(): Promise<void>;
}

export async function prepareOutgoingFile(path: string, options: PrepareOutgoingFileOptions = {}): Promise<OutgoingFile> {
  const absolutePath = resolve(path);
  const { handle, stats } = await openRegularFile(absolutePath);
  try {
    const sha256 = options.resume?.sha256 ?? (await hashFile(handle, absolutePath, stats.size, options));
    await checkUnchanged(handle, absolutePath, stats);
    const manifest = validateManifest({
      ctx: FILE_DOCUMENT_CTX,
      transfer_id: options.resume?.transferId ?? randomBytes(16).toString('hex'),
      name: safeFileName(options.name ?? basename(absolutePath)),
      size: stats.size,
      sha256,
      chunk_bytes: options.chunkBytes ?? DEFAULT_FILE_CHUNK_BYTES,
      cipher: 'aes-256-gcm',
      key: options.resume?.key ?? randomBytes(FILE_KEY_BYTES).toString('base64url'),
      ...(options.mediaType === undefined ? {} : { media_type: options.mediaType }),
    });
    return outgoingFile(handle, absolutePath, stats, manifest);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function outgoingFile(handle: FileHandle, path: string, stats: Stats, manifest: FileManifest): OutgoingFile {
  const context = chunkCipherContext(manifest);
  let closed = false;
  return {
    manifest,
    path,
    mtimeMs: stats.mtimeMs,
    attachment: {
      id: manifest.transfer_id,
      size: encryptedFileSize(manifest),
      chunkBytes: manifest.chunk_bytes + FILE_TAG_BYTES,
      async readChunk(index: number): Promise<Uint8Array> {
        if (closed) throw new StorageError(ErrorCode.Storage, `${path} was closed: the transfer is over`);
        const plaintext = await readPlaintextChunk(handle, path, stats, context, index);
        return sealChunk(context, index, plaintext);
      },
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}

async function readPlaintextChunk(handle: FileHandle, path: string, stats: Stats, context: ChunkCipherContext, index: number): Promise<Buffer> {
  const length = plaintextChunkLength(context, index);
  // fstat per chunk is cheap next to AES-GCM, and stops a transfer of an edited file early.
  await checkUnchanged(handle, path, stats);
  // One byte more on the last chunk tells a file that grew after the fstat.
  const isLast = index === context.count - 1;
  const buffer = Buffer.allocUnsafe(length + (isLast ? 1 : 0));
  const read = await readFully(handle, path, buffer, index * context.chunkBytes);
  if (read !== length) {
    throw new FileChangedError(`${path} changed while it was being sent (chunk ${index} is ${read} bytes, expected ${length})`);
  }
  return buffer.subarray(0, length);
}

async function hashFile(handle: FileHandle, path: string, size: number, options: PrepareOutgoingFileOptions): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(Math.min(HASH_BLOCK_BYTES, size) + 1);
  let hashed = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const read = await readFully(handle, path, buffer, hashed);
    hash.update(buffer.subarray(0, read));
    hashed += read;
    if (hashed > size) throw new FileChangedError(`${path} grew while it was being hashed (past ${size} bytes)`);
    options.onHashProgress?.(hashed, size);
    if (read < buffer.length) break;
  }
  if (hashed < size) throw new FileChangedError(`${path} shrank while it was being hashed (${hashed} of ${size} bytes)`);
  return hash.digest('hex');
}

async function checkUnchanged(handle: FileHandle, path: string, before: Stats): Promise<void> {
  let now: Stats;
  try {
    now = await handle.stat();
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot stat ${path}`);
  }
  if (now.size !== before.size || now.mtimeMs !== before.mtimeMs) {
    throw new FileChangedError(`${path} changed after its manifest was made (size ${before.size} -> ${now.size})`);
  }
}

async function openRegularFile(path: string): Promise<{ handle: FileHandle; stats: Stats }> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (cause) {
    throw storageErrorOf(cause, `cannot open ${path}`);
  }
  const stats = await handle.stat().catch(async (cause: unknown) => {
    await handle.close();
    throw StorageError.fromFs(cause, `cannot stat ${path}`);
  });
  if (!stats.isFile()) {
    await handle.close();
    throw new StorageError(ErrorCode.Storage, `${path} is not a regular file`);
  }
  return { handle, stats };
}
