/**
 * The receiver's spool of attachment ciphertext, in `<stateDir>/files/`:
 *
 *   <id>.part   the ciphertext so far, each chunk written at index * chunkBytes
 *   <id>.json   the have-record: peer, size, chunkBytes and a bitmap of the chunks that are
 *               durable (fsynced before the record names them), replaced atomically
 *   <id>.bin    the whole ciphertext, renamed from .part once every chunk is durable
 *
 * A record only ever names chunks already fsynced, so after a crash or on a new link the
 * transfer resumes from it: the chunks it lacks are asked for again, and whatever else
 * the .part holds is overwritten. commit() of the delivered envelope deletes all three;
 * partial transfers untouched for `partialTtlHours` are pruned. Committed ids are
 * remembered (in memory, the latest 1024) so that the same attachment offered again by the
 * same peer is not received again: its envelope alone is delivered once more.
 */
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { type Logger, StorageError } from '@skcomm/core';
import { ChunkSet, FileLayout, MAX_CHUNKS } from './chunk-set.js';
import { RejectReason } from './file-frames.js';

const recordSchema = v.strictObject({
  v: v.literal(1),
  peer: v.string(),
  size: v.pipe(v.number(), v.safeInteger(), v.minValue(0)),
  chunkBytes: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
  complete: v.boolean(),
  have: v.string(),
});
type SpoolRecord = v.InferOutput<typeof recordSchema>;

const RECORD = /^([0-9a-f]{32})\.json$/;
const SPOOL_FILE = /^([0-9a-f]{32})\.(?:part|bin|json|json\.tmp)$/;
const PRUNE_EVERY_MS = 3_600_000;
/** Largest chunk a receiver takes: the sender's window must hold at least one. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

/** An offer the spool refuses, with the reason the sender is told. */
export class SpoolRefusal extends Error {
  override readonly name = 'SpoolRefusal';
  constructor(
    readonly reason: RejectReason,
    message: string,
  ) {
    super(message);
  }
}

export interface FileSpoolOptions {
  /** The transport's state directory; without one, a private temporary directory (no resume across restarts). */
  stateDir?: string;
  maxAttachmentBytes: number;
  quotaBytes: number;
  maxTransfers: number;
  maxTransfersPerPeer: number;
  partialTtlHours: number;
  logger: Logger;
  transportName: string;
}

interface ActiveTransfer {
  peer: string;
  /** Ends the transfer as its holder would (flush, record, release); used when a newer offer for the same id arrives. */
  close(): Promise<void>;
}

export class FileSpool {
  private directory: string | undefined;
  private readonly active = new Map<string, ActiveTransfer>();
  /** Envelopes (with their attachment, or delivered again without it) handed to the application and not yet committed: id -> peer. */
  private readonly delivered = new Map<string, string>();
  /** Ids committed lately, by the peer that sent them: an offer of one again delivers only its envelope. */
  private readonly committed = new Map<string, string>();
  private lastPrune = 0;

  constructor(private readonly options: FileSpoolOptions) {}

  async init(): Promise<void> {
    if (this.directory !== undefined) return;
    if (this.options.stateDir === undefined) {
      this.directory = await mkdtemp(join(tmpdir(), 'skcomm-webrtc-files-'));
    } else {
      this.directory = join(this.options.stateDir, 'files');
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
    }
    await this.prune();
  }

  get dir(): string {
    if (this.directory === undefined) throw new Error('the spool is not initialised');
    return this.directory;
  }

  isDelivered(id: string): boolean {
    return this.delivered.has(id);
  }

  /** `peer` sent this attachment and the application committed its envelope lately. */
  wasCommitted(id: string, peer: string): boolean {
    return this.committed.get(id) === peer;
  }

  markDelivered(id: string, peer: string): void {
    this.delivered.set(id, peer);
  }

  /** The application committed the envelope: the attachment's files go. */
  async remove(id: string): Promise<void> {
    this.rememberCommitted(id);
    await this.deleteFiles(id);
  }

  /**
   * The application committed an envelope delivered again without its attachment. Nothing
   * on disk is touched: the files went with the first commit, and whatever is there now
   * belongs to a later transfer.
   */
  commitRedelivery(id: string): void {
    this.rememberCommitted(id);
  }

  private rememberCommitted(id: string): void {
    const peer = this.delivered.get(id);
    this.delivered.delete(id);
    if (peer === undefined) return;
    this.committed.delete(id); // re-inserted: the most recent
    this.committed.set(id, peer);
    // Bounded memory: the oldest ids are forgotten first.
    if (this.committed.size > 1024) this.committed.delete(this.committed.keys().next().value!);
  }

