/**
 * The attachment's chunk cipher (docs/file-transfer.md): AES-256-GCM per chunk with
 *   nonce = 4 zero bytes || u64be(index)
 *   AAD   = "skcomm/file/v1" || transfer_id || u64be(index) || u64be(count)
 * and the 16-byte tag appended. The key is fresh per transfer, so an index-derived nonce
 * never repeats under one key; the AAD binds each chunk to its transfer, position and the
 * chunk count, so chunks cannot be reordered, dropped, repeated or spliced in from another
 * transfer without a tag failing.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { attachmentChunkCount, attachmentChunkLength } from '../transport/attachment-layout.js';
import { FileIntegrityError } from './errors.js';
import { FILE_DOCUMENT_CTX, FILE_KEY_BYTES, FILE_TAG_BYTES, type FileManifest } from './manifest.js';

/** Everything one chunk operation needs, derived once per transfer. */
export interface ChunkCipherContext {
  key: Buffer;
  transferId: string;
  size: number;
  chunkBytes: number;
  count: number;
}

export function fileChunkCount(size: number, chunkBytes: number): number {
  return attachmentChunkCount(size, chunkBytes);
}

/** Ciphertext bytes of the whole attachment: the plaintext plus one tag per chunk. */
export function encryptedFileSize(manifest: Pick<FileManifest, 'size' | 'chunk_bytes'>): number {
  return manifest.size + FILE_TAG_BYTES * fileChunkCount(manifest.size, manifest.chunk_bytes);
}

export function chunkCipherContext(manifest: FileManifest): ChunkCipherContext {
  const key = Buffer.from(manifest.key, 'base64url');
  if (key.length !== FILE_KEY_BYTES) throw new RangeError(`file key must be ${FILE_KEY_BYTES} bytes`);
  return {
    key,
    transferId: manifest.transfer_id,
    size: manifest.size,
    chunkBytes: manifest.chunk_bytes,
    count: fileChunkCount(manifest.size, manifest.chunk_bytes),
  };
}

/** Plaintext bytes of chunk `index`: `chunkBytes`, except the last (0 for an empty file). */
export function plaintextChunkLength(context: ChunkCipherContext, index: number): number {
  checkIndex(context, index);
  return attachmentChunkLength(context.size, context.chunkBytes, index);
}

export function sealChunk(context: ChunkCipherContext, index: number, plaintext: Uint8Array): Uint8Array {
  const expected = plaintextChunkLength(context, index);
  if (plaintext.byteLength !== expected) {
    throw new RangeError(`chunk ${index} must hold ${expected} plaintext bytes, not ${plaintext.byteLength}`);
  }
  const cipher = createCipheriv('aes-256-gcm', context.key, nonce(index), { authTagLength: FILE_TAG_BYTES });
  cipher.setAAD(additionalData(context, index));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Authenticates and decrypts chunk `index`; any failure is a FileIntegrityError naming the chunk. */
export function openChunk(context: ChunkCipherContext, index: number, ciphertext: Uint8Array): Buffer {
  const expected = plaintextChunkLength(context, index) + FILE_TAG_BYTES;
  if (ciphertext.byteLength !== expected) {
    throw new FileIntegrityError(`chunk ${index} of ${context.count} is ${ciphertext.byteLength} bytes, expected ${expected}`, { chunk: index });
  }
  const body = ciphertext.subarray(0, expected - FILE_TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', context.key, nonce(index), { authTagLength: FILE_TAG_BYTES });
  decipher.setAAD(additionalData(context, index));
  decipher.setAuthTag(ciphertext.subarray(expected - FILE_TAG_BYTES));
  const plaintext = decipher.update(body);
  try {
    // final() checks the tag; until it returns, `plaintext` is unauthenticated and unused.
    decipher.final();
  } catch (cause) {
    throw new FileIntegrityError(`chunk ${index} of ${context.count} failed authentication`, { cause, chunk: index });
  }
  return plaintext;
}

/** Encrypts plaintext chunk `index` of the transfer `manifest` describes. */
export function sealFileChunk(manifest: FileManifest, index: number, plaintext: Uint8Array): Uint8Array {
  return sealChunk(chunkCipherContext(manifest), index, plaintext);
}

/** Decrypts ciphertext chunk `index`; throws FileIntegrityError unless it is authentic. */
export function openFileChunk(manifest: FileManifest, index: number, ciphertext: Uint8Array): Uint8Array {
  return openChunk(chunkCipherContext(manifest), index, ciphertext);
}

function checkIndex(context: ChunkCipherContext, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= context.count) {
    throw new RangeError(`chunk index ${index} is outside 0..${context.count - 1}`);
  }
}

function nonce(index: number): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeBigUInt64BE(BigInt(index), 4);
  return bytes;
}

const ctxBytes = Buffer.from(FILE_DOCUMENT_CTX, 'utf8');

function additionalData(context: ChunkCipherContext, index: number): Buffer {
  const counters = Buffer.alloc(16);
  counters.writeBigUInt64BE(BigInt(index), 0);
  counters.writeBigUInt64BE(BigInt(context.count), 8);
  return Buffer.concat([ctxBytes, Buffer.from(context.transferId, 'utf8'), counters]);
}
