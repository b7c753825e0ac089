/**
 * `agent.sendFile()`. Small files (up to MAX_INLINE_FILE_BYTES) go inline as a `file`
 * message through the normal send path: any transport, failover, the outbox, acks.
 *
 * Larger ones stream: the file manifest (name, size, sha256, chunk key) is sealed as a
 * `webrtc_file` envelope and the AES-GCM chunks travel beside it through a transport with
 * `sendWithAttachment()`. A transfer record in `<home>/queue/files/` keeps the id, key and
 * sealed envelope, so a transfer cut or crashed RESUMES: the receiver keeps its partial
 * ciphertext and the transport reads only what it lacks. The same send run again resumes
 * it at once; `skcomm daemon` resumes it on the outbox's retry schedule
 * (resumeFileTransfers; the next attempt is persisted beside the record, see
 * transfer-state.ts), and `skcomm outbox retry` now (retryFileTransfer). The record
 * goes once the receiver's signed ack arrives, when every transport refused the file for
 * good, or when the file changed or vanished.
 */
import { createHash, randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type AckDocument, type EnvelopeDraft, type IdentityHandle, sealEnvelope } from '../crypto/index.js';
import { canonicalBytes } from '../envelope/canonical.js';
import { parseEnvelope, serializeEnvelope } from '../envelope/parse.js';
import { type Envelope, signedDocumentContext, type SignedDocument } from '../envelope/schema.js';
import { ConfigError, ErrorCode, RejectionError, SkcommError, StorageError } from '../errors.js';
import { encryptedFileSize } from '../files/chunk-cipher.js';
import { safeFileName } from '../files/file-name.js';
import { DEFAULT_FILE_CHUNK_BYTES, FILE_CONTENT_TYPE, serializeFileManifest } from '../files/manifest.js';
import { type OutgoingFile, prepareOutgoingFile } from '../files/outgoing.js';
import { FileChangedError } from '../files/errors.js';
import { type OutgoingTransferRecord, OutgoingTransferStore } from '../files/transfer-store.js';
import { backoffDelayMs } from '../router/backoff.js';
import { toAttemptError } from '../router/attempt.js';
import { readRegularFile } from '../store/fs-atomic.js';
import type { HomeLayout } from '../store/layout.js';
import type { PeerRecord, PeerStore } from '../store/peers.js';
import type { Logger, OutgoingAttachment, Transport } from '../transport/contract.js';
import { buildInlineFileBody, INLINE_FILE_CONTENT_TYPE, INLINE_FILE_PAYLOAD_TYPE, MAX_INLINE_FILE_BYTES } from './inline-file.js';
import { STREAMED_FILE_PAYLOAD_TYPE } from './received-files.js';
import { lockTransfer, readTransferState, removeTransfer, type TransferLock, type TransferState, writeTransferState } from './transfer-state.js';
import type { AgentSendOptions, AttemptReport, SendReport } from './types.js';

export type FileSendPhase = 'hashing' | 'sending';

export interface SendFileOptions {
  /** Name the recipient sees; default the file's base name. */
  name?: string;
  /** A media type such as `application/pdf`. */
  mediaType?: string;
  /** hashing: plaintext bytes hashed; sending: plaintext bytes the receiver holds durably. */
  onProgress?(phase: FileSendPhase, done: number, total: number): void;
  signal?: AbortSignal;
  /** After the hand-off, wait up to this long for the recipient's signed ack (state `delivered`). */
  waitMs?: number;
}

export interface FileSendReport extends SendReport {
  file: {
    name: string;
    size: number;
    sha256: string;
    media_type?: string;
    /** `inline`: inside one `file` envelope; `stream`: a `webrtc_file` manifest plus an attachment. */
    method: 'inline' | 'stream';
    /** The stream's transfer id (also the attachment id). */
    transfer_id?: string;
    /** True when this call continued a transfer recorded by an earlier one. */
    resumed?: boolean;
  };
}

/** What sendFile needs from the agent; closures over its private parts. */
export interface FileSendContext {
  layout: HomeLayout;
  logger: Logger;
  peers: PeerStore;
  retryScheduleMs: readonly number[];
  random?: () => number;
  unlock(): Promise<IdentityHandle & { name: string }>;
  transports(): Promise<readonly Transport[]>;
  send(peerName: string, draft: EnvelopeDraft, options: AgentSendOptions): Promise<{ envelopeId: string; report: SendReport }>;
  /** One receive pass over every transport (acks arrive this way). */
  receive(): Promise<unknown>;
}

/** A cut transfer is retried at most this often in a row without progress, per transport. */
export const FILE_RETRIES_WITHOUT_PROGRESS = 5;
/** A slow receiver's decrypt + hash + save rate (10 MB/s), for the ack deadline of a large file. */
const RECEIVER_PROCESSING_BYTES_PER_MS = 10_000;
/** Retries of a cut transfer wait at most these steps (the config's schedule when it is shorter). */
const FILE_RETRY_CEILING_MS = [1000, 2000, 5000, 10_000, 20_000];

