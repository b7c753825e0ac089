/**
 * One round of a recorded transfer through the transports that stream files: the attempts
 * (each transport retried with backoff while the transfer moves forward), then the outcome
 * persisted beside the record: handed off with an ack deadline, queued again on the
 * outbox's schedule, or forgotten when refused for good.
 */
import { ErrorCode, SkcommError } from '../errors.js';
import type { OutgoingFile } from '../files/outgoing.js';
import type { OutgoingTransferRecord, OutgoingTransferStore } from '../files/transfer-store.js';
import { backoffDelayMs } from '../router/backoff.js';
import { toAttemptError } from '../router/attempt.js';
import type { PeerRecord } from '../store/peers.js';
import type { OutgoingAttachment, Transport } from '../transport/contract.js';
import { sleep } from './abortable-sleep.js';
import type { FileSendContext, SendFileOptions } from './file-types.js';
import { MAX_INLINE_FILE_BYTES } from './inline-file.js';
import { readTransferState, removeTransfer, type TransferState, writeTransferState } from './transfer-state.js';
import type { AttemptReport } from './types.js';

/** A cut transfer is retried at most this often in a row without progress, per transport. */
export const FILE_RETRIES_WITHOUT_PROGRESS = 5;
/** A slow receiver's decrypt + hash + save rate (10 MB/s), for the ack deadline of a large file. */
const RECEIVER_PROCESSING_BYTES_PER_MS = 10_000;
/** Retries of a cut transfer wait at most these steps (the config's schedule when it is shorter). */
const FILE_RETRY_CEILING_MS = [1000, 2000, 5000, 10_000, 20_000];

export interface TransferRound {
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
export async function runTransfer(
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
export async function queueAgain(
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

/** The file's attachment, reporting "sending" progress in plaintext bytes. */
export function progressReporting(outgoing: OutgoingFile, options: SendFileOptions): OutgoingAttachment & { confirmed(): number } {
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
export function streamingTransports(transports: readonly Transport[], attachmentBytes: number, peerName: string): Transport[] {
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

function timing(transport: string, startedAt: Date): Pick<AttemptReport, 'transport' | 'started_at' | 'duration_ms'> {
  return { transport, started_at: startedAt.toISOString(), duration_ms: Math.max(0, Date.now() - startedAt.getTime()) };
}
