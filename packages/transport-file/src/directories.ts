import { lstat, mkdir, open } from 'node:fs/promises';
import { errnoOf, FileTransportError } from './errors.js';

/**
 * Makes `path` exist as a real directory, creating only its last component (never the
 * root above it: a missing root is an unmounted share, not something to create). A
 * symbolic link or a file planted in its place is refused, so writes cannot be steered
 * outside the root.
 */
export async function ensureRealDirectory(path: string, transport: string): Promise<void> {
  try {
    await mkdir(path, { mode: 0o777 });
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw error;
  }
  const stats = await lstat(path);
  if (!stats.isDirectory()) {
    throw new FileTransportError(`${path} is not a real directory (${stats.isSymbolicLink() ? 'a symbolic link' : 'a file'}); refusing to use it`, {
      transport,
      retryable: false,
    });
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
