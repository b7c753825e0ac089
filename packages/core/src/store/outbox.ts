/**
 * The durable outbox (DESIGN §4): every outgoing envelope is on disk before the first
 * send attempt and leaves only when delivered (acked), expired or dead, each with a
 * recorded reason.
 *
 * Storage: one append-only log, `queue/outbox/outbox.log`, one record per line,
 * `<crc32 hex> <json>\n`. In-memory state is nothing but the fold of the log, in log
 * order, so several processes on one home (a `skcomm send` next to the daemon) see the
 * same history: each reads what the others appended.
 *
 * Group commit: concurrent appends share one write and one fsync; each append resolves
 * only once its own line is durable. When nobody else appended meanwhile, the lines just
 * written are folded in from memory instead of being read back. A torn or bit-flipped
 * line fails its checksum and is skipped (and counted), never crashes a load (R12).
 *
 * Delivery states per message are monotonic within a generation: queued -> handed-off ->
 * delivered -> read, or expired / dead. `revive` (an explicit `outbox retry`) starts a
 * new generation at queued. Envelope bytes stay on disk; memory holds their offsets.
 */
import { fstatSync, statSync } from 'node:fs';
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ENVELOPE_ID_PATTERN } from '../envelope/schema.js';
import { ErrorCode, StorageError } from '../errors.js';
import { errnoOf, syncDirectory, writeFileAtomic, writeFully } from './fs-atomic.js';

