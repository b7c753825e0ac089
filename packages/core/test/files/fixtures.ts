/** Shared builders for the files tests: manifests, source files and attachments on disk. */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { InboundAttachment } from '../../src/index.js';
import { type FileManifest, MAX_FILE_BYTES, MAX_FILE_CHUNK_BYTES, type OutgoingFile } from '../../src/files/index.js';

const hexOf = (length: number) => fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => Buffer.from(bytes).toString('hex'));

export const manifestArbitrary: fc.Arbitrary<FileManifest> = fc.record(
  {
    ctx: fc.constant('skcomm/file/v1' as const),
    transfer_id: hexOf(16),
    name: fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
    size: fc.integer({ min: 0, max: MAX_FILE_BYTES }),
    sha256: hexOf(32),
    chunk_bytes: fc.integer({ min: 1, max: MAX_FILE_CHUNK_BYTES }),
    cipher: fc.constant('aes-256-gcm' as const),
    key: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
    media_type: fc.constantFrom('text/plain', 'application/octet-stream', 'image/svg+xml', 'text/plain; charset=utf-8'),
  },
  { requiredKeys: ['ctx', 'transfer_id', 'name', 'size', 'sha256', 'chunk_bytes', 'cipher', 'key'] },
);

export function sampleManifest(overrides: Partial<FileManifest> = {}): FileManifest {
  return {
    ctx: 'skcomm/file/v1',
    transfer_id: randomBytes(16).toString('hex'),
    name: 'report.pdf',
    size: 100,
    sha256: createHash('sha256').update('x').digest('hex'),
    chunk_bytes: 32,
    cipher: 'aes-256-gcm',
    key: randomBytes(32).toString('base64url'),
    ...overrides,
  };
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every ciphertext chunk of an outgoing file, in order. */
export async function readAllChunks(outgoing: OutgoingFile): Promise<Uint8Array[]> {
  const { attachment } = outgoing;
  const count = Math.max(1, Math.ceil(attachment.size / attachment.chunkBytes));
  const chunks: Uint8Array[] = [];
  for (let index = 0; index < count; index++) chunks.push(await attachment.readChunk(index));
  return chunks;
}

/** Writes ciphertext to a file and describes it the way a receiving transport would. */
export async function inboundAttachment(
  directory: string,
  ciphertext: Uint8Array,
  shape: { id: string; chunkBytes: number; size?: number },
): Promise<InboundAttachment> {
  const path = join(directory, `${shape.id}.${randomBytes(4).toString('hex')}.attachment`);
  await writeFile(path, ciphertext);
  return { id: shape.id, chunkBytes: shape.chunkBytes, size: shape.size ?? ciphertext.byteLength, path };
}

/** Files in `destination` and its `.partial` directory: after a failed decrypt, none. */
export async function leftoverFiles(destination: string): Promise<string[]> {
  const entries = await readdir(destination);
  const partial = entries.includes('.partial') ? await readdir(join(destination, '.partial')) : [];
  return [...entries.filter((entry) => entry !== '.partial'), ...partial.map((entry) => `.partial/${entry}`)];
}
