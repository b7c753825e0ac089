/**
 * A directory of envelopes that arrived and were not committed yet. Each arrival is its
 * own file `<arrival ms>-<random>.skc.json`, written so that a crash leaves either
 * nothing or the whole file (temp in `.tmp/`, fsync, rename, fsync of the directory):
 * the server answers 2xx only after that, and whatever was not deleted by commit() is
 * found again on the next start.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const SPOOL_SUFFIX = '.skc.json';
const TEMP_DIRECTORY = '.tmp';
/** Spool entry names: also the ids of the mailbox API, so checked on the way in. */
export const SPOOL_NAME_PATTERN = /^\d{15}-[0-9a-f]{12}\.skc\.json$/;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

export class Spool {
  readonly directory: string;
  private readonly tempDirectory: string;
  /** Names on disk, in arrival order (Set keeps insertion order). */
  private readonly names = new Set<string>();

  constructor(directory: string) {
    this.directory = directory;
    this.tempDirectory = join(directory, TEMP_DIRECTORY);
  }

  /** Creates the directory and learns what a previous run left (temp files of an interrupted write are dropped). */
  async open(): Promise<void> {
    await mkdir(this.tempDirectory, { recursive: true, mode: 0o700 });
    await rm(this.tempDirectory, { recursive: true, force: true });
    await mkdir(this.tempDirectory, { mode: 0o700 });
    this.names.clear();
    const entries = await readdir(this.directory);
    for (const name of entries.filter((entry) => SPOOL_NAME_PATTERN.test(entry)).sort()) this.names.add(name);
  }

  get size(): number {
    return this.names.size;
  }

  /** Durably stores `bytes`; resolves with the entry's name once it is on disk. */
  async write(bytes: Uint8Array): Promise<string> {
    const name = `${String(Date.now()).padStart(15, '0')}-${randomBytes(6).toString('hex')}${SPOOL_SUFFIX}`;
    const tempPath = join(this.tempDirectory, name);
    try {
      const handle = await open(tempPath, CREATE_NEW, 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tempPath, join(this.directory, name));
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    await syncDirectory(this.directory);
    this.names.add(name);
    return name;
  }

  /** The first `limit` names, oldest first. */
  list(limit: number = Number.POSITIVE_INFINITY): string[] {
    const names: string[] = [];
    for (const name of this.names) {
      if (names.length >= limit) break;
      names.push(name);
    }
    return names;
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  /** The bytes of an entry, or undefined when it is gone (committed meanwhile). */
  async read(name: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(join(this.directory, name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.names.delete(name);
        return undefined;
      }
      throw error;
    }
  }

  /** Deletes an entry for good. Deleting one that is already gone is fine. */
  async remove(name: string): Promise<void> {
    try {
      await unlink(join(this.directory, name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.names.delete(name);
    await syncDirectory(this.directory);
  }
}

/** Flushes a directory's entries (a rename or unlink in it) to disk. */
async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some network and FUSE file systems cannot fsync a directory; the rename still happened.
    if (!['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF', 'EPERM'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