export const DELIVERY_STATES = ['queued', 'handed-off', 'delivered', 'read', 'expired', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Rank for monotonic merging; the terminal states share the top ranks. */
const RANK: Record<DeliveryState, number> = { queued: 0, 'handed-off': 1, delivered: 2, read: 3, expired: 2, dead: 2 };
const TERMINAL: ReadonlySet<DeliveryState> = new Set(['delivered', 'read', 'expired', 'dead']);

export function isTerminalState(state: DeliveryState): boolean {
  return TERMINAL.has(state);
}

/** The last thing each transport did with a message. */
export interface OutboxTransportState {
  outcome: 'handed-off' | 'failed' | 'skipped';
  at: string;
  attempts: number;
  detail?: string;
  error?: { code: string; message: string; retryable: boolean };
}

export interface OutboxEntry {
  envelopeId: string;
  peer: string;
  recipientFingerprint: string;
  /** sha256 of the signed document: what the recipient's ack must name. */
  documentSha256: string;
  mode: string;
  createdAt: string;
  ttlSeconds: number;
  maxRetries: number;
  enqueuedAt: string;
  state: DeliveryState;
  stateAt: string;
  /** Why it is expired or dead; where it was handed off or acked. */
  reason?: string;
  /** The transport that carried the ack, or the last one that took the envelope. */
  via?: string;
  /** Routing rounds in which no transport took the envelope. */
  retryCount: number;
  /** Routing rounds in total. */
  rounds: number;
  /** Wall-clock time of the next attempt (ISO-8601). */
  nextAttemptAt: string;
  generation: number;
  transports: Record<string, OutboxTransportState>;
}

export interface EnqueueInput {
  envelopeId: string;
  peer: string;
  recipientFingerprint: string;
  documentSha256: string;
  mode: string;
  createdAt: string;
  ttlSeconds: number;
  maxRetries: number;
  /** The serialized envelope, exactly as it goes on the wire. */
  envelope: Uint8Array;
}

export interface AttemptRecord {
  transport: string;
  outcome: 'handed-off' | 'failed' | 'skipped';
  at: string;
  detail?: string;
  error?: { code: string; message: string; retryable: boolean };
}

export interface OutboxOptions {
  now?: () => Date;
}

type LogRecord =
  | { k: 'enqueue'; id: string; peer: string; fpr: string; sha: string; mode: string; created_at: string; ttl: number; max_retries: number; at: string; envelope: string }
  | { k: 'attempt'; id: string; g: number; transport: string; outcome: AttemptRecord['outcome']; at: string; detail?: string; error?: AttemptRecord['error'] }
  | { k: 'round'; id: string; g: number; retry_count: number; next_at: string; at: string }
  | { k: 'state'; id: string; g: number; state: DeliveryState; at: string; reason?: string; via?: string }
  | { k: 'revive'; id: string; g: number; at: string }
  | { k: 'purge'; id: string; at: string }
  | { k: 'snapshot'; id: string; entry: Omit<OutboxEntry, 'envelopeId'> };

interface IndexedEntry extends OutboxEntry {
  /** Where the envelope's enqueue (or snapshot-carried enqueue) line sits in the log. */
  offset: number;
  length: number;
}

/** The log only grows by bounded lines; this bounds a hostile or runaway file. */
const MAX_LINE_BYTES = 8 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
/** Envelopes this process enqueued, kept to send without reading them back: a few rounds' worth. */
const RECENT_ENVELOPES = 64;
const RECENT_ENVELOPE_BYTES = 16 * 1024 * 1024;

/** Where a batch of lines landed in the log, when that is known for sure. */
interface Landing {
  inode: number;
  offset: number;
}

export class Outbox {
  readonly path: string;
  private readonly entries = new Map<string, IndexedEntry>();
  /** Envelope id -> the envelope and the log position of the enqueue line it came from. */
  private readonly recentEnvelopes = new Map<string, { inode: number; offset: number; envelope: Buffer }>();
  private recentEnvelopeBytes = 0;
  /**
   * Ids this process is enqueuing right now. Their envelopes are kept like those of our
   * own folded lines even when a concurrent refresh() reads the line back first (a
   * receive loop checking acks while a send waits for its fsync).
   */
  private readonly enqueuing = new Set<string>();
  private handle: FileHandle | undefined;
  private inode = -1;
  private position = 0;
  private skipped = 0;
  private pending: Array<{ line: Buffer; resolve: () => void; reject: (error: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private readonly now: () => Date;

  private constructor(
    readonly directory: string,
    options: OutboxOptions,
  ) {
    this.path = join(directory, 'outbox.log');
    this.now = options.now ?? (() => new Date());
  }

  static async open(directory: string, options: OutboxOptions = {}): Promise<Outbox> {
    const outbox = new Outbox(directory, options);
    try {
      await mkdir(directory, { recursive: true, mode: 0o700 });
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot create ${directory}`);
    }
    await outbox.refresh();
    return outbox;
  }

  /** Lines skipped as corrupt (bad checksum, torn write) since the store was opened. */
  get corruptRecords(): number {
    return this.skipped;
  }

  /** Durable when it resolves: the record is fsynced (file, and directory on creation). */
  async enqueue(input: EnqueueInput): Promise<OutboxEntry> {
    if (!ENVELOPE_ID_PATTERN.test(input.envelopeId)) throw new TypeError('envelope id must be a lowercase UUID v4');
    this.enqueuing.add(input.envelopeId);
    try {
      await this.appendEnqueue(input);
    } finally {
      this.enqueuing.delete(input.envelopeId);
    }
    return this.required(input.envelopeId);
  }

  private async appendEnqueue(input: EnqueueInput): Promise<void> {
    await this.append([
      {
        k: 'enqueue',
        id: input.envelopeId,
        peer: input.peer,
        fpr: input.recipientFingerprint,
        sha: input.documentSha256,
        mode: input.mode,
        created_at: input.createdAt,
        ttl: input.ttlSeconds,
        max_retries: input.maxRetries,
        at: this.now().toISOString(),
        envelope: Buffer.from(input.envelope).toString('utf8'),
      },
    ]);
    // Durable now. If a compaction in another process replaced the file right after our
    // write, our line reaches the new file with its tail copy: wait for it to show.
    for (let attempt = 0; attempt < 200 && !this.entries.has(input.envelopeId); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await this.refresh();
    }
  }

  /**
   * One routing round: what each transport did, then the new retry count and next attempt
   * time, and the state the round led to (if it moves the message forward), in one
   * durable write.
   */
  async recordRound(
    envelopeId: string,
    attempts: readonly AttemptRecord[],
    round: { retryCount: number; nextAttemptAt: Date; state?: { state: DeliveryState; reason?: string; via?: string } },
  ): Promise<void> {
    const entry = this.required(envelopeId);
    const g = entry.generation;
    const at = this.now().toISOString();
    const records: LogRecord[] = [
      ...attempts.map((attempt): LogRecord => ({ k: 'attempt', id: envelopeId, g, ...attempt })),
      { k: 'round', id: envelopeId, g, retry_count: round.retryCount, next_at: round.nextAttemptAt.toISOString(), at },
    ];
    if (round.state !== undefined && advances(entry, g, round.state.state)) {
      const { state, ...details } = round.state;
      records.push({ k: 'state', id: envelopeId, g, state, at, ...details });
    }
    await this.append(records);
  }

  /** Moves the message forward; a state at or below the current one is ignored. */
  async setState(envelopeId: string, state: DeliveryState, details: { reason?: string; via?: string } = {}): Promise<OutboxEntry> {
    const entry = this.required(envelopeId);
    if (!advances(entry, entry.generation, state)) return entry;
    await this.append([{ k: 'state', id: envelopeId, g: entry.generation, state, at: this.now().toISOString(), ...details }]);
    return this.required(envelopeId);
  }

  /** `outbox retry`: a dead or expired message (or any not yet delivered) is queued again, due now. */
  async revive(envelopeId: string): Promise<OutboxEntry> {
    const entry = this.required(envelopeId);
    if (entry.state === 'delivered' || entry.state === 'read') {
      throw new StorageError(ErrorCode.AlreadyExists, `envelope ${envelopeId} was already delivered; nothing to retry`);
    }
    await this.append([{ k: 'revive', id: envelopeId, g: entry.generation + 1, at: this.now().toISOString() }]);
    return this.required(envelopeId);
  }

  /** `outbox purge`: forgets the message (and its envelope) for good. */
  async purge(envelopeId: string): Promise<void> {
    this.required(envelopeId);
    await this.append([{ k: 'purge', id: envelopeId, at: this.now().toISOString() }]);
  }

  get(envelopeId: string): OutboxEntry | undefined {
    const entry = this.entries.get(envelopeId);
    return entry === undefined ? undefined : publicEntry(entry);
  }

  /** Every message still held, in enqueue order. */
  list(): OutboxEntry[] {
    return [...this.entries.values()].map(publicEntry);
  }

  /** Messages not yet in a terminal state whose next attempt is due at `at`. */
  due(at: Date = this.now()): OutboxEntry[] {
    const atMs = at.getTime();
    const result: OutboxEntry[] = [];
    for (const entry of this.entries.values()) {
      if (!TERMINAL.has(entry.state) && Date.parse(entry.nextAttemptAt) <= atMs) result.push(publicEntry(entry));
    }
    return result;
  }

  depthByState(): Record<DeliveryState, number> {
    const depth = Object.fromEntries(DELIVERY_STATES.map((state) => [state, 0])) as Record<DeliveryState, number>;
    for (const entry of this.entries.values()) depth[entry.state]++;
    return depth;
  }

  /** The serialized envelope, read back from the log. */
  async readEnvelope(envelopeId: string): Promise<Uint8Array> {
    const recent = this.recentEnvelopes.get(envelopeId);
    const indexed = this.required(envelopeId);
    // Only while the entry still points at the very line it came from (not purged and enqueued again, not compacted).
    if (recent !== undefined && recent.inode === this.inode && recent.offset === indexed.offset) return Buffer.from(recent.envelope);
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = this.required(envelopeId);
      const line = await this.readLine(entry.offset, entry.length);
      const record = line === undefined ? undefined : parseLine(line);
      if (record?.k === 'enqueue' && record.id === envelopeId) return Buffer.from(record.envelope, 'utf8');
      // Another process compacted the log since we indexed it: read it again.
      await this.refresh(true);
    }
    throw new StorageError(ErrorCode.Storage, `the outbox record of ${envelopeId} is unreadable`);
  }

  /** Reads what other processes appended (or everything again after a compaction). Serialized. */
  refresh(full = false): Promise<void> {
    const run = this.refreshing.then(() => this.refreshNow(full));
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  private async refreshNow(full: boolean): Promise<void> {
    let current: { ino: number; size: number };
    try {
      // Synchronous on purpose, like every stat of the home's own files: refresh runs on
      // every ack and retry pass, and a local stat costs a few µs this way against ~20 µs
      // (and two thread switches) through the libuv pool.
      current = statSync(this.path);
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT') return;
      throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    }
    if (full || current.ino !== this.inode || current.size < this.position) {
      this.entries.clear();
      this.inode = current.ino;
      this.position = 0;
    }
    while (this.position < current.size) {
      const length = Math.min(READ_CHUNK, current.size - this.position);
      const chunk = await this.readLine(this.position, length, true);
      if (chunk === undefined || chunk.length === 0) return;
      let lineStart = 0;
      let newline = chunk.indexOf(0x0a);
      if (newline === -1) {
        if (chunk.length >= MAX_LINE_BYTES) {
          // A runaway line with no end: skip it whole rather than stall forever.
          this.skipped++;
          this.position += chunk.length;
          continue;
        }
        if (length === READ_CHUNK) {
          // One line longer than a chunk: read it at its full size.
          const whole = await this.readLine(this.position, Math.min(MAX_LINE_BYTES, current.size - this.position), true);
          const end = whole?.indexOf(0x0a) ?? -1;
          if (whole === undefined || end === -1) return;
          this.ingest(whole.subarray(0, end), this.position);
          this.position += end + 1;
          continue;
        }
        return; // a line still being written by another process
      }
      while (newline !== -1) {
        this.ingest(chunk.subarray(lineStart, newline), this.position + lineStart);
        lineStart = newline + 1;
        newline = chunk.indexOf(0x0a, lineStart);
      }
      this.position += lineStart;
    }
  }

  /**
   * Folds in lines this process just made durable. When they landed exactly where the
   * fold stands (nobody else appended since it last read, same file), they are taken
   * from memory; otherwise the log is read as usual. Serialized with refresh().
   */
  private foldOwn(bytes: Buffer, landing: Landing | undefined): Promise<void> {
    const run = this.refreshing.then(() => {
      if (landing === undefined || landing.inode !== this.inode || landing.offset !== this.position) return this.refreshNow(false);
      let lineStart = 0;
      for (let newline = bytes.indexOf(0x0a); newline !== -1; newline = bytes.indexOf(0x0a, lineStart)) {
        this.ingest(bytes.subarray(lineStart, newline), this.position + lineStart, true);
        lineStart = newline + 1;
      }
      this.position += lineStart;
    });
    this.refreshing = run.catch(() => undefined);
    return run;
  }

  /**
   * Rewrites the log with only what is still held: pending messages and dead letters,
   * with their state; delivered ones are dropped. Safe next to appenders in other
   * processes: after the rename, whatever reached the old file is copied over, and an
   * appender that finds its file unlinked appends again (ingest is idempotent per id).
   */
  async compact(): Promise<{ before: number; after: number }> {
    await this.flushed();
    await this.refresh();
    let old: FileHandle;
    try {
      old = await open(this.path, 'r');
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT') return { before: 0, after: 0 };
      throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    }
    try {
      const readUpTo = this.position;
      const lines: string[] = [];
      for (const entry of this.entries.values()) {
        if (entry.state === 'delivered' || entry.state === 'read') continue;
        const enqueueLine = await this.readLine(entry.offset, entry.length);
        if (enqueueLine === undefined) continue;
        const { offset: _offset, length: _length, envelopeId: _id, ...state } = entry;
        lines.push(`${enqueueLine.toString('utf8')}\n`, lineOf({ k: 'snapshot', id: entry.envelopeId, entry: state }));
      }
      await writeFileAtomic(this.path, lines.join(''), { mode: 0o600 });
      await this.closeHandle();
      // Records appended to the old file after we read it: carry them over.
      const tail = Buffer.alloc(Math.max(0, (await old.stat()).size - readUpTo));
      if (tail.length > 0) {
        await old.read(tail, 0, tail.length, readUpTo);
        const complete = tail.subarray(0, tail.lastIndexOf(0x0a) + 1);
        if (complete.length > 0) await this.writeDurably(complete);
      }
      await this.refresh(true);
      return { before: readUpTo, after: this.position };
    } finally {
      await old.close();
    }
  }

  async close(): Promise<void> {
    await this.flushed();
    await this.closeHandle();
  }

  private required(envelopeId: string): IndexedEntry {
    const entry = this.entries.get(envelopeId);
    if (entry === undefined) throw new StorageError(ErrorCode.NotFound, `no envelope ${envelopeId} in the outbox`);
    return entry;
  }

  private async flushed(): Promise<void> {
    while (this.flushing !== undefined) await this.flushing;
  }

  /** Group commit: lines queued while a write+fsync runs go out together in the next one. */
  private append(records: LogRecord[]): Promise<void> {
    const line = Buffer.from(records.map(lineOf).join(''), 'utf8');
    return new Promise((resolve, reject) => {
      this.pending.push({ line, resolve, reject });
      this.flushing ??= this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0);
        try {
          const bytes = Buffer.concat(batch.map((item) => item.line));
          const landing = await this.writeDurably(bytes);
          // Our own lines are folded in like anyone else's, in log order.
          await this.foldOwn(bytes, landing);
          for (const item of batch) item.resolve();
        } catch (error) {
          for (const item of batch) item.reject(error);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  /** Appends and fsyncs; returns where the bytes landed when no other writer's bytes are around them. */
  private async writeDurably(bytes: Buffer): Promise<Landing | undefined> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const handle = await this.openForAppend();
      let before = -1;
      try {
        // fstat of the open log: synchronous, see refreshNow.
        before = fstatSync(handle.fd).size;
        await writeFully(handle, bytes);
        await handle.sync();
      } catch (cause) {
        // Nothing half-written stays behind: cut the file back to where this batch began.
        if (before >= 0) await handle.truncate(before).catch(() => undefined);
        await this.closeHandle();
        throw StorageError.fromFs(cause, `cannot append to ${this.path}`);
      }
      // Compacted away under us (the old file is unlinked): append to the new one.
      const after = fstatSync(handle.fd);
      if (after.nlink > 0) return after.size === before + bytes.length ? { inode: after.ino, offset: before } : undefined;
      await this.closeHandle();
    }
    throw new StorageError(ErrorCode.Storage, `${this.path} keeps being replaced; cannot append`);
  }

  private async openForAppend(): Promise<FileHandle> {
    if (this.handle !== undefined) return this.handle;
    let created = false;
    try {
      try {
        this.handle = await open(this.path, 'ax', 0o600);
        created = true;
      } catch (cause) {
        if (errnoOf(cause) !== 'EEXIST') throw cause;
        this.handle = await open(this.path, 'a', 0o600);
      }
      if (created) await syncDirectory(this.directory);
    } catch (cause) {
      await this.closeHandle();
      throw StorageError.fromFs(cause, `cannot open ${this.path}`);
    }
    return this.handle;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  private async readLine(offset: number, length: number, raw = false): Promise<Buffer | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, 'r');
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT') return undefined;
      throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    }
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return raw ? buffer.subarray(0, bytesRead) : bytesRead === length ? buffer : undefined;
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot read ${this.path}`);
    } finally {
      await handle.close();
    }
  }

  /** `own`: a line this process wrote, folded from memory; its envelope (like one being enqueued) is kept for the first rounds. */
  private ingest(line: Buffer, offset: number, own = false): void {
    const record = parseLine(line);
    if (record === undefined) {
      if (line.length > 0) this.skipped++;
      return;
    }
    const created = record.k === 'enqueue' && !this.entries.has(record.id);
    apply(this.entries, record, offset, line.length);
    const ours = own || this.enqueuing.has(record.id);
    if (created && record.k === 'enqueue' && ours) this.rememberEnvelope(record.id, offset, Buffer.from(record.envelope, 'utf8'));
    else if (record.k === 'purge' || (record.k === 'state' && TERMINAL.has(this.entries.get(record.id)?.state ?? 'queued'))) this.forgetEnvelope(record.id);
  }

  private rememberEnvelope(envelopeId: string, offset: number, envelope: Buffer): void {
    this.recentEnvelopes.set(envelopeId, { inode: this.inode, offset, envelope });
    this.recentEnvelopeBytes += envelope.length;
    for (const oldest of this.recentEnvelopes.keys()) {
      if (this.recentEnvelopes.size <= RECENT_ENVELOPES && this.recentEnvelopeBytes <= RECENT_ENVELOPE_BYTES) break;
      this.forgetEnvelope(oldest);
    }
  }

  private forgetEnvelope(envelopeId: string): void {
    const recent = this.recentEnvelopes.get(envelopeId);
    if (recent === undefined) return;
    this.recentEnvelopes.delete(envelopeId);
    this.recentEnvelopeBytes -= recent.envelope.length;
  }
}

function apply(entries: Map<string, IndexedEntry>, record: LogRecord, offset: number, length: number): void {
  if (record.k === 'enqueue') {
    if (entries.has(record.id)) return;
    entries.set(record.id, {
      envelopeId: record.id,
      peer: record.peer,
      recipientFingerprint: record.fpr,
      documentSha256: record.sha,
      mode: record.mode,
      createdAt: record.created_at,
      ttlSeconds: record.ttl,
      maxRetries: record.max_retries,
      enqueuedAt: record.at,
      state: 'queued',
      stateAt: record.at,
      retryCount: 0,
      rounds: 0,
      nextAttemptAt: record.at,
      generation: 0,
      transports: {},
      offset,
      length,
    });
    return;
  }
  const entry = entries.get(record.id);
  if (entry === undefined) return; // its enqueue line was corrupt or purged: nothing to attach to
  switch (record.k) {
    case 'snapshot':
      Object.assign(entry, record.entry);
      return;
    case 'purge':
      entries.delete(record.id);
      return;
    case 'revive':
      if (record.g <= entry.generation) return;
      Object.assign(entry, { generation: record.g, state: 'queued', stateAt: record.at, retryCount: 0, nextAttemptAt: record.at });
      delete entry.reason;
      return;
    case 'attempt': {
      if (record.g !== entry.generation) return;
      const previous = entry.transports[record.transport];
      const next: OutboxTransportState = { outcome: record.outcome, at: record.at, attempts: (previous?.attempts ?? 0) + (record.outcome === 'skipped' ? 0 : 1) };
      if (record.detail !== undefined) next.detail = record.detail;
      if (record.error !== undefined) next.error = record.error;
      entry.transports[record.transport] = next;
      return;
    }
    case 'round':
      if (record.g !== entry.generation) return;
      entry.retryCount = record.retry_count;
      entry.rounds++;
      entry.nextAttemptAt = record.next_at;
      return;
    case 'state':
      if (!advances(entry, record.g, record.state)) return;
      entry.state = record.state;
      entry.stateAt = record.at;
      if (record.reason !== undefined) entry.reason = record.reason;
      if (record.via !== undefined) entry.via = record.via;
      return;
  }
}

function advances(entry: OutboxEntry, generation: number, state: DeliveryState): boolean {
  if (generation !== entry.generation) return false;
  if (TERMINAL.has(entry.state) && !(entry.state === 'delivered' && state === 'read')) return false;
  return RANK[state] > RANK[entry.state];
}

function publicEntry(entry: IndexedEntry): OutboxEntry {
  const { offset: _offset, length: _length, ...rest } = entry;
  return { ...rest, transports: { ...rest.transports } };
}

function lineOf(record: LogRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

const KINDS = new Set(['enqueue', 'attempt', 'round', 'state', 'revive', 'purge', 'snapshot']);

function parseLine(line: Buffer): LogRecord | undefined {
  if (line.length < 11 || line[8] !== 0x20) return undefined;
  const json = line.subarray(9).toString('utf8');
  if (crc32(json).toString(16).padStart(8, '0') !== line.subarray(0, 8).toString('latin1')) return undefined;
  try {
    const record = JSON.parse(json) as LogRecord;
    if (typeof record !== 'object' || record === null || !KINDS.has(record.k) || typeof record.id !== 'string') return undefined;
    if (!ENVELOPE_ID_PATTERN.test(record.id)) return undefined;
    return record;
  } catch {
    return undefined;
  }
}

