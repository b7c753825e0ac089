/**
 * A damaged or forged attachment never becomes a file: every case is a FileIntegrityError
 * and leaves nothing in the destination (not even in `.partial/`).
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decryptAttachment, FILE_TAG_BYTES, type FileManifest, FileIntegrityError, prepareOutgoingFile } from '../../src/files/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';
import { inboundAttachment, leftoverFiles, readAllChunks, sha256Of } from './fixtures.js';

afterAll(removeTempDirs);

const CHUNK = 8;
const SIZE = 3 * CHUNK + 3; // four chunks, the last one short
const CIPHER_CHUNK = CHUNK + FILE_TAG_BYTES;

let work: string;
let manifest: FileManifest;
let chunks: Uint8Array[];
/** The same content sent again as another transfer (its own id and key). */
let otherChunks: Uint8Array[];

beforeAll(async () => {
  work = await tempDir('skcomm-tamper-');
  const source = join(work, 'secret.txt');
  await writeFile(source, randomBytes(SIZE));
  const outgoing = await prepareOutgoingFile(source, { chunkBytes: CHUNK });
  manifest = outgoing.manifest;
  chunks = await readAllChunks(outgoing);
  await outgoing.close();
  const other = await prepareOutgoingFile(source, { chunkBytes: CHUNK });
  otherChunks = await readAllChunks(other);
  await other.close();
});

/** Decrypts `ciphertext` as this transfer's attachment; returns the error, which must be a FileIntegrityError. */
async function rejection(ciphertext: Uint8Array, options: { manifest?: FileManifest; size?: number } = {}): Promise<FileIntegrityError> {
  const used = options.manifest ?? manifest;
  const attachment = await inboundAttachment(work, ciphertext, { id: used.transfer_id, chunkBytes: used.chunk_bytes + FILE_TAG_BYTES, size: options.size ?? ciphertext.length });
  const destination = await tempDir('skcomm-received-');
  let error: unknown;
  try {
    await decryptAttachment(used, attachment, destination);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(FileIntegrityError);
  expect(await leftoverFiles(destination)).toEqual([]);
  return error as FileIntegrityError;
}

describe('decryptAttachment refuses tampered attachments', () => {
  test('the untampered attachment decrypts (the control)', async () => {
    const attachment = await inboundAttachment(work, Buffer.concat(chunks), { id: manifest.transfer_id, chunkBytes: CIPHER_CHUNK });
    const received = await decryptAttachment(manifest, attachment, await tempDir('skcomm-received-'));
    expect(received.size).toBe(SIZE);
  });

  test('every single-bit flip, in every chunk and tag, names the chunk', async () => {
    const ciphertext = Buffer.concat(chunks);
    for (let bit = 0; bit < ciphertext.length * 8; bit++) {
      const flipped = Buffer.from(ciphertext);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const error = await rejection(flipped);
      expect(error.chunk, `bit ${bit}`).toBe(Math.floor((bit >> 3) / CIPHER_CHUNK));
    }
  });

  test('swapped chunks', async () => {
    const error = await rejection(Buffer.concat([chunks[1]!, chunks[0]!, chunks[2]!, chunks[3]!]));
    expect(error.chunk).toBe(0);
  });

  test('a chunk repeated in place of another', async () => {
    expect((await rejection(Buffer.concat([chunks[0]!, chunks[0]!, chunks[2]!, chunks[3]!]))).chunk).toBe(1);
  });

  test('a chunk from another transfer of the same file', async () => {
    expect((await rejection(Buffer.concat([chunks[0]!, otherChunks[1]!, chunks[2]!, chunks[3]!]))).chunk).toBe(1);
  });

  test('truncated: the file shorter than announced, or the announced size shorter than the manifest says', async () => {
    const ciphertext = Buffer.concat(chunks);
    expect((await rejection(ciphertext.subarray(0, -1), { size: ciphertext.length })).message).toMatch(/announced/);
    expect((await rejection(ciphertext.subarray(0, -1))).message).toMatch(/manifest implies/);
    expect((await rejection(Buffer.concat(chunks.slice(0, 3)))).message).toMatch(/manifest implies/);
  });

  test('extended: bytes appended, announced or not', async () => {
    const ciphertext = Buffer.concat([...chunks, Buffer.from('x')]);
    await rejection(ciphertext, { size: ciphertext.length - 1 });
    await rejection(ciphertext);
  });

  test('a manifest whose sha256 or size does not match the content', async () => {
    const ciphertext = Buffer.concat(chunks);
    const wrongHash = await rejection(ciphertext, { manifest: { ...manifest, sha256: sha256Of(Buffer.from('other')) } });
    expect(wrongHash.message).toMatch(/does not match the manifest/);
    // A smaller size keeps the same chunk count and chunk size, so only the tags can tell.
    await rejection(ciphertext.subarray(0, -1), { manifest: { ...manifest, size: SIZE - 1 } });
    await rejection(ciphertext, { manifest: { ...manifest, size: SIZE + 1 } });
  });

  test('an attachment of another transfer, or cut into other chunk sizes', async () => {
    const ciphertext = Buffer.concat(chunks);
    const attachment = await inboundAttachment(work, ciphertext, { id: 'a'.repeat(32), chunkBytes: CIPHER_CHUNK });
    const destination = await tempDir('skcomm-received-');
    await expect(decryptAttachment(manifest, attachment, destination)).rejects.toThrow(/does not belong/);
    await expect(decryptAttachment(manifest, { ...attachment, id: manifest.transfer_id, chunkBytes: CIPHER_CHUNK + 1 }, destination)).rejects.toBeInstanceOf(FileIntegrityError);
    expect(await leftoverFiles(destination)).toEqual([]);
  });
});
