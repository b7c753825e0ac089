/**
 * The CapAuth tokens the relay accepted, kept until they leave the window and across
 * restarts (threat model T14): a token captured within its window must not open a second
 * connection after a crash or an upgrade either. Only a token's SHA-256 is held and
 * written, never the token (it is a credential).
 *
 * `<dataDir>/seen-tokens.log`, append-only, one line per accepted token:
 * `<sha256 hex> <expires, unix s> <crc32 hex>`. `commit` resolves once its line is
 * fdatasynced; lines queued while a write + fdatasync runs share the next one (group
 * commit). On open, expired and unreadable lines (a torn tail, garbage) are dropped and
 * the file is rewritten compacted (temp file, rename, directory fsync); while running it
 * is rewritten again once it holds more than 4× the live entries.
 */
import { createHash } from 'node:crypto';
import { type FileHandle, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ErrorCode, type Logger, SkcommError, StorageError } from '@skcomm/core';
import { readRegularFile, syncDirectory, writeFileAtomic } from '@skcomm/core/store';

export const SEEN_TOKENS_FILE = 'seen-tokens.log';

/** Lines are ~84 bytes: this is millions of entries, far more than a window can hold; it bounds a hostile file. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const LINE_PATTERN = /^([0-9a-f]{64}) (\d{1,12}) ([0-9a-f]{8})$/;
/** writeFileAtomic's temp files, left behind only by a crash during a rewrite. */
const TEMP_PATTERN = /^\.seen-tokens\.log\.[0-9a-f]+\.tmp$/;
const COMPACTION_FACTOR = 4;
const DEFAULT_MIN_COMPACTION_LINES = 4096;

export interface SeenTokenLine {
  digest: string;
  expiresAtSeconds: number;
}

/** What the store keeps in place of a token. */
export function digestToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function encodeSeenTokenLine(entry: SeenTokenLine): string {
  const body = `${entry.digest} ${entry.expiresAtSeconds}`;
  return `${body} ${checksumOf(body)}\n`;
}

/** One line without its newline; undefined for anything this store did not write whole. */
export function decodeSeenTokenLine(line: string): SeenTokenLine | undefined {
  const match = LINE_PATTERN.exec(line);
  if (!match) return undefined;
  const [, digest = '', expires = '', checksum] = match;
  if (checksumOf(`${digest} ${expires}`) !== checksum) return undefined;
  return { digest, expiresAtSeconds: Number(expires) };
}

export interface SeenTokensOptions {
  logger: Logger;
  nowSeconds?: () => number;
  /** The file is never rewritten while running below this many lines. Default 4096. */
  minCompactionLines?: number;
}

export interface SeenTokensLoad {
  /** Entries still inside their window. */
  live: number;
  expired: number;
  /** Lines skipped: torn, garbage or a bad checksum. */
  unreadable: number;
}

interface Entry {
  expiresAtSeconds: number;
  /** On disk; a claimed entry not yet committed is only held in memory. */
  durable: boolean;
}

interface QueuedCommit {
  line: string;
  digest: string;
  resolve(): void;
  reject(error: Error): void;
}

export class SeenTokens {
  private readonly entries = new Map<string, Entry>();
  private durableEntries = 0;
  /** Lines in the file (an upper bound after a failed write). */
  private fileLines = 0;
  private compactionFloor: number;
  /** After a failed write the file may end inside a line: the next write starts a new one. */
  private separatorNeeded = false;
  private lastPruneSeconds = -1;
  private handle: FileHandle | undefined;
  private queue: QueuedCommit[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly directory: string,
    private readonly logger: Logger,
    private readonly nowSeconds: () => number,
    private readonly minCompactionLines: number,
  ) {
    this.compactionFloor = minCompactionLines;
  }

  get path(): string {
    return join(this.directory, SEEN_TOKENS_FILE);
  }

  /**
   * Loads `<directory>/seen-tokens.log` and rewrites it without expired and unreadable
   * lines. Throws a StorageError when the file cannot be read: starting without knowing
   * which tokens were used would reopen replays.
   */
  static async open(directory: string, options: SeenTokensOptions): Promise<{ seen: SeenTokens; load: SeenTokensLoad }> {
    const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
    const seen = new SeenTokens(directory, options.logger, nowSeconds, Math.max(1, options.minCompactionLines ?? DEFAULT_MIN_COMPACTION_LINES));
    await mkdir(directory, { recursive: true, mode: 0o700 });
    await removeLeftoverTemps(directory, options.logger);
    let text = '';
    try {
      text = (await readRegularFile(seen.path, MAX_FILE_BYTES)).toString('latin1');
    } catch (error) {
      if (!SkcommError.hasCode(error, ErrorCode.NotFound)) throw error;
    }
    const lines = text.split('\n');
    // Whatever follows the last newline is a torn write (or nothing).
    const tail = lines.pop() ?? '';
    const load: SeenTokensLoad = { live: 0, expired: 0, unreadable: tail === '' ? 0 : 1 };
    const now = nowSeconds();
    for (const line of lines) {
      const entry = decodeSeenTokenLine(line);
      if (entry === undefined) {
        // A blank line is the separator written after a failed append, not damage.
        if (line !== '') load.unreadable++;
      } else if (entry.expiresAtSeconds < now) load.expired++;
      else {
        const previous = seen.entries.get(entry.digest)?.expiresAtSeconds ?? 0;
        seen.entries.set(entry.digest, { expiresAtSeconds: Math.max(previous, entry.expiresAtSeconds), durable: true });
      }
    }
    seen.durableEntries = load.live = seen.entries.size;
    if (load.unreadable > 0) {
      options.logger.warn('skipped unreadable lines in the seen-token file (a torn write or damage)', { file: seen.path, lines: load.unreadable });
    }
    seen.fileLines = lines.length + (tail === '' ? 0 : 1);
    if (seen.fileLines !== seen.entries.size) {
      try {
        await seen.rewrite();
      } catch (error) {
        // The file still holds every live entry (and more): appending to it stays correct.
        options.logger.warn('could not compact the seen-token file', { file: seen.path, error: error instanceof Error ? error.message : String(error) });
      }
    }
    return { seen, load };
  }