  /**
   * Opens (or resumes) the spool file of an offered attachment for `peer`, or refuses it.
   * `close` is how the caller ends the transfer; the spool calls it when a newer offer for
   * the same id supersedes this one.
   */
  async open(peer: string, id: string, size: number, chunkBytes: number, close: () => Promise<void>): Promise<SpoolFile> {
    const { options } = this;
    if (size > options.maxAttachmentBytes) throw new SpoolRefusal(RejectReason.TooLarge, `${size} bytes is over maxAttachmentBytes ${options.maxAttachmentBytes}`);
    if (chunkBytes > MAX_CHUNK_BYTES) throw new SpoolRefusal(RejectReason.Unsupported, `chunks of ${chunkBytes} bytes (at most ${MAX_CHUNK_BYTES})`);
    const layout = new FileLayout(size, chunkBytes);
    if (layout.count > MAX_CHUNKS) throw new SpoolRefusal(RejectReason.Unsupported, `${layout.count} chunks (at most ${MAX_CHUNKS})`);
    const previous = this.active.get(id);
    if (previous && previous.peer !== peer) throw new SpoolRefusal(RejectReason.Busy, 'another peer is sending an attachment with this id');
    if (previous) await previous.close();
    const fromPeer = [...this.active.values()].filter((transfer) => transfer.peer === peer).length;
    if (fromPeer >= options.maxTransfersPerPeer || this.active.size >= options.maxTransfers) {
      throw new SpoolRefusal(RejectReason.Busy, `${fromPeer} transfer(s) from this peer, ${this.active.size} in all`);
    }
    // Claimed before the first await below, so two offers cannot both pass the limits.
    this.active.set(id, { peer, close });
    try {
      if (Date.now() - this.lastPrune > PRUNE_EVERY_MS) await this.prune();
      const record = await this.readRecord(id);
      if (record && record.peer !== peer) throw new SpoolRefusal(RejectReason.Busy, 'another peer left a partial attachment with this id');
      if (record && (record.size !== size || record.chunkBytes !== chunkBytes)) {
        throw new SpoolRefusal(RejectReason.Mismatch, `the partial copy has ${record.size} bytes in chunks of ${record.chunkBytes}`);
      }
      const have = record ? new ChunkSet(layout.count, Buffer.from(record.have, 'base64')) : new ChunkSet(layout.count);
      if (record?.complete && (await exists(this.binPath(id)))) return new SpoolFile(this, id, peer, layout, have, undefined);
      // A record that says complete without its .bin: start over. (All chunks durable but not
      // yet renamed is fine: the receiver finds nothing missing and finishes it.)
      const durable = record?.complete ? new ChunkSet(layout.count) : have;
      await this.checkSpace(id, layout, durable);
      const handle = await openForPositionalWrites(this.partPath(id));
      const spoolFile = new SpoolFile(this, id, peer, layout, durable, handle);
      if (!record || record.complete) await spoolFile.writeRecord(false);
      return spoolFile;
    } catch (error) {
      this.active.delete(id);
      if (error instanceof SpoolRefusal) throw error;
      throw StorageError.fromFs(error, `opening the spool file of attachment ${id}`);
    }
  }

  /** Called by SpoolFile.close(): the id is free for a new offer. */
  release(id: string): void {
    this.active.delete(id);
  }

  partPath(id: string): string {
    return join(this.dir, `${id}.part`);
  }

  binPath(id: string): string {
    return join(this.dir, `${id}.bin`);
  }

  recordPath(id: string): string {
    return join(this.dir, `${id}.json`);
  }

  /** Deletes partial and undelivered transfers untouched for partialTtlHours. */
  async prune(): Promise<void> {
    this.lastPrune = Date.now();
    const cutoff = Date.now() - this.options.partialTtlHours * 3_600_000;
    const stale = new Set<string>();
    for (const name of await readdir(this.dir)) {
      const id = SPOOL_FILE.exec(name)?.[1];
      if (id === undefined || this.active.has(id) || this.delivered.has(id)) continue;
      const info = await stat(join(this.dir, name)).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) stale.add(id);
    }
    for (const id of stale) {
      this.options.logger.info('pruned a stale partial attachment', { transport: this.options.transportName, attachment: id });
      await this.deleteFiles(id);
    }
  }

  private async checkSpace(id: string, layout: FileLayout, have: ChunkSet): Promise<void> {
    let spooled = 0;
    for (const name of await readdir(this.dir)) {
      const other = RECORD.exec(name)?.[1];
      if (other === undefined || other === id) continue;
      spooled += (await this.readRecord(other))?.size ?? 0;
    }
    if (spooled + layout.size > this.options.quotaBytes) {
      throw new SpoolRefusal(RejectReason.NoSpace, `the spool holds ${spooled} bytes; ${layout.size} more is over fileSpoolBytes ${this.options.quotaBytes}`);
    }
    const disk = await statfs(this.dir);
    const remaining = layout.size - layout.bytesIn(have);
    if (remaining > disk.bavail * disk.bsize) throw new SpoolRefusal(RejectReason.NoSpace, `${remaining} bytes to come, ${disk.bavail * disk.bsize} free on disk`);
  }

  private async readRecord(id: string): Promise<SpoolRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.recordPath(id), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const record = v.parse(recordSchema, JSON.parse(text));
      new ChunkSet(new FileLayout(record.size, record.chunkBytes).count, Buffer.from(record.have, 'base64'));
      return record;
    } catch {
      // A damaged record is as good as none: the transfer starts over.
      this.options.logger.warn('ignored a damaged attachment record', { transport: this.options.transportName, attachment: id });
      return undefined;
    }
  }

  private async deleteFiles(id: string): Promise<void> {
    await Promise.all(['part', 'bin', 'json', 'json.tmp'].map((suffix) => rm(join(this.dir, `${id}.${suffix}`), { force: true })));
  }
}

