import { ErrorCode, TransportError } from '@skcomm/core';

/** Every failure of the file transport. */
export class FileTransportError extends TransportError {}

const UNAVAILABLE = new Set(['ENOENT', 'ENOTDIR', 'ENOTCONN', 'ESTALE', 'EIO', 'ETIMEDOUT', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENODEV', 'ENXIO']);
const EXPLANATIONS: Record<string, string> = {
  ENOENT: 'missing (unmounted, removed, or not synced yet?)',
  ENOTDIR: 'not a directory',
  EACCES: 'not writable (permission denied)',
  EPERM: 'not writable (operation not permitted)',
  EROFS: 'on a read-only file system',
  ENOTCONN: 'not connected (a FUSE or SSHFS mount that went away?)',
  ESTALE: 'a stale network file handle (NFS server restarted?)',
  EIO: 'failing with an I/O error',
};

/**
 * Maps a file-system failure to a FileTransportError. All of them are retryable: a USB
 * stick comes back, a mount reconnects, space gets freed; the router bounds the retries.
 */
export function fromFileSystem(cause: unknown, transport: string, action: string, path: string): FileTransportError {
  if (cause instanceof FileTransportError) return cause;
  const errno = (cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return new FileTransportError(
      `${action}: no space left on the device holding ${path} (${errno}); retry once space is freed`,
      { transport, retryable: true, cause },
      ErrorCode.StorageFull,
    );
  }
  const explanation = EXPLANATIONS[errno];
  const detail = explanation === undefined ? `${path}: ${cause instanceof Error ? cause.message : String(cause)}` : `${path} is ${explanation}`;
  return new FileTransportError(
    `${action}: ${detail}`,
    { transport, retryable: true, cause },
    UNAVAILABLE.has(errno) ? ErrorCode.TransportUnavailable : ErrorCode.Transport,
  );
}

export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}