export function outgoingTransfersDir(layout: HomeLayout): string {
  return join(layout.queueDir, 'files');
}

export function receivedFilesDir(layout: HomeLayout): string {
  return join(layout.home, 'files', 'received');
}

export async function sendFile(context: FileSendContext, peerName: string, path: string, options: SendFileOptions = {}): Promise<FileSendReport> {
  const absolutePath = resolve(path);
  let stats;
  try {
    stats = await stat(absolutePath);
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot read ${absolutePath}`);
  }
  if (!stats.isFile()) throw new StorageError(ErrorCode.Storage, `${absolutePath} is not a regular file`);
  if (stats.size <= MAX_INLINE_FILE_BYTES) return sendInline(context, peerName, absolutePath, options);
  return sendStreamed(context, peerName, absolutePath, stats, options);
}

async function sendInline(context: FileSendContext, peerName: string, path: string, options: SendFileOptions): Promise<FileSendReport> {
  const bytes = await readRegularFile(path, MAX_INLINE_FILE_BYTES);
  options.onProgress?.('hashing', bytes.byteLength, bytes.byteLength);
  const name = safeFileName(options.name ?? basename(path));
  const body = buildInlineFileBody({ name, bytes, ...(options.mediaType === undefined ? {} : { mediaType: options.mediaType }) });
  const { report } = await context.send(
    peerName,
    { type: INLINE_FILE_PAYLOAD_TYPE, contentType: INLINE_FILE_CONTENT_TYPE, body },
    // Encrypted whatever default_mode says, like a streamed file: a file's content is never sent in the clear.
    { security: 'secured', ...(options.signal ? { signal: options.signal } : {}), ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }) },
  );
  if (report.state === 'handed-off' || report.state === 'delivered' || report.state === 'read') {
    options.onProgress?.('sending', bytes.byteLength, bytes.byteLength);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    ...report,
    file: { name, size: bytes.byteLength, sha256, ...(options.mediaType === undefined ? {} : { media_type: options.mediaType }), method: 'inline' },
  };
}

async function sendStreamed(
  context: FileSendContext,
  peerName: string,
  path: string,
  stats: { size: number; mtimeMs: number },
  options: SendFileOptions,
): Promise<FileSendReport> {
  const peer = await resolvePeer(context.peers, peerName);
  const transports = await context.transports();
  const candidates = streamingTransports(transports, encryptedFileSize({ size: stats.size, chunk_bytes: DEFAULT_FILE_CHUNK_BYTES }), peer.name);
  const store = new OutgoingTransferStore(outgoingTransfersDir(context.layout));
  await dropExpiredRecords(store, context.logger);

  const { outgoing, record, resumed, lock } = await openTransfer(context, store, peer, path, stats, options);
  const envelopeId = parseEnvelope(Buffer.from(record.envelope, 'base64')).envelope_id;
  const fileInfo = {
    name: outgoing.manifest.name,
    size: outgoing.manifest.size,
    sha256: outgoing.manifest.sha256,
    ...(outgoing.manifest.media_type === undefined ? {} : { media_type: outgoing.manifest.media_type }),
    method: 'stream' as const,
    transfer_id: record.transfer_id,
    resumed,
  };
  context.logger.info('file transfer started', { envelope_id: envelopeId, transfer_id: record.transfer_id, peer: peer.name, size: stats.size, resumed });
  let round: TransferRound;
  try {
    round = await runTransfer(context, store, record, progressReporting(outgoing, options), candidates, peer, options.signal);
  } finally {
    await outgoing.close();
    await lock.release();
  }
  const { attempts, handedOffVia } = round;
  if (handedOffVia === undefined) {
    return {
      envelope_id: envelopeId,
      state: round.kept ? 'queued' : 'dead',
      attempts,
      reason: round.kept
        ? 'every transport that streams files failed for now; run the same send again to resume the transfer, or let skcomm daemon resume it on the retry schedule'
        : 'every transport that streams files refused it for good',
      ...(round.nextAttemptAt === undefined ? {} : { next_attempt_at: round.nextAttemptAt }),
      file: fileInfo,
    };
  }
  const handedOff: FileSendReport = { envelope_id: envelopeId, state: 'handed-off', transport: handedOffVia, attempts, file: fileInfo };
  if (options.waitMs === undefined || options.waitMs <= 0) return handedOff;
  const acked = await waitForAck(context, store, record.transfer_id, options.waitMs, options.signal);
  return acked ? { ...handedOff, state: 'delivered', reason: `acked by ${peer.name}` } : handedOff;
}

interface TransferRound {
  attempts: AttemptReport[];
  handedOffVia: string | undefined;
  /** The record stays for a later resume (a retryable failure) or for the ack (handed off). */
  kept: boolean;
  /** When the transfer is tried again: queued, or handed off and the ack not come by then. */
  nextAttemptAt?: string;
}

/**
 * One round of a recorded transfer through the streaming transports (each retried with
 * backoff inside the round), then its outcome persisted: handed off (waits for the ack),
 * queued again on the outbox's retry schedule, or forgotten when refused for good. The
 * caller holds the transfer's lock.
 */
async function runTransfer(
  context: FileSendContext,
  store: OutgoingTransferStore,
  record: OutgoingTransferRecord,
  attachment: OutgoingAttachment & { confirmed(): number },
  candidates: readonly Transport[],
  peer: PeerRecord,
  signal: AbortSignal | undefined,
): Promise<TransferRound> {
  const envelopeBytes = Buffer.from(record.envelope, 'base64');
  const previous = await readTransferState(store.directory, record.transfer_id);
  const { attempts, handedOffVia } = await transfer(context, candidates, envelopeBytes, attachment, peer, signal);
  const now = new Date();
  if (handedOffVia !== undefined) {
    // The ack may be lost on its way back; past this moment the transfer is sent again (the
    // receiving transport redelivers the envelope, its agent acks the duplicate), as the
    // outbox does for a message: the schedule's next step, or twice the transport's latency,
    // or the time the receiver may take to decrypt and hash the file, whichever is longest.
    const rounds = (previous?.rounds ?? 0) + 1;
    const latencyMs = candidates.find((candidate) => candidate.name === handedOffVia)?.traits.expectedLatencyMs ?? 0;
    const processingMs = record.size / RECEIVER_PROCESSING_BYTES_PER_MS;
    const ackWaitMs = Math.max(backoffDelayMs(context.retryScheduleMs, rounds, context.random), 2 * latencyMs, processingMs);
    const ackDueAt = new Date(now.getTime() + ackWaitMs).toISOString();
    await writeTransferState(store.directory, record.transfer_id, {
      state: 'handed-off',
      rounds,
      next_attempt_at: ackDueAt,
      last_error: null,
      via: handedOffVia,
      updated_at: now.toISOString(),
    });
    context.logger.info('file handed off', { transfer_id: record.transfer_id, transport: handedOffVia, ack_due_at: ackDueAt });
    return { attempts, handedOffVia, kept: true, nextAttemptAt: ackDueAt };
  }
  const lastFailure = attempts.findLast((attempt) => attempt.error !== undefined)?.error;
  const retryable = attempts.some((attempt) => attempt.error?.retryable === true);
  context.logger.warn('file transfer failed', { transfer_id: record.transfer_id, path: record.path, kept_for_resume: retryable });
  if (!retryable) {
    await removeTransfer(store, record.transfer_id);
    return { attempts, handedOffVia, kept: false };
  }
  const nextAttemptAt = await queueAgain(context, store, record.transfer_id, previous, lastFailure ?? { code: ErrorCode.AllTransportsFailed, message: 'no transport took it' });
  return { attempts, handedOffVia, kept: true, nextAttemptAt };
}

/** Records a round that ended without a hand-off: next attempt on the outbox's backoff schedule. */
async function queueAgain(
  context: FileSendContext,
  store: OutgoingTransferStore,
  transferId: string,
  previous: TransferState | undefined,
  error: { code: string; message: string },
): Promise<string> {
  const rounds = (previous?.rounds ?? 0) + 1;
  const now = Date.now();
  const nextAttemptAt = new Date(now + backoffDelayMs(context.retryScheduleMs, rounds, context.random)).toISOString();
  await writeTransferState(store.directory, transferId, {
    state: 'queued',
    rounds,
    next_attempt_at: nextAttemptAt,
    last_error: { code: error.code, message: error.message, at: new Date(now).toISOString() },
    via: null,
    updated_at: new Date(now).toISOString(),
  });
  return nextAttemptAt;
}

/** Continues the recorded transfer of this very file (same path, size, mtime, peer), or starts one; either way locked. */
async function openTransfer(
  context: FileSendContext,
  store: OutgoingTransferStore,
  peer: PeerRecord,
  path: string,
  stats: { size: number; mtimeMs: number },
  options: SendFileOptions,
): Promise<{ outgoing: OutgoingFile; record: OutgoingTransferRecord; resumed: boolean; lock: TransferLock }> {
  const found = await store.find({ peer: peer.fingerprint, path, size: stats.size, mtimeMs: stats.mtimeMs });
  if (found !== undefined) {
    const lock = await lockTransfer(store.directory, found.transfer_id);
    if (lock === undefined) {
      throw new StorageError(ErrorCode.AlreadyExists, `the transfer of ${path} to ${peer.name} is being resumed by another process (skcomm daemon?); skcomm outbox list shows it`);
    }
    let outgoing: OutgoingFile | undefined;
    try {
      outgoing = await openRecordedFile(found);
    } catch (error) {
      try {
        if (!SkcommError.hasCode(error, ErrorCode.FileChanged)) throw error;
        // Changed between the look-up and the open: that transfer cannot continue.
        await removeTransfer(store, found.transfer_id);
      } finally {
        await lock.release();
      }
    }
    if (outgoing !== undefined) {
      options.onProgress?.('hashing', found.manifest.size, found.manifest.size);
      return { outgoing, record: found, resumed: true, lock };
    }
  }
  const outgoing = await prepareOutgoingFile(path, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.mediaType === undefined ? {} : { mediaType: options.mediaType }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onHashProgress: (hashed, size) => options.onProgress?.('hashing', hashed, size),
  });
  // A fresh random id: free, unless something is badly wrong. Taken before the record exists, so a daemon never starts it too.
  const lock = await lockTransfer(store.directory, outgoing.manifest.transfer_id);
  try {
    if (lock === undefined) throw new StorageError(ErrorCode.AlreadyExists, `transfer ${outgoing.manifest.transfer_id} is locked by another process`);
    const [sender, pinned] = await Promise.all([context.unlock(), context.peers.findByFingerprint(peer.fingerprint)]);
    if (pinned === undefined) throw new ConfigError(ErrorCode.NotFound, `peer ${peer.name} has no usable key`, { field: 'to' });
    // Always encrypted, whatever default_mode says: the manifest carries the file key.
    const envelope = await sealEnvelope(
      { type: STREAMED_FILE_PAYLOAD_TYPE, contentType: FILE_CONTENT_TYPE, body: serializeFileManifest(outgoing.manifest), envelopeId: randomUUID(), createdAt: new Date() },
      { sender, recipient: { ...pinned.key, name: peer.name }, mode: 'secured' },
    );
    const record: OutgoingTransferRecord = {
      transfer_id: outgoing.manifest.transfer_id,
      peer: peer.fingerprint,
      path: outgoing.path,
      size: outgoing.manifest.size,
      mtime_ms: outgoing.mtimeMs,
      manifest: outgoing.manifest,
      envelope: Buffer.from(serializeEnvelope(envelope)).toString('base64'),
      created_at: new Date().toISOString(),
    };
    await store.save(record);
    return { outgoing, record, resumed: false, lock };
  } catch (error) {
    await outgoing.close();
    await lock?.release();
    throw error;
  }
}

/**
 * Opens the recorded file for a resume with the recorded id, key and hash (no re-hashing).
 * FileChangedError when its size or mtime moved since the record was made; a StorageError
 * E_NOT_FOUND when it is gone.
 */
async function openRecordedFile(record: OutgoingTransferRecord): Promise<OutgoingFile> {
  const { manifest } = record;
  const outgoing = await prepareOutgoingFile(record.path, {
    name: manifest.name,
    chunkBytes: manifest.chunk_bytes,
    resume: { transferId: manifest.transfer_id, key: manifest.key, sha256: manifest.sha256 },
    ...(manifest.media_type === undefined ? {} : { mediaType: manifest.media_type }),
  });
  if (outgoing.mtimeMs === record.mtime_ms && outgoing.manifest.size === record.size) return outgoing;
  await outgoing.close();
  throw new FileChangedError(
    `${record.path} changed since its transfer started (size ${record.size} -> ${outgoing.manifest.size}, mtime ${new Date(record.mtime_ms).toISOString()} -> ${new Date(outgoing.mtimeMs).toISOString()})`,
  );
}

/** A pending transfer given up on: why, and which file. */
export interface DroppedFileTransfer {
  transfer_id: string;
  name: string;
  path: string;
  /** The peer's name, or its fingerprint when it is no longer a peer. */
  peer: string;
  reason: string;
}

export interface FileResumeSummary {
  /** Transfers tried in this pass. */
  attempted: number;
  handedOff: number;
  dropped: DroppedFileTransfer[];
  /** What became of each transfer tried, in order. */
  transfers: FileRetryReport[];
}

/** What one resume round of a pending transfer came to (`skcomm outbox retry`); never the key. */
export interface FileRetryReport {
  transfer_id: string;
  envelope_id: string | null;
  name: string;
  path: string;
  /** The peer's name, or its fingerprint when it is no longer a peer. */
  peer: string;
  size: number;
  /**
   * `handed-off`: the receiver holds it all, waiting for the ack (sent again at
   * `next_attempt_at` if none came); `queued`: kept, tried again at `next_attempt_at`;
   * `dropped`: given up and forgotten (`reason` says why).
   */
  state: 'handed-off' | 'queued' | 'dropped';
  /** The transport that took it. */
  transport?: string;
  /** This round's attempts; empty when nothing was sent. */
  attempts: AttemptReport[];
  reason?: string;
  next_attempt_at?: string;
}

/** Progress of a resumed transfer: plaintext bytes the receiver holds durably. */
export type FileTransferProgress = (transfer: { transfer_id: string; name: string }, phase: FileSendPhase, done: number, total: number) => void;

export interface ResumeFileTransfersOptions {
  signal?: AbortSignal;
  onProgress?: FileTransferProgress;
}

/**
 * The daemon's pass over pending streamed transfers: each one that is due is resumed
 * through the path sendFile takes, one at a time, and its outcome persisted with the next
 * attempt on the outbox's backoff schedule. Due means queued and past its next attempt,
 * or handed off and its ack overdue: sent again, the receiving transport redelivers the
 * envelope (reading no chunk when it remembers the commit) and the receiver acks the
 * duplicate. A transfer whose file changed or vanished, or whose peer is gone, is dropped
 * with a warning.
 */
export async function resumeFileTransfers(context: FileSendContext, options: ResumeFileTransfersOptions = {}): Promise<FileResumeSummary> {
  const { signal } = options;
  const store = new OutgoingTransferStore(outgoingTransfersDir(context.layout));
  await dropExpiredRecords(store, context.logger);
  const summary: FileResumeSummary = { attempted: 0, handedOff: 0, dropped: [], transfers: [] };
  for (const listed of await store.list()) {
    if (signal?.aborted) break;
    const state = await readTransferState(store.directory, listed.transfer_id);
    const nextAttemptAt = state?.next_attempt_at ?? null;
    if (nextAttemptAt !== null && Date.parse(nextAttemptAt) > Date.now()) continue;
    if (state?.state === 'handed-off') context.logger.info('file ack overdue: sending the transfer again', { transfer_id: listed.transfer_id, via: state.via });
    const lock = await lockTransfer(store.directory, listed.transfer_id);
    if (lock === undefined) continue; // being sent right now (skcomm send --file)
    try {
      // Acked or purged since the listing?
      const record = await store.get(listed.transfer_id).catch(() => undefined);
      if (record === undefined) continue;
      summary.attempted++;
      const report = await resumeOne(context, store, record, state, options);
      summary.transfers.push(report);
      if (report.state === 'handed-off') summary.handedOff++;
      if (report.state === 'dropped') summary.dropped.push(droppedOf(report));
    } finally {
      await lock.release();
    }
  }
  return summary;
}

/**
 * `skcomm outbox retry ID`: the pending transfer with this transfer or envelope id, tried
 * now whatever its next attempt, through the daemon's path (resumeOne); a handed-off one
 * too (its ack is awaited: the receiver is asked to deliver and ack it again). Undefined
 * when none matches. E_ALREADY_EXISTS while another process (a daemon, a send --file) sends it.
 */
export async function retryFileTransfer(context: FileSendContext, id: string, options: ResumeFileTransfersOptions = {}): Promise<FileRetryReport | undefined> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(context.layout));
  const listed = (await store.list()).find((record) => record.transfer_id === id || envelopeIdOf(record) === id);
  if (listed === undefined) return undefined;
  const lock = await lockTransfer(store.directory, listed.transfer_id);
  if (lock === undefined) {
    throw new StorageError(ErrorCode.AlreadyExists, `the transfer of ${listed.path} is being sent by another process (skcomm daemon or send --file); skcomm outbox show ${listed.transfer_id} follows it`);
  }
  try {
    // Acked or purged since the listing?
    const record = await store.get(listed.transfer_id).catch(() => undefined);
    if (record === undefined) return undefined;
    const peer = (await context.peers.findByFingerprint(record.peer))?.record.name ?? record.peer;
    if (hasExpired(record)) {
      await removeTransfer(store, record.transfer_id);
      context.logger.info('expired file transfer forgotten', { transfer_id: record.transfer_id });
      return { ...transferIdentity(record, peer), state: 'dropped', attempts: [], reason: 'its envelope outlived its ttl: the receiver would refuse it; send the file again' };
    }
    const state = await readTransferState(store.directory, record.transfer_id);
    return await resumeOne(context, store, record, state, options);
  } finally {
    await lock.release();
  }
}

/**
 * One round of a recorded transfer, the caller holding its lock: dropped when its peer is
 * gone or its file changed or vanished, queued again when no transport can stream it now.
 */
async function resumeOne(
  context: FileSendContext,
  store: OutgoingTransferStore,
  record: OutgoingTransferRecord,
  state: TransferState | undefined,
  options: ResumeFileTransfersOptions,
): Promise<FileRetryReport> {
  const pinned = await context.peers.findByFingerprint(record.peer);
  const peerName = pinned?.record.name ?? record.peer;
  const identity = transferIdentity(record, peerName);
  const drop = async (reason: string): Promise<FileRetryReport> => {
    await removeTransfer(store, record.transfer_id);
    context.logger.warn('file transfer dropped', { transfer_id: record.transfer_id, name: record.manifest.name, path: record.path, peer: peerName, reason });
    return { ...identity, state: 'dropped', attempts: [], reason };
  };
  if (pinned === undefined || pinned.record.revoked) return drop(`peer ${peerName} was removed or revoked`);
  let outgoing: OutgoingFile;
  try {
    outgoing = await openRecordedFile(record);
  } catch (error) {
    if (SkcommError.hasCode(error, ErrorCode.FileChanged)) return drop(`${error.message}; send it again to start over`);
    if (SkcommError.hasCode(error, ErrorCode.NotFound)) return drop(`${record.path} is gone`);
    throw error;
  }
  try {
    let candidates: Transport[];
    try {
      candidates = streamingTransports(await context.transports(), encryptedFileSize(record.manifest), peerName);
    } catch (error) {
      // No transport can stream it now; the configuration may change: try again later.
      if (!SkcommError.is(error)) throw error;
      const nextAttemptAt = await queueAgain(context, store, record.transfer_id, state, { code: error.code, message: error.message });
      return { ...identity, state: 'queued', attempts: [], reason: error.message, next_attempt_at: nextAttemptAt };
    }
    context.logger.info('file transfer resumed', { transfer_id: record.transfer_id, path: record.path, peer: peerName, size: record.size });
    const { onProgress } = options;
    const sendOptions: SendFileOptions = onProgress === undefined ? {} : { onProgress: (phase, done, total) => onProgress({ transfer_id: record.transfer_id, name: record.manifest.name }, phase, done, total) };
    const round = await runTransfer(context, store, record, progressReporting(outgoing, sendOptions), candidates, pinned.record, options.signal);
    const { attempts } = round;
    if (round.handedOffVia !== undefined) {
      return {
        ...identity,
        state: 'handed-off',
        transport: round.handedOffVia,
        attempts,
        reason: `waiting for the ack; sent again after ${round.nextAttemptAt ?? 'a while'} if it does not come`,
        ...(round.nextAttemptAt === undefined ? {} : { next_attempt_at: round.nextAttemptAt }),
      };
    }
    if (!round.kept) return { ...identity, state: 'dropped', attempts, reason: 'every transport that streams files refused it for good' };
    return {
      ...identity,
      state: 'queued',
      attempts,
      reason: 'every transport that streams files failed for now; skcomm daemon resumes it on the retry schedule',
      ...(round.nextAttemptAt === undefined ? {} : { next_attempt_at: round.nextAttemptAt }),
    };
  } finally {
    await outgoing.close();
  }
}

function transferIdentity(record: OutgoingTransferRecord, peer: string): Pick<FileRetryReport, 'transfer_id' | 'envelope_id' | 'name' | 'path' | 'peer' | 'size'> {
  return { transfer_id: record.transfer_id, envelope_id: envelopeIdOf(record) ?? null, name: record.manifest.name, path: record.path, peer, size: record.size };
}

function droppedOf(report: FileRetryReport): DroppedFileTransfer {
  return { transfer_id: report.transfer_id, name: report.name, path: report.path, peer: report.peer, reason: report.reason ?? 'dropped' };
}

/** A streamed transfer not yet acked, as `skcomm outbox list` shows it (never the key). */
export interface PendingFileTransfer {
  transfer_id: string;
  envelope_id: string | null;
  name: string;
  path: string;
  /** The peer's name, or its fingerprint when it is no longer a peer. */
  peer: string;
  peer_fingerprint: string;
  size: number;
  state: TransferState['state'];
  rounds: number;
  /** Queued: the next attempt; handed off: when it is sent again if its ack has not come. Null: now. */
  next_attempt_at: string | null;
  last_error: TransferState['last_error'];
  via: string | null;
  created_at: string;
}

/** One pending transfer by transfer id or envelope id, as `skcomm outbox show` prints it; undefined when none matches. */
export async function findFileTransfer(layout: HomeLayout, peers: PeerStore, id: string): Promise<PendingFileTransfer | undefined> {
  return (await listFileTransfers(layout, peers)).find((transfer) => transfer.transfer_id === id || transfer.envelope_id === id);
}

export async function listFileTransfers(layout: HomeLayout, peers: PeerStore): Promise<PendingFileTransfer[]> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(layout));
  const pending: PendingFileTransfer[] = [];
  for (const record of await store.list()) {
    const state = await readTransferState(store.directory, record.transfer_id);
    let envelopeId: string | null = null;
    try {
      envelopeId = parseEnvelope(Buffer.from(record.envelope, 'base64')).envelope_id;
    } catch {
      // Listed anyway; the next send or daemon pass drops it as expired.
    }
    pending.push({
      transfer_id: record.transfer_id,
      envelope_id: envelopeId,
      name: record.manifest.name,
      path: record.path,
      peer: (await peers.findByFingerprint(record.peer))?.record.name ?? record.peer,
      peer_fingerprint: record.peer,
      size: record.size,
      state: state?.state ?? 'queued',
      rounds: state?.rounds ?? 0,
      next_attempt_at: state === undefined ? record.created_at : state.next_attempt_at,
      last_error: state?.last_error ?? null,
      via: state?.via ?? null,
      created_at: record.created_at,
    });
  }
  return pending;
}

/** Forgets a pending transfer by transfer id or envelope id; false when none matches. */
export async function forgetFileTransfer(layout: HomeLayout, id: string): Promise<boolean> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(layout));
  for (const record of await store.list()) {
    if (record.transfer_id !== id && envelopeIdOf(record) !== id) continue;
    await removeTransfer(store, record.transfer_id);
    return true;
  }
  return false;
}

function envelopeIdOf(record: OutgoingTransferRecord): string | undefined {
  try {
    return parseEnvelope(Buffer.from(record.envelope, 'base64')).envelope_id;
  } catch {
    return undefined;
  }
}

/** The file's attachment, reporting "sending" progress in plaintext bytes. */
function progressReporting(outgoing: OutgoingFile, options: SendFileOptions): OutgoingAttachment & { confirmed(): number } {
  const { attachment, manifest } = outgoing;
  let confirmed = 0;
  return {
    id: attachment.id,
    size: attachment.size,
    chunkBytes: attachment.chunkBytes,
    readChunk: (index) => attachment.readChunk(index),
    onProgress(confirmedBytes, size) {
      confirmed = Math.max(confirmed, confirmedBytes);
      const plaintext = confirmed >= size ? manifest.size : Math.floor((confirmed / size) * manifest.size);
      options.onProgress?.('sending', plaintext, manifest.size);
    },
    confirmed: () => confirmed,
  };
}

/**
 * Tries the streaming transports in priority order. A retryable failure is retried on
 * the same transport with backoff (each retry resumes); the count resets whenever an
 * attempt moved the transfer forward. A transport that gives up hands over to the next.
 */
async function transfer(
  context: FileSendContext,
  candidates: readonly Transport[],
  envelopeBytes: Uint8Array,
  attachment: OutgoingAttachment & { confirmed(): number },
  peer: PeerRecord,
  signal: AbortSignal | undefined,
): Promise<{ attempts: AttemptReport[]; handedOffVia: string | undefined }> {
  const attempts: AttemptReport[] = [];
  const schedule = FILE_RETRY_CEILING_MS.map((ceiling, index) => Math.min(ceiling, context.retryScheduleMs[Math.min(index, context.retryScheduleMs.length - 1)] ?? ceiling));
  for (const transport of candidates) {
    let failuresWithoutProgress = 0;
    for (;;) {
      signal?.throwIfAborted();
      const startedAt = new Date();
      const confirmedBefore = attachment.confirmed();
      const address = Object.hasOwn(peer.addresses, transport.name) ? peer.addresses[transport.name] : undefined;
      try {
        const send = transport.sendWithAttachment as NonNullable<Transport['sendWithAttachment']>;
        const result = await send.call(
          transport,
          envelopeBytes,
          attachment,
          address === undefined ? { fingerprint: peer.fingerprint } : { fingerprint: peer.fingerprint, address },
          signal ? { signal } : {},
        );
        attempts.push({ ...timing(transport.name, startedAt), outcome: 'handed-off', ...(result.detail === undefined ? {} : { detail: result.detail }) });
        return { attempts, handedOffVia: transport.name };
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        const attemptError = toAttemptError(error);
        attempts.push({ ...timing(transport.name, startedAt), outcome: 'failed', error: attemptError });
        context.logger.warn('file transfer attempt failed', { transport: transport.name, transfer_id: attachment.id, error: attemptError });
        if (!attemptError.retryable) break;
        failuresWithoutProgress = attachment.confirmed() > confirmedBefore ? 1 : failuresWithoutProgress + 1;
        if (failuresWithoutProgress > FILE_RETRIES_WITHOUT_PROGRESS) break;
        await sleep(backoffDelayMs(schedule, failuresWithoutProgress, context.random), signal);
      }
    }
  }
  return { attempts, handedOffVia: undefined };
}

/** The transports that can carry this attachment, by priority; a typed error naming what could when none can. */
function streamingTransports(transports: readonly Transport[], attachmentBytes: number, peerName: string): Transport[] {
  const capable = transports.filter((transport) => typeof transport.sendWithAttachment === 'function');
  if (capable.length === 0) {
    const configured = transports.map((transport) => transport.name).join(', ') || 'none';
    throw new SkcommError(
      ErrorCode.NoRoute,
      `files over ${MAX_INLINE_FILE_BYTES} bytes stream through a transport with sendWithAttachment() (such as webrtc); none of the configured transports (${configured}) can`,
      { field: 'transports' },
    );
  }
  const fitting = capable.filter((transport) => (transport.traits.maxAttachmentBytes ?? 0) >= attachmentBytes);
  if (fitting.length === 0) {
    const limits = capable.map((transport) => `${transport.name} up to ${transport.traits.maxAttachmentBytes ?? 0} bytes`).join(', ');
    throw new SkcommError(ErrorCode.NoRoute, `the file is too large for every transport that streams files to ${peerName} (${limits})`, { field: 'transports' });
  }
  return [...fitting].sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name));
}

async function resolvePeer(peers: PeerStore, peerName: string): Promise<PeerRecord> {
  const peer = await peers.get(peerName);
  if (!peer) throw new ConfigError(ErrorCode.NotFound, `no peer named "${peerName}"; add one with skcomm peer add`, { field: 'to' });
  if (peer.revoked) throw new SkcommError(ErrorCode.KeyRevoked, `peer ${peer.name} is revoked; not sending to it`);
  return peer;
}

/** Records whose envelope has outlived its ttl can never be accepted: they go. */
async function dropExpiredRecords(store: OutgoingTransferStore, logger: Logger): Promise<void> {
  for (const record of await store.list()) {
    if (hasExpired(record)) {
      await removeTransfer(store, record.transfer_id);
      logger.info('expired file transfer forgotten', { transfer_id: record.transfer_id });
    }
  }
}

/** Its envelope has outlived its ttl (or cannot be read): no receiver would accept it. */
function hasExpired(record: OutgoingTransferRecord): boolean {
  try {
    const envelope = parseEnvelope(Buffer.from(record.envelope, 'base64'));
    return Date.now() > Date.parse(envelope.timestamp) + envelope.routing.ttl_seconds * 1000;
  } catch {
    return true;
  }
}

/** Waits until the transfer record is gone (the ack removed it, here or in a daemon), receiving meanwhile. */
async function waitForAck(context: FileSendContext, store: OutgoingTransferStore, transferId: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if ((await store.get(transferId)) === undefined) return true;
    if (performance.now() >= deadline || signal?.aborted) return false;
    await context.receive();
    await sleep(Math.min(100, Math.max(0, deadline - performance.now())), signal);
  }
}

/**
 * An ack for an envelope that is not in the outbox may be for a streamed file: its record
 * is found by envelope id, the ack's binding checked, and the record removed. Returns
 * false when no transfer matches.
 */
export async function acknowledgeFileTransfer(layout: HomeLayout, ack: AckDocument, ackSigner: string, logger: Logger): Promise<boolean> {
  const store = new OutgoingTransferStore(outgoingTransfersDir(layout));
  for (const record of await store.list()) {
    let envelope: Envelope;
    try {
      envelope = parseEnvelope(Buffer.from(record.envelope, 'base64'));
    } catch {
      continue;
    }
    if (envelope.envelope_id !== ack.envelope_id) continue;
    if (record.peer !== ackSigner || documentSha256(envelope, serializeFileManifest(record.manifest)) !== ack.document_sha256) {
      throw new RejectionError(ErrorCode.HeaderMismatch, `ack is not bound to file envelope ${ack.envelope_id} as it was sent`, { field: 'ack.document_sha256' });
    }
    await removeTransfer(store, record.transfer_id);
    logger.info('file delivered', { envelope_id: ack.envelope_id, transfer_id: record.transfer_id });
    return true;
  }
  return false;
}

/** sha256 of the signed document of a sealed envelope whose body we know: what its ack binds to. */
export function documentSha256(envelope: Envelope, body: string): string {
  const document: SignedDocument = {
    ctx: signedDocumentContext,
    envelope_id: envelope.envelope_id,
    created_at: envelope.timestamp,
    ttl_seconds: envelope.routing.ttl_seconds,
    from: envelope.from,
    to: envelope.to,
    type: envelope.payload.type,
    content_type: envelope.metadata.content_type,
    urgency: envelope.metadata.urgency,
    thread_id: envelope.metadata.thread_id ?? null,
    in_reply_to: envelope.metadata.in_reply_to ?? null,
    body,
  };
  return createHash('sha256').update(canonicalBytes(document)).digest('hex');
}

function timing(transport: string, startedAt: Date): Pick<AttemptReport, 'transport' | 'started_at' | 'duration_ms'> {
  return { transport, started_at: startedAt.toISOString(), duration_ms: Math.max(0, Date.now() - startedAt.getTime()) };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
