/** File-mode checks for secrets at rest (T25). */
import { ErrorCode, KeyError } from '../errors.js';

/** Refuses a file that group or others may read or write. */
export function assertOwnerOnly(mode: number, path: string, what: string): void {
  if (process.platform === 'win32') return; // POSIX mode bits mean nothing there
  if ((mode & 0o077) !== 0) {
    throw new KeyError(
      ErrorCode.InsecurePermissions,
      `${what} ${path} is accessible by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      { field: path },
    );
  }
}
