import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Writes `bytes` to `<directory>/<name>` so that a reader sees either nothing or the
 * whole file: a temp file in `tempDirectory` (same file system), fsync, rename over the
 * final name, fsync of the directory (through `syncDirectory`, which may share one fsync
 * among concurrent writers). Readers only ever open final names.
 */
export async function writeAtomically(
  directory: string,
  tempDirectory: string,
  name: string,
  bytes: Uint8Array,
  syncDirectory: (path: string) => Promise<void>,
): Promise<string> {
  const tempPath = join(tempDirectory, `${name}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const finalPath = join(directory, name);
  try {
    const handle = await open(tempPath, CREATE_NEW, 0o666);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, finalPath);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
  return finalPath;
}