/** Chunk index and its write, waiting to be fsynced and named in the record. */
interface Unsynced {
  index: number;
  written: Promise<unknown>;
}

/** One attachment being received: one positional write per chunk, batched fsyncs, the have-record. */
export class SpoolFile {
  private readonly writes = new Set<Promise<unknown>>();
  private unsynced: Unsynced[] = [];
  private syncing: Promise<void> = Promise.resolve();
  private failure: unknown;
  private closed = false;
  private finishing: Promise<void> | undefined;
  private renamed: boolean;

  constructor(
    private readonly spool: FileSpool,
    readonly id: string,
    readonly peer: string,
    readonly layout: FileLayout,
    /** Durable chunks: fsynced and named in the record. */
    readonly have: ChunkSet,
    private handle: FileHandle | undefined,
  ) {
    this.renamed = handle === undefined && have.complete;
  }

  /** True once every chunk is durable and the file is `<id>.bin`. */
  get finished(): boolean {
    return this.renamed;
  }

  get path(): string {
    return this.finished ? this.spool.binPath(this.id) : this.spool.partPath(this.id);
  }

  get confirmedBytes(): number {
    return this.layout.bytesIn(this.have);
  }

  /**
   * Writes the whole chunk `index` (its pieces as they came, one writev) at its place in
   * the file, in the background: failures surface in sync(). It is durable after the next sync().
   */
  writeChunk(index: number, pieces: readonly Uint8Array[]): void {
    if (this.closed || this.handle === undefined) return;
    const written = this.handle.writev(pieces as Uint8Array[], index * this.layout.chunkBytes).catch((error: unknown) => {
      this.failure ??= error;
    });
    this.writes.add(written);
    void written.finally(() => this.writes.delete(written));
    this.unsynced.push({ index, written });
  }

  /**
   * Makes the completed chunks durable: waits for their writes, fsyncs the file, then
   * names them in the record. Calls are serialised; returns the confirmed bytes.
   */
  sync(): Promise<number> {
    const batch = this.unsynced;
    this.unsynced = [];
    const run = this.syncing.then(async () => {
      if (batch.length === 0 || this.handle === undefined) return;
      await Promise.all(batch.map((chunk) => chunk.written));
      if (this.failure !== undefined) throw StorageError.fromFs(this.failure, `writing attachment ${this.id}`);
      await this.handle.datasync();
      for (const chunk of batch) this.have.add(chunk.index);
      await this.writeRecord(false);
    });
    this.syncing = run.catch(() => undefined);
    return run.then(() => this.confirmedBytes);
  }

  /** All chunks durable: renames the .part to .bin and records it complete. */
  finish(): Promise<void> {
    this.finishing ??= (async () => {
      await this.syncing;
      if (!this.have.complete) throw new Error(`attachment ${this.id} is not complete`);
      if (this.handle === undefined) return;
      await this.handle.close();
      this.handle = undefined;
      await rename(this.spool.partPath(this.id), this.spool.binPath(this.id));
      await this.writeRecord(true);
      this.renamed = true;
    })();
    return this.finishing;
  }

  /** Flushes what was written (so the record holds every complete chunk) and releases the id. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await Promise.all([...this.writes]);
      if (this.handle !== undefined) {
        await this.sync().catch(() => undefined);
        await this.handle.close();
        this.handle = undefined;
      }
    } finally {
      this.spool.release(this.id);
    }
  }

  async writeRecord(complete: boolean): Promise<void> {
    const record: SpoolRecord = {
      v: 1,
      peer: this.peer,
      size: this.layout.size,
      chunkBytes: this.layout.chunkBytes,
      complete,
      have: Buffer.from(this.have.toBytes()).toString('base64'),
    };
    const target = this.spool.recordPath(this.id);
    const temporary = `${target}.tmp`;
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(record));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  }
}

async function openForPositionalWrites(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r+');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return open(path, 'w+', 0o600);
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
