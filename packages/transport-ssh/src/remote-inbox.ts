/**
 * Pulls envelope files from a remote folder without trusting it: only names of the form
 * `<envelope_id>.skc.json`; only regular files (the listing comes from the server's
 * lstat, so a symbolic link is seen as one and never followed); nothing over the size
 * limit is read; a file must still be the same regular file of the same size after it
 * was read. Files refused are left where they are and reported once.
 */
import type { Logger } from '@skcomm/core';
import type { SshConnection } from './connection.js';
import { SftpStatus, sftpStatusOf } from './errors.js';
import { envelopeIdOfName, remoteChild } from './layout.js';
import type { RemoteFiles, RemoteStats } from './remote-files.js';

export interface RemoteEnvelopeFile {
  name: string;
  path: string;
  bytes: Uint8Array;
}

type Reading = { outcome: 'read'; bytes: Uint8Array } | { outcome: 'skip'; reason: string; report: boolean };

const MAX_REMEMBERED_REPORTS = 10_000;
const READS_IN_FLIGHT = 16;

export class RemoteInbox {
  private readonly reported = new Set<string>();

  constructor(
    readonly directory: string,
    private readonly maxBytes: number,
    private readonly transport: string,
    private readonly logger: Logger,
  ) {}

  /** Lists and reads up to `limit` envelope files, oldest name first. Throws SFTP errors from the listing. */
  async scan(connection: SshConnection, limit = Infinity): Promise<RemoteEnvelopeFile[]> {
    const candidates = (await connection.files.readdir(this.directory))
      .filter((entry) => envelopeIdOfName(entry.name) !== undefined)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const found: RemoteEnvelopeFile[] = [];
    // SFTP requests pipeline on one channel: a few reads at a time hide the round trips.
    for (let next = 0; next < candidates.length && found.length < limit; ) {
      const batch = candidates.slice(next, next + Math.min(READS_IN_FLIGHT, limit - found.length));
      next += batch.length;
      const readings = await Promise.all(batch.map((entry) => this.read(connection.files, remoteChild(this.directory, entry.name), entry.stats)));
      batch.forEach((entry, index) => {
        const reading = readings[index] as Reading;
        const path = remoteChild(this.directory, entry.name);
        if (reading.outcome === 'read') found.push({ name: entry.name, path, bytes: reading.bytes });
        else if (reading.report) this.reportOnce(entry.name, reading.reason);
        else this.logger.debug('ssh transport: skipped a remote entry for now', { transport: this.transport, name: entry.name, reason: reading.reason });
      });
    }
    return found;
  }

  /**
   * Deletes a file that was read; one already gone is fine. A copy written again under
   * the same name since carries the same envelope id, which the receiver has now seen.
   */
  async commit(connection: SshConnection, file: RemoteEnvelopeFile): Promise<void> {
    try {
      await connection.files.unlink(file.path);
    } catch (error) {
      if (sftpStatusOf(error) !== SftpStatus.NoSuchFile) throw error;
    }
  }

  /**
   * A refusal by the server (an SFTP status: permission denied, an I/O error) skips this
   * one entry; anything else (the connection lost, a timeout) fails the whole scan.
   */
  private async read(files: RemoteFiles, path: string, listed: RemoteStats): Promise<Reading> {
    try {
      return await this.readChecked(files, path, listed);
    } catch (error) {
      const status = sftpStatusOf(error);
      if (status === undefined) throw error;
      if (status === SftpStatus.NoSuchFile) return { outcome: 'skip', reason: 'vanished before it could be read', report: false };
      return { outcome: 'skip', reason: `could not be read (${(error as Error).message})`, report: true };
    }
  }

  private async readChecked(files: RemoteFiles, path: string, listed: RemoteStats): Promise<Reading> {
    const refusal = refuseByType(listed, this.maxBytes);
    if (refusal !== undefined) return refusal;

    const handle = await files.open(path, 'r');
    let bytes: Buffer;
    try {
      // fstat follows what open followed: a name swapped for a link since the listing shows here.
      const opened = await files.fstat(handle);
      const openedRefusal = refuseByType(opened, this.maxBytes);
      if (openedRefusal !== undefined) return openedRefusal;
      if (opened.size !== listed.size) return { outcome: 'skip', reason: 'its size changed since the listing: still being written', report: false };
      bytes = await readUpTo(files, handle, opened.size + 1);
    } finally {
      await files.close(handle).catch(() => undefined);
    }
    if (bytes.length !== listed.size) return { outcome: 'skip', reason: 'its size changed while it was read: still being written', report: false };
    // The name must still be the regular file that was listed (not swapped for a link and back).
    const after = await files.lstat(path);
    if (!after.isFile() || after.size !== listed.size || after.mtime !== listed.mtime) {
      return { outcome: 'skip', reason: 'it changed while it was read', report: false };
    }
    return { outcome: 'read', bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  }

  private reportOnce(name: string, reason: string): void {
    if (this.reported.has(name)) return;
    if (this.reported.size >= MAX_REMEMBERED_REPORTS) this.reported.clear();
    this.reported.add(name);
    this.logger.warn('ssh transport: left a remote entry alone', { transport: this.transport, folder: this.directory, name, reason });
  }
}

function refuseByType(stats: RemoteStats, maxBytes: number): Reading | undefined {
  if (stats.isSymbolicLink()) return { outcome: 'skip', reason: 'a symbolic link (never followed)', report: true };
  if (stats.isDirectory()) return { outcome: 'skip', reason: 'a directory named like an envelope', report: true };
  if (!stats.isFile()) return { outcome: 'skip', reason: 'not a regular file (a FIFO, socket or device)', report: true };
  if (stats.size > maxBytes) return { outcome: 'skip', reason: `${stats.size} bytes, over the limit of ${maxBytes}`, report: true };
  if (stats.size === 0) return { outcome: 'skip', reason: 'empty: a writer that does not rename may still be copying it in', report: false };
  return undefined;
}

/** Reads from offset 0 until end of file or `limit` bytes, whichever comes first. */
async function readUpTo(files: RemoteFiles, handle: Buffer, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const bytesRead = await files.read(handle, buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}
