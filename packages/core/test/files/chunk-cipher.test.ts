/** The chunk cipher in memory: exact sizes, round trips, and what the AAD binds. */
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  DEFAULT_FILE_CHUNK_BYTES,
  encryptedFileSize,
  FILE_TAG_BYTES,
  fileChunkCount,
  FileIntegrityError,
  openFileChunk,
  sealFileChunk,
} from '../../src/files/index.js';
import { sampleManifest } from './fixtures.js';

function chunksOf(plaintext: Uint8Array, chunkBytes: number): Uint8Array[] {
  const count = fileChunkCount(plaintext.length, chunkBytes);
  return Array.from({ length: count }, (_, index) => plaintext.subarray(index * chunkBytes, (index + 1) * chunkBytes));
}

describe('chunk cipher', () => {
  test('the default chunk is exactly 64 KiB of ciphertext', () => {
    expect(DEFAULT_FILE_CHUNK_BYTES + FILE_TAG_BYTES).toBe(65_536);
    const manifest = sampleManifest({ size: 3 * DEFAULT_FILE_CHUNK_BYTES, chunk_bytes: DEFAULT_FILE_CHUNK_BYTES });
    expect(sealFileChunk(manifest, 0, new Uint8Array(DEFAULT_FILE_CHUNK_BYTES)).length).toBe(65_536);
    expect(encryptedFileSize(manifest)).toBe(3 * 65_536);
  });

  test('an empty file is one chunk holding only a tag', () => {
    const manifest = sampleManifest({ size: 0 });
    expect(fileChunkCount(0, 32)).toBe(1);
    const sealed = sealFileChunk(manifest, 0, new Uint8Array(0));
    expect(sealed.length).toBe(FILE_TAG_BYTES);
    expect(openFileChunk(manifest, 0, sealed).length).toBe(0);
  });

  test('matches the specification: nonce 0^4 || u64be(i), AAD ctx || id || u64be(i) || u64be(count)', () => {
    const manifest = sampleManifest({ size: 70, chunk_bytes: 32 });
    const plaintext = new Uint8Array(32).fill(7);
    const nonce = Buffer.from('000000000000000000000001', 'hex');
    const aad = Buffer.concat([Buffer.from('skcomm/file/v1'), Buffer.from(manifest.transfer_id), Buffer.from('00000000000000010000000000000003', 'hex')]);
    const cipher = createCipheriv('aes-256-gcm', Buffer.from(manifest.key, 'base64url'), nonce);
    cipher.setAAD(aad);
    const expected = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    expect(Buffer.from(sealFileChunk(manifest, 1, plaintext))).toEqual(expected);
  });

  test('round trip across sizes and chunk sizes; ciphertext size is size + 16 per chunk', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (plaintext, chunkBytes) => {
        const manifest = sampleManifest({ size: plaintext.length, chunk_bytes: chunkBytes });
        const sealed = chunksOf(plaintext, chunkBytes).map((chunk, index) => sealFileChunk(manifest, index, chunk));
        expect(sealed.reduce((sum, chunk) => sum + chunk.length, 0)).toBe(encryptedFileSize(manifest));
        const opened = Buffer.concat(sealed.map((chunk, index) => openFileChunk(manifest, index, chunk)));
        expect([...opened]).toEqual([...plaintext]);
      }),
      { numRuns: 200 },
    );
  });

  test('a chunk opens only at its own index, in its own transfer, with its own count', () => {
    const manifest = sampleManifest({ size: 96, chunk_bytes: 32 });
    const plaintext = new Uint8Array(32).fill(1);
    const sealed = sealFileChunk(manifest, 1, plaintext);
    expect(() => openFileChunk(manifest, 0, sealed)).toThrow(FileIntegrityError);
    expect(() => openFileChunk(manifest, 2, sealed)).toThrow(/chunk 2 of 3 failed authentication/);
    // Same key, another transfer id: the AAD differs.
    expect(() => openFileChunk({ ...manifest, transfer_id: 'f'.repeat(32) }, 1, sealed)).toThrow(FileIntegrityError);
    // Same key and id, a file cut to two chunks: the count in the AAD differs.
    expect(() => openFileChunk({ ...manifest, size: 64 }, 1, sealed)).toThrow(FileIntegrityError);
    expect(Buffer.from(openFileChunk(manifest, 1, sealed))).toEqual(Buffer.from(plaintext));
  });

  test('every single-bit flip of a chunk is detected, naming the chunk', () => {
    const manifest = sampleManifest({ size: 40, chunk_bytes: 32 });
    const sealed = sealFileChunk(manifest, 1, new Uint8Array(8).fill(9));
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const flipped = Uint8Array.from(sealed);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      let error: unknown;
      try {
        openFileChunk(manifest, 1, flipped);
      } catch (caught) {
        error = caught;
      }
      expect(error, `bit ${bit}`).toBeInstanceOf(FileIntegrityError);
      expect((error as FileIntegrityError).chunk).toBe(1);
    }
  });

  test('wrong lengths: ciphertext is a FileIntegrityError, misuse of seal or an index out of range a RangeError', () => {
    const manifest = sampleManifest({ size: 40, chunk_bytes: 32 });
    expect(() => openFileChunk(manifest, 0, new Uint8Array(47))).toThrow(FileIntegrityError);
    expect(() => sealFileChunk(manifest, 1, new Uint8Array(9))).toThrow(RangeError);
    expect(() => sealFileChunk(manifest, 2, new Uint8Array(8))).toThrow(RangeError);
    expect(() => openFileChunk(manifest, -1, new Uint8Array(48))).toThrow(RangeError);
    expect(() => openFileChunk(manifest, 0.5, new Uint8Array(48))).toThrow(RangeError);
  });
});
