/** A file edited while it is hashed or sent fails with FileChangedError, not with a corrupt transfer. */
import { randomBytes } from 'node:crypto';
import { appendFileSync, truncateSync } from 'node:fs';
import { truncate, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { FileChangedError, prepareOutgoingFile } from '../../src/files/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

const MIB = 1024 * 1024;

async function sourceFile(size: number): Promise<string> {
  const path = join(await tempDir('skcomm-changed-'), 'moving.bin');
  await writeFile(path, randomBytes(size));
  return path;
}

describe('FileChangedError', () => {
  test('the file shrinks while it is being hashed', async () => {
    const path = await sourceFile(3 * MIB);
    const preparing = prepareOutgoingFile(path, { onHashProgress: () => truncateSync(path, MIB + 10) });
    await expect(preparing).rejects.toBeInstanceOf(FileChangedError);
    await expect(preparing).rejects.toMatchObject({ code: ErrorCode.FileChanged });
  });

  test('the file grows while it is being hashed', async () => {
    const path = await sourceFile(3 * MIB);
    let grown = false;
    const preparing = prepareOutgoingFile(path, {
      onHashProgress: () => {
        if (!grown) appendFileSync(path, 'more');
        grown = true;
      },
    });
    await expect(preparing).rejects.toBeInstanceOf(FileChangedError);
  });

  test('the file shrinks after the manifest is made: the chunks past the new end fail', async () => {
    const path = await sourceFile(1000);
    const outgoing = await prepareOutgoingFile(path, { chunkBytes: 100 });
    await expect(outgoing.attachment.readChunk(9)).resolves.toHaveLength(116);
    await truncate(path, 500);
    await expect(outgoing.attachment.readChunk(9)).rejects.toBeInstanceOf(FileChangedError);
    // Even chunks that still exist: the size no longer matches the manifest.
    await expect(outgoing.attachment.readChunk(0)).rejects.toBeInstanceOf(FileChangedError);
    await outgoing.close();
  });

  test('the file is rewritten in place (same size, new mtime)', async () => {
    const path = await sourceFile(1000);
    const outgoing = await prepareOutgoingFile(path, { chunkBytes: 100 });
    await utimes(path, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    await expect(outgoing.attachment.readChunk(0)).rejects.toBeInstanceOf(FileChangedError);
    await outgoing.close();
  });
});
