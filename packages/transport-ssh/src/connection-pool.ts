/**
 * Reuses one connection per `user@host:port`. Concurrent users share one connect
 * attempt; a connection nobody has used for `idleTimeoutMs` is closed; a connection
 * that closes (server gone, keepalive lost, a wedged request) is forgotten, and the next
 * use connects again. After close(), nothing connects any more.
 */
import { endpointOf } from './address.js';
import type { SshConnection, SshEndpoint } from './connection.js';

interface PoolEntry {
  connection: SshConnection | undefined;
  connecting: Promise<SshConnection> | undefined;
  users: number;
  idleTimer: NodeJS.Timeout | undefined;
}

export class ConnectionPool {
  private readonly entries = new Map<string, PoolEntry>();
  private closed = false;

  constructor(
    private readonly connect: (endpoint: SshEndpoint) => Promise<SshConnection>,
    private readonly idleTimeoutMs: number,
    /** Builds the error thrown when the pool is used after close(). */
    private readonly closedError: () => Error,
  ) {}

  /** Runs `work` on a live connection to `endpoint`, connecting first when needed. */
  async use<T>(endpoint: SshEndpoint, work: (connection: SshConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.closed) throw this.closedError();
    const key = endpointOf(endpoint);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { connection: undefined, connecting: undefined, users: 0, idleTimer: undefined };
      this.entries.set(key, entry);
    }
    entry.users++;
    clearTimeout(entry.idleTimer);
    try {
      const connection = await abortable(this.connectionFor(key, entry, endpoint), signal);
      signal?.throwIfAborted();
      return await work(connection);
    } finally {
      entry.users--;
      if (entry.users === 0) this.scheduleIdleClose(key, entry);
    }
  }

  /** Closes every connection; use() fails from now on. */
  close(): void {
    this.closed = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.idleTimer);
      entry.connection?.close();
    }
    this.entries.clear();
  }

  private connectionFor(key: string, entry: PoolEntry, endpoint: SshEndpoint): Promise<SshConnection> {
    if (entry.connection !== undefined && !entry.connection.isClosed()) return Promise.resolve(entry.connection);
    entry.connection = undefined;
    entry.connecting ??= this.establish(key, entry, endpoint);
    return entry.connecting;
  }

  private async establish(key: string, entry: PoolEntry, endpoint: SshEndpoint): Promise<SshConnection> {
    let connection: SshConnection;
    try {
      connection = await this.connect(endpoint);
    } finally {
      entry.connecting = undefined;
    }
    if (this.closed) {
      connection.close();
      throw this.closedError();
    }
    entry.connection = connection;
    connection.onClose(() => {
      if (entry.connection === connection) entry.connection = undefined;
      if (entry.users === 0 && this.entries.get(key) === entry) this.entries.delete(key);
    });
    // Everyone who waited for it has given up (aborted): it still gets closed when idle.
    if (entry.users === 0) this.scheduleIdleClose(key, entry);
    return connection;
  }

  private scheduleIdleClose(key: string, entry: PoolEntry): void {
    clearTimeout(entry.idleTimer);
    // A connect under way schedules this again when it lands.
    if (entry.connecting !== undefined) return;
    const closeIdle = () => {
      if (entry.users > 0) return;
      if (this.entries.get(key) === entry) this.entries.delete(key);
      entry.connection?.close();
    };
    if (this.idleTimeoutMs === 0) {
      closeIdle();
      return;
    }
    entry.idleTimer = setTimeout(closeIdle, this.idleTimeoutMs);
  }
}

/** `promise`, or the abort reason as soon as `signal` aborts (the work itself goes on for other users). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
