/**
 * The receiving side: a complete ciphertext attachment becomes a file in a destination
 * directory, chunk by chunk (memory: one chunk). Nothing reaches the destination name
 * unless every GCM tag, the size and the sha256 the signed manifest pins all check out;
 * until then the plaintext sits in `<destination>/.partial/` (0600) and is removed on
 * any failure. The final name never replaces an existing file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, StorageError } from '../errors.js';
import { errnoOf, storageErrorOf, syncDirectory } from '../store/fs-atomic.js';
import type { InboundAttachment } from '../transport/contract.js';
import { chunkCipherContext, encryptedFileSize, openChunk, plaintextChunkLength } from './chunk-cipher.js';
import { FileIntegrityError } from './errors.js';
import { numberedFileName, safeFileName } from './file-name.js';
import { FILE_TAG_BYTES, type FileManifest } from './manifest.js';
import { readFully, writeFully } from './positional-io.js';

export const PARTIAL_DIRECTORY = '.partial';
/** How many "name (n).ext" alternatives are tried before giving up. */
const MAX_NAME_ATTEMPTS = 10_000;

export interface DecryptAttachmentOptions {
  /** Plaintext bytes verified and written so far, after each chunk. */
  onProgress?(done: number, size: number): void;
  /**
   * Called with the verified, fsynced temp file just before it gets its final name (by
   * link(), so the named file is this inode); a throw leaves the destination untouched.
   */
  beforeNaming?(partialPath: string): Promise<void>;
}

export interface DecryptedFile {
  path: string;
  size: number;
}

export async function decryptAttachment(
  manifest: FileManifest,
  attachment: InboundAttachment,
  destinationDir: string,
  options: DecryptAttachmentOptions = {},
): Promise<DecryptedFile> {
  checkAttachmentShape(manifest, attachment);
  const partialDir = join(destinationDir, PARTIAL_DIRECTORY);
  try {
    await mkdir(partialDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot create ${partialDir}`);
  }
  const tempPath = join(partialDir, `${manifest.transfer_id}.${randomBytes(6).toString('hex')}.part`);
  try {
    await decryptToFile(manifest, attachment, tempPath, options);
    await options.beforeNaming?.(tempPath);
    const path = await linkUnique(tempPath, destinationDir, safeFileName(manifest.name));
    try {
      await unlink(tempPath);
      await syncDirectory(destinationDir);
    } catch (cause) {
      // Not durable, so not delivered: take the name back and let the caller retry.
      await unlink(path).catch(() => undefined);
      throw StorageError.fromFs(cause, `cannot store ${path}`);
    }
    return { path, size: manifest.size };
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
}

function checkAttachmentShape(manifest: FileManifest, attachment: InboundAttachment): void {
  const expectedChunkBytes = manifest.chunk_bytes + FILE_TAG_BYTES;
  const expectedSize = encryptedFileSize(manifest);
  if (attachment.id !== manifest.transfer_id) {
    throw new FileIntegrityError(`attachment ${attachment.id} does not belong to transfer ${manifest.transfer_id}`);
  }
  if (attachment.chunkBytes !== expectedChunkBytes) {
    throw new FileIntegrityError(`attachment chunks are ${attachment.chunkBytes} bytes; the manifest implies ${expectedChunkBytes}`);
  }
  if (attachment.size !== expectedSize) {
    throw new FileIntegrityError(`attachment is ${attachment.size} bytes; the manifest implies ${expectedSize}`);
  }
}

async function decryptToFile(manifest: FileManifest, attachment: InboundAttachment, tempPath: string, options: DecryptAttachmentOptions): Promise<void> {
  const context = chunkCipherContext(manifest);
  const source = await openCiphertext(attachment);
  try {
    const output = await createTemp(tempPath);
    try {
      const hash = createHash('sha256');
      const buffer = Buffer.allocUnsafe(attachment.chunkBytes);
      let done = 0;
      for (let index = 0; index < context.count; index++) {
        const ciphertext = buffer.subarray(0, plaintextChunkLength(context, index) + FILE_TAG_BYTES);
        const read = await readFully(source, attachment.path, ciphertext, index * attachment.chunkBytes);
        if (read !== ciphertext.length) {
          throw new FileIntegrityError(`attachment ends inside chunk ${index} of ${context.count}`, { chunk: index });
        }
        const plaintext = openChunk(context, index, ciphertext);
        hash.update(plaintext);
        await writeFully(output, tempPath, plaintext, done);
        done += plaintext.length;
        options.onProgress?.(done, manifest.size);
      }
      // Every chunk authenticated, so size and order are right; the hash ties the file to the signed manifest.
      const sha256 = hash.digest('hex');
      if (done !== manifest.size || sha256 !== manifest.sha256) {
        throw new FileIntegrityError(`decrypted file (${done} bytes, sha256 ${sha256}) does not match the manifest (${manifest.size} bytes, sha256 ${manifest.sha256})`);
      }
      try {
        await output.sync();
      } catch (cause) {
        throw StorageError.fromFs(cause, `cannot write ${tempPath}`);
      }
    } finally {
      await output.close();
    }
  } finally {
    await source.close();
  }
}

/** Opens the transport's ciphertext file: a regular file, not a symlink, of exactly the announced size. */
async function openCiphertext(attachment: InboundAttachment): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(attachment.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (cause) {
    throw storageErrorOf(cause, `cannot open attachment ${attachment.path}`);
  }
  const stats = await handle.stat().catch(async (cause: unknown) => {
    await handle.close();
    throw StorageError.fromFs(cause, `cannot stat attachment ${attachment.path}`);
  });
  if (!stats.isFile() || stats.size !== attachment.size) {
    await handle.close();
    if (!stats.isFile()) throw new StorageError(ErrorCode.Storage, `attachment ${attachment.path} is not a regular file`);
    throw new FileIntegrityError(`attachment file is ${stats.size} bytes, announced ${attachment.size}`);
  }
  return handle;
}

async function createTemp(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx', 0o600);
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot create ${path}`);
  }
}

/**
 * Gives the verified temp file its final name with link(), which never replaces an
 * existing file: a taken name moves on to "name (1).ext", "name (2).ext", ...
 */
async function linkUnique(tempPath: string, directory: string, safeName: string): Promise<string> {
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const path = join(directory, attempt === 0 ? safeName : numberedFileName(safeName, attempt));
    try {
      await link(tempPath, path);
      return path;
    } catch (cause) {
      if (errnoOf(cause) !== 'EEXIST') throw StorageError.fromFs(cause, `cannot create ${path}`);
    }
  }
  throw new StorageError(ErrorCode.AlreadyExists, `${MAX_NAME_ATTEMPTS} files named like ${safeName} already exist in ${directory}`);
}
