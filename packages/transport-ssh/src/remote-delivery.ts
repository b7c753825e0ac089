/**
 * Writes one envelope into a remote folder so that a reader there sees either nothing
 * or the whole file: `<folder>/.tmp/<id>.<random>.part`, written, fsync'ed (where the
 * server offers fsync@openssh.com), closed, then renamed to `<folder>/<id>.skc.json`.
 */
import type { SshConnection } from './connection.js';
import { SftpStatus, sftpStatusOf, sshError } from './errors.js';
import { envelopeFileName, partFileName, remoteChild, TEMP_DIRECTORY } from './layout.js';
import type { RemoteFiles } from './remote-files.js';

export interface DeliveryRequest {
  directory: string;
  envelopeId: string;
  bytes: Uint8Array;
  transport: string;
  signal?: AbortSignal | undefined;
}

/** Returns the final remote path. Throws SFTP errors as they come (the caller maps them). */
export async function deliverEnvelope(connection: SshConnection, request: DeliveryRequest): Promise<string> {
  const { files } = connection;
  const { directory, signal } = request;
  const tempDirectory = remoteChild(directory, TEMP_DIRECTORY);
  await ensureRemoteDirectory(connection, directory, request.transport);
  await ensureRemoteDirectory(connection, tempDirectory, request.transport);
  signal?.throwIfAborted();
  const folder = folderHandle(connection, directory);

  const tempPath = remoteChild(tempDirectory, partFileName(request.envelopeId));
  const finalPath = remoteChild(directory, envelopeFileName(request.envelopeId));
  let created = false;
  try {
    const handle = await files.open(tempPath, 'wx');
    created = true;
    let synced: boolean;
    try {
      // Not pipelined: ssh2 sends a large write's later packets only as earlier ones are
      // answered, so an fsync sent alongside would overtake them.
      await files.write(handle, Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength));
      synced = await files.fsync(handle);
      signal?.throwIfAborted();
    } catch (error) {
      await files.close(handle).catch(() => undefined);
      throw error;
    }
    await publish(files, { handle, synced, tempPath, finalPath, folder: await folder });
  } catch (error) {
    if (created) await files.unlink(tempPath).catch(() => undefined);
    throw error;
  }
  return finalPath;
}

/**
 * Close, rename into place, fsync of the folder. Once the file's fsync succeeded its
 * bytes are durable, so the three requests go out together (the server handles them in
 * order) and only the rename's outcome matters. Without fsync, a failed close may be the
 * only sign of lost data (NFS reports write-back errors there): it must succeed first.
 */
async function publish(
  files: RemoteFiles,
  step: { handle: Buffer; synced: boolean; tempPath: string; finalPath: string; folder: Buffer | undefined },
): Promise<void> {
  const syncFolder = () => (step.folder === undefined ? Promise.resolve(false) : files.fsync(step.folder).catch(() => false));
  if (!step.synced) {
    await files.close(step.handle);
    await renameIntoPlace(files, step.tempPath, step.finalPath);
    await syncFolder();
    return;
  }
  const [, renamed] = await Promise.allSettled([files.close(step.handle), renameIntoPlace(files, step.tempPath, step.finalPath), syncFolder()]);
  if (renamed.status === 'rejected') throw renamed.reason;
}

/**
 * Makes `path` exist as a real directory, creating only its last component (a missing
 * parent is a missing or unmounted tree, not ours to create). A symbolic link or a file
 * in its place is refused, so writes cannot be steered elsewhere. Checked once per
 * connection and folder.
 */
export async function ensureRemoteDirectory(connection: SshConnection, path: string, transport: string): Promise<void> {
  if (connection.verifiedDirectories.has(path)) return;
  const { files } = connection;
  let stats;
  try {
    stats = await files.lstat(path);
  } catch (error) {
    if (sftpStatusOf(error) !== SftpStatus.NoSuchFile) throw error;
    // A concurrent send may create it first: then mkdir fails and the lstat below decides.
    const mkdirError = await files.mkdir(path).then(
      () => undefined,
      (error: unknown) => error,
    );
    try {
      stats = await files.lstat(path);
    } catch (lstatError) {
      // Still missing: why mkdir failed (permission denied, no parent) is the better reason.
      throw mkdirError ?? lstatError;
    }
  }
  if (!stats.isDirectory()) {
    const what = stats.isSymbolicLink() ? 'a symbolic link' : 'not a directory';
    throw sshError(transport, 'remote-refused', `${connection.endpoint}: ${path} is ${what}; refusing to write through it`);
  }
  connection.verifiedDirectories.add(path);
}

async function renameIntoPlace(files: RemoteFiles, tempPath: string, finalPath: string): Promise<void> {
  try {
    await files.rename(tempPath, finalPath);
  } catch (error) {
    // Plain SFTP rename (no posix-rename@openssh.com) refuses to replace: if the envelope is
    // already there, this was a resend of the same envelope id and the earlier copy stands.
    if (sftpStatusOf(error) !== SftpStatus.Failure || !(await isRegularFile(files, finalPath))) throw error;
    await files.unlink(tempPath);
  }
}

async function isRegularFile(files: RemoteFiles, path: string): Promise<boolean> {
  try {
    return (await files.lstat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * A handle on a remote folder, to fsync it after a rename: OpenSSH's sftp-server opens a
 * directory like a file, and fsync@openssh.com on that handle is fsync(2) on the
 * directory. Opened once per connection and folder; undefined where the server refuses
 * (then renames are as durable as the server's file system makes them).
 */
function folderHandle(connection: SshConnection, path: string): Promise<Buffer | undefined> {
  let handle = connection.directoryHandles.get(path);
  if (handle === undefined) {
    handle = connection.files.open(path, 'r').catch(() => undefined);
    connection.directoryHandles.set(path, handle);
  }
  return handle;
}
