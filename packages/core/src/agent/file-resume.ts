/**
 * Pending streamed transfers resumed: the daemon's pass over the ones that are due, and
 * `skcomm outbox retry ID` for one now. Each goes through the round sendFile runs, or is
 * dropped when its peer, its file or its envelope's ttl is gone.
 */
import { encryptedFileSize } from '../files/chunk-cipher.js';
import type { OutgoingFile } from '../files/outgoing.js';
import { type OutgoingTransferRecord, OutgoingTransferStore } from '../files/transfer-store.js';
import { ErrorCode, SkcommError, StorageError } from '../errors.js';
import type { Transport } from '../transport/contract.js';
import { openRecordedFile } from './file-open.js';
import { outgoingTransfersDir } from './file-paths.js';
import { progressReporting, queueAgain, runTransfer, streamingTransports } from './file-round.js';
import { dropExpiredRecords, envelopeIdOf, hasExpired } from './file-transfers.js';
import type { FileSendContext, FileSendPhase, SendFileOptions } from './file-types.js';
import { lockTransfer, readTransferState, removeTransfer, type TransferState } from './transfer-state.js';
import type { AttemptReport } from './types.js';

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
