/** A file on disk -> prepareOutgoingFile -> ciphertext attachment -> decryptAttachment -> the same file. */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode, StorageError } from '../../src/index.js';
import { decryptAttachment, encryptedFileSize, FILE_TAG_BYTES, type FileManifest, prepareOutgoingFile } from '../../src/files/index.js';
import { modeOf, removeTempDirs, tempDir } from '../helpers/temp.js';
import { inboundAttachment, readAllChunks, sha256Of } from './fixtures.js';

afterAll(removeTempDirs);

const CHUNK = 64;

/** Sends `content` as file `name` through a ciphertext attachment into `destination`. */
async function transfer(content: Uint8Array, options: { name?: string; destination?: string; chunkBytes?: number } = {}) {
  const work = await tempDir('skcomm-files-');
  const source = join(work, options.name ?? 'payload.bin');
  await writeFile(source, content);
  const outgoing = await prepareOutgoingFile(source, { chunkBytes: 'chunkBytes' in options ? options.chunkBytes : CHUNK });
  const chunks = await readAllChunks(outgoing);
  await outgoing.close();
  const attachment = await inboundAttachment(work, Buffer.concat(chunks), { id: outgoing.attachment.id, chunkBytes: outgoing.attachment.chunkBytes });
  const destination = options.destination ?? (await tempDir('skcomm-received-'));
  const progress: number[] = [];
  const received = await decryptAttachment(outgoing.manifest, attachment, destination, { onProgress: (done) => progress.push(done) });
  return { outgoing, chunks, received, destination, progress };
}

