/**
 * The SFTP requests this transport makes, as promises with a timeout each. A request
 * that times out may have wedged the channel (an sftp-server blocked opening a FIFO, a
 * dead link), so `onTimeout` drops the whole connection; the next use reconnects.
 */
import type { SFTPWrapper, Stats } from 'ssh2';
import { sshError } from './errors.js';

export type { Stats as RemoteStats } from 'ssh2';

export interface RemoteEntry {
  name: string;
  /** From the server's lstat: a symbolic link is reported as one, never followed. */
  stats: Stats;
}

/** Thrown synchronously by ssh2 for an OpenSSH extension the server did not announce. */
const UNSUPPORTED_EXTENSION = /does not support this extended request/;

export class RemoteFiles {
  constructor(
    private readonly sftp: SFTPWrapper,
    private readonly settings: { timeoutMs: number; transport: string; endpoint: string; onTimeout: () => void },
  ) {}

  lstat(path: string): Promise<Stats> {
    return this.request(`lstat ${path}`, (done) => this.sftp.lstat(path, done));
  }

  fstat(handle: Buffer): Promise<Stats> {
    return this.request('fstat', (done) => this.sftp.fstat(handle, done));
  }

  async mkdir(path: string): Promise<void> {
    await this.request(`mkdir ${path}`, (done) => this.sftp.mkdir(path, done));
  }

  /** `flags`: 'r' to read, 'wx' to create a new file (fails if the name exists). */
  open(path: string, flags: 'r' | 'wx'): Promise<Buffer> {
    return this.request(`open ${path}`, (done) => this.sftp.open(path, flags, done));
  }

  async close(handle: Buffer): Promise<void> {
    await this.request('close', (done) => this.sftp.close(handle, done));
  }

  /** Writes all of `bytes` at `position` (ssh2 splits it into packets the server accepts). */
  async write(handle: Buffer, bytes: Buffer, position = 0): Promise<void> {
    await this.request('write', (done) => this.sftp.write(handle, bytes, 0, bytes.length, position, done));
  }

  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; 0 at end of file. */
  read(handle: Buffer, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.request<number>('read', (done) =>
      this.sftp.read(handle, buffer, offset, length, position, (error: Error | undefined, bytesRead: number) => {
        // End of file comes back as an EOF status rather than 0 bytes.
        if ((error as { code?: unknown } | undefined)?.code === 1) done(undefined, 0);
        else done(error, bytesRead);
      }),
    );
  }

  readdir(path: string): Promise<RemoteEntry[]> {
    return this.request(`readdir ${path}`, (done) =>
      this.sftp.readdir(path, (error, list) => done(error, error ? [] : list.map((entry) => ({ name: entry.filename, stats: entry.attrs })))),
    );
  }

  async unlink(path: string): Promise<void> {
    await this.request(`unlink ${path}`, (done) => this.sftp.unlink(path, done));
  }

  /**
   * Renames over an existing `to` atomically (OpenSSH's posix-rename@openssh.com) when the
   * server offers it; otherwise plain SFTP rename, which fails when `to` exists.
   * Returns which one ran.
   */
  async rename(from: string, to: string): Promise<'posix' | 'plain'> {
    try {
      await this.request(`rename ${from}`, (done) => this.sftp.ext_openssh_rename(from, to, done));
      return 'posix';
    } catch (error) {
      if (!UNSUPPORTED_EXTENSION.test((error as Error).message)) throw error;
    }
    await this.request(`rename ${from}`, (done) => this.sftp.rename(from, to, done));
    return 'plain';
  }

  /** fsync@openssh.com on an open handle. Returns false when the server lacks it (the data is still written). */
  async fsync(handle: Buffer): Promise<boolean> {
    try {
      await this.request('fsync', (done) => this.sftp.ext_openssh_fsync(handle, done));
      return true;
    } catch (error) {
      if (UNSUPPORTED_EXTENSION.test((error as Error).message)) return false;
      throw error;
    }
  }

  private request<T = void>(what: string, start: (done: (error: Error | undefined | null, value?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(sshError(this.settings.transport, 'timeout', `${this.settings.endpoint}: ${what} took longer than ${this.settings.timeoutMs} ms`));
        this.settings.onTimeout();
      }, this.settings.timeoutMs);
      try {
        start((error, value) => {
          clearTimeout(timer);
          if (error) reject(error);
          else resolve(value as T);
        });
      } catch (error) {
        // ssh2 throws synchronously for bad arguments, a closed channel, or a missing extension.
        clearTimeout(timer);
        reject(error);
      }
    });
  }
}
