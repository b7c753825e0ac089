import type { Stats } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { errnoOf, FileTransportError } from './errors.js';

/**
 * Makes `path` exist as a real directory, creating only its last component (never the
 * root above it: a missing root is an unmounted share, not something to create). A
 * symbolic link or a file planted in its place is refused, so writes cannot be steered
 * outside the root. Looks before creating: on the hot path the directory is there and
 * one lstat is the whole cost.
 */
export async function ensureRealDirectory(path: string, transport: string): Promise<void> {
  let stats = await lstatIfPresent(path);
  if (stats === undefined) {
    try {
      await mkdir(path, { mode: 0o777 });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw error;
    }
    stats = await lstat(path);
  }
  refuseUnlessRealDirectory(path, stats, transport);
}

/** Throws the non-retryable refusal when `stats` (from lstat) is not a real directory. */
export function refuseUnlessRealDirectory(path: string, stats: Stats, transport: string): void {
  if (!stats.isDirectory()) {
    throw new FileTransportError(`${path} is not a real directory (${stats.isSymbolicLink() ? 'a symbolic link' : 'a file'}); refusing to use it`, {
      transport,
      retryable: false,
    });
  }
}

/** lstat, or undefined when nothing is at `path`. */
export async function lstatIfPresent(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** Flushes a directory's entries (a rename or unlink in it) to disk. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some network and FUSE file systems cannot fsync a directory; the rename still happened.
    if (!['EINVAL', 'ENOTSUP', 'EOPNOTSUPP', 'EBADF', 'EPERM'].includes(errnoOf(error) ?? '')) throw error;
  } finally {
    await handle.close();
  }
}