describe('prepareOutgoingFile + decryptAttachment', () => {
  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK + 17]) {
    test(`round trip of ${size} bytes`, async () => {
      const content = randomBytes(size);
      const { outgoing, chunks, received, progress } = await transfer(content);
      const count = Math.max(1, Math.ceil(size / CHUNK));
      expect(outgoing.manifest).toMatchObject({ size, sha256: sha256Of(content), chunk_bytes: CHUNK, name: 'payload.bin' });
      expect(outgoing.attachment).toMatchObject({ id: outgoing.manifest.transfer_id, chunkBytes: CHUNK + FILE_TAG_BYTES, size: size + FILE_TAG_BYTES * count });
      expect(chunks).toHaveLength(count);
      expect(chunks.slice(0, -1).every((chunk) => chunk.length === CHUNK + FILE_TAG_BYTES)).toBe(true);
      expect(await readFile(received.path)).toEqual(content);
      expect(received.size).toBe(size);
      expect(modeOf(await stat(received.path))).toBe(0o600);
      expect(progress.at(-1)).toBe(size);
      expect(progress).toHaveLength(count);
    });
  }

  test('the default chunk size and a multi-megabyte file', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 5);
    const { outgoing, chunks, received } = await transfer(content, { chunkBytes: undefined });
    expect(outgoing.attachment.chunkBytes).toBe(65_536);
    expect(chunks).toHaveLength(Math.ceil(content.length / 65_520));
    expect(sha256Of(await readFile(received.path))).toBe(sha256Of(content));
  });

  test('a taken name becomes "name (1).ext", "name (2).ext"; nothing is overwritten', async () => {
    const destination = await tempDir('skcomm-received-');
    await writeFile(join(destination, 'notes.txt'), 'mine');
    const first = await transfer(randomBytes(10), { name: 'notes.txt', destination });
    const second = await transfer(randomBytes(10), { name: 'notes.txt', destination });
    expect(first.received.path).toBe(join(destination, 'notes (1).txt'));
    expect(second.received.path).toBe(join(destination, 'notes (2).txt'));
    expect(await readFile(join(destination, 'notes.txt'), 'utf8')).toBe('mine');
    expect((await readdir(destination)).sort()).toEqual(['.partial', 'notes (1).txt', 'notes (2).txt', 'notes.txt']);
    expect(await readdir(join(destination, '.partial'))).toEqual([]);
  });

  test("the sender's name is only a display name: a hostile one stays inside the destination", async () => {
    const work = await tempDir('skcomm-files-');
    const source = join(work, 'a.bin');
    await writeFile(source, 'data');
    const outgoing = await prepareOutgoingFile(source, { chunkBytes: CHUNK });
    const chunks = await readAllChunks(outgoing);
    await outgoing.close();
    const destination = await tempDir('skcomm-received-');
    for (const name of ['../../escape.txt', '/etc/passwd', '..', '.bashrc']) {
      const manifest: FileManifest = { ...outgoing.manifest, name };
      const attachment = await inboundAttachment(work, Buffer.concat(chunks), { id: manifest.transfer_id, chunkBytes: CHUNK + FILE_TAG_BYTES });
      const received = await decryptAttachment(manifest, attachment, destination);
      expect(join(received.path, '..')).toBe(destination);
    }
    expect((await readdir(destination)).sort()).toEqual(['.partial', 'bashrc', 'escape.txt', 'file', 'passwd']);
  });

  test('resume: the same id, key and hash encrypt every chunk to the same ciphertext', async () => {
    const work = await tempDir('skcomm-files-');
    const source = join(work, 'big.bin');
    await writeFile(source, randomBytes(4 * CHUNK + 3));
    const first = await prepareOutgoingFile(source, { chunkBytes: CHUNK, mediaType: 'application/octet-stream' });
    const { transfer_id: transferId, key, sha256 } = first.manifest;
    let hashed = false;
    const resumed = await prepareOutgoingFile(source, { chunkBytes: CHUNK, mediaType: 'application/octet-stream', resume: { transferId, key, sha256 }, onHashProgress: () => (hashed = true) });
    expect(hashed).toBe(false);
    expect(resumed.manifest).toEqual(first.manifest);
    // The transport may ask for any chunk, in any order, concurrently.
    const order = [3, 0, 4, 1, 2];
    const resumedChunks = await Promise.all(order.map((index) => resumed.attachment.readChunk(index)));
    const firstChunks = await readAllChunks(first);
    order.forEach((index, position) => expect(Buffer.from(resumedChunks[position]!)).toEqual(Buffer.from(firstChunks[index]!)));
    expect(encryptedFileSize(first.manifest)).toBe(first.attachment.size);
    await Promise.all([first.close(), resumed.close(), resumed.close()]);
  });

  test('reports hashing progress up to the size', async () => {
    const work = await tempDir('skcomm-files-');
    const source = join(work, 'hash.bin');
    await writeFile(source, randomBytes(2 * 1024 * 1024 + 1));
    const progress: Array<[number, number]> = [];
    const outgoing = await prepareOutgoingFile(source, { onHashProgress: (hashed, size) => progress.push([hashed, size]) });
    await outgoing.close();
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toEqual([2 * 1024 * 1024 + 1, 2 * 1024 * 1024 + 1]);
  });

  test('refuses what is not a regular file, and a missing file, with typed errors', async () => {
    const work = await tempDir('skcomm-files-');
    await mkdir(join(work, 'folder'));
    await expect(prepareOutgoingFile(join(work, 'folder'))).rejects.toSatisfy((error) => StorageError.hasCode(error, ErrorCode.Storage));
    await expect(prepareOutgoingFile(join(work, 'missing'))).rejects.toSatisfy((error) => StorageError.hasCode(error, ErrorCode.NotFound));
  });

  test('decryptAttachment refuses a symlinked attachment file', async () => {
    const work = await tempDir('skcomm-files-');
    const source = join(work, 'a.bin');
    await writeFile(source, 'data');
    const outgoing = await prepareOutgoingFile(source, { chunkBytes: CHUNK });
    const chunks = await readAllChunks(outgoing);
    await outgoing.close();
    const attachment = await inboundAttachment(work, Buffer.concat(chunks), { id: outgoing.manifest.transfer_id, chunkBytes: CHUNK + FILE_TAG_BYTES });
    const link = join(work, 'link.attachment');
    await symlink(attachment.path, link);
    const destination = await tempDir('skcomm-received-');
    await expect(decryptAttachment(outgoing.manifest, { ...attachment, path: link }, destination)).rejects.toBeInstanceOf(StorageError);
  });

  test('readChunk after close and out of range fail cleanly', async () => {
    const work = await tempDir('skcomm-files-');
    const source = join(work, 'a.bin');
    await writeFile(source, randomBytes(100));
    const outgoing = await prepareOutgoingFile(source, { chunkBytes: CHUNK });
    await expect(outgoing.attachment.readChunk(2)).rejects.toBeInstanceOf(RangeError);
    await outgoing.close();
    await expect(outgoing.attachment.readChunk(0)).rejects.toBeInstanceOf(StorageError);
  });
});