  has(digest: string): boolean {
    return this.entries.has(digest);
  }

  /** Held in memory from now on (so a concurrent use is refused); durable once `commit` resolves. */
  claim(digest: string, expiresAtSeconds: number): void {
    if (!this.entries.has(digest)) this.entries.set(digest, { expiresAtSeconds, durable: false });
  }

  /** Forgets a claim that was not committed (the token failed its check, or could not be recorded). */
  release(digest: string): void {
    if (this.entries.get(digest)?.durable === false) this.entries.delete(digest);
  }

  /** Writes a claimed entry; resolves once it is on disk, rejects with a StorageError when it cannot be written. */
  commit(digest: string): Promise<void> {
    const entry = this.entries.get(digest);
    // Pruned since it was claimed: its time has left the window, so no check accepts it again.
    if (entry === undefined) return Promise.resolve();
    if (this.closed) return Promise.reject(new StorageError(ErrorCode.Storage, 'the seen-token store is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ line: encodeSeenTokenLine({ digest, expiresAtSeconds: entry.expiresAtSeconds }), digest, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Forgets entries past their expiry (at most once per second of `nowSeconds`). */
  prune(nowSeconds: number): void {
    if (nowSeconds === this.lastPruneSeconds) return;
    this.lastPruneSeconds = nowSeconds;
    for (const [digest, entry] of this.entries) {
      if (entry.expiresAtSeconds >= nowSeconds) continue;
      this.entries.delete(digest);
      if (entry.durable) this.durableEntries--;
    }
  }

  /** Entries held, committed or not. */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    await this.closeHandle();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = await this.appendHandle();
          // appendFile (unlike one write) goes on until every byte is written or it fails.
          await handle.appendFile(`${this.separatorNeeded ? '\n' : ''}${batch.map((item) => item.line).join('')}`, 'latin1');
          await handle.datasync();
          this.fileLines += batch.length + (this.separatorNeeded ? 1 : 0);
          this.separatorNeeded = false;
        } catch (cause) {
          this.separatorNeeded = true;
          await this.closeHandle();
          const error = StorageError.fromFs(cause, `cannot record accepted tokens in ${this.path}`);
          for (const item of batch) item.reject(error);
          continue;
        }
        for (const item of batch) {
          const entry = this.entries.get(item.digest);
          if (entry !== undefined && !entry.durable) {
            entry.durable = true;
            this.durableEntries++;
          }
          item.resolve();
        }
        // Here, between batches, so no append runs while the file is replaced.
        await this.compactIfLarge();
      }
    } finally {
      // In the same tick as the loop found the queue empty (no await in between): a commit
      // queued after this starts a new flush, and none is left waiting.
      this.flushing = undefined;
    }
  }

  private async compactIfLarge(): Promise<void> {
    this.prune(this.nowSeconds());
    if (this.fileLines <= Math.max(this.compactionFloor, COMPACTION_FACTOR * this.durableEntries)) return;
    try {
      await this.rewrite();
      this.compactionFloor = this.minCompactionLines;
    } catch (error) {
      // The old file is still whole and still appended to; try again after more lines.
      this.compactionFloor = this.fileLines + this.minCompactionLines;
      this.logger.warn('could not compact the seen-token file', { file: this.path, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Replaces the file with the durable entries only. */
  private async rewrite(): Promise<void> {
    const lines: string[] = [];
    for (const [digest, entry] of this.entries) if (entry.durable) lines.push(encodeSeenTokenLine({ digest, expiresAtSeconds: entry.expiresAtSeconds }));
    try {
      await writeFileAtomic(this.path, lines.join(''), { mode: 0o600 });
      this.fileLines = lines.length;
      this.separatorNeeded = false;
    } catch (error) {
      // Whichever file is now in place may end in a torn line.
      this.separatorNeeded = true;
      throw error;
    } finally {
      // An open handle would go on appending to the replaced file.
      await this.closeHandle();
    }
  }

  private async appendHandle(): Promise<FileHandle> {
    if (this.handle !== undefined) return this.handle;
    const handle = await open(this.path, 'a', 0o600);
    try {
      // The file may have just been created: its name must be durable too.
      await syncDirectory(this.directory);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.handle = handle;
    return handle;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }
}

function checksumOf(body: string): string {
  return crc32(body).toString(16).padStart(8, '0');
}

async function removeLeftoverTemps(directory: string, logger: Logger): Promise<void> {
  for (const name of await readdir(directory)) {
    if (!TEMP_PATTERN.test(name)) continue;
    await unlink(join(directory, name)).catch((error: unknown) => logger.warn('could not remove a leftover temp file', { name, error: String(error) }));
  }
}
