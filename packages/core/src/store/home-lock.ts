/**
 * One daemon per home: `state/daemon.lock` holds the owner's pid. The file is created
 * exclusively; a lock whose pid no longer runs (a daemon killed with -9) is stale and is
 * taken over. Releasing removes the file only if it still names this process.
 */
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCode, SkcommError, StorageError } from '../errors.js';
import { errnoOf, writeFileAtomic } from './fs-atomic.js';

export interface HomeLock {
  readonly path: string;
  readonly pid: number;
  release(): Promise<void>;
}

export async function acquireHomeLock(path: string, pid: number = process.pid): Promise<HomeLock> {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot create ${dirname(path)}`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFileAtomic(path, `${pid}\n`, { exclusive: true });
      return { path, pid, release: () => releaseLock(path, pid) };
    } catch (error) {
      if (!SkcommError.hasCode(error, ErrorCode.AlreadyExists)) throw error;
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== pid && isRunning(owner)) {
      throw new StorageError(ErrorCode.AlreadyExists, `a daemon (pid ${owner}) is already running on this home (${path})`);
    }
    // Stale (or unreadable, or our own pid reused): take it over.
    await unlink(path).catch((cause: unknown) => {
      if (errnoOf(cause) !== 'ENOENT') throw StorageError.fromFs(cause, `cannot remove the stale lock ${path}`);
    });
  }
  throw new StorageError(ErrorCode.AlreadyExists, `cannot take the lock ${path}: another process keeps taking it`);
}

async function releaseLock(path: string, pid: number): Promise<void> {
  if ((await readOwner(path)) !== pid) return;
  await unlink(path).catch(() => undefined);
}

async function readOwner(path: string): Promise<number | undefined> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return errnoOf(error) === 'EPERM';
  }
}
