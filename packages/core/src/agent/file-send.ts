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
 *
 * This module is the entry; the round through the transports is file-round.ts, the resume
 * file-resume.ts, the pending records file-transfers.ts, the acks file-acks.ts.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { parseEnvelope } from '../envelope/parse.js';
import { ConfigError, ErrorCode, SkcommError, StorageError } from '../errors.js';
import { encryptedFileSize } from '../files/chunk-cipher.js';
import { safeFileName } from '../files/file-name.js';
import { DEFAULT_FILE_CHUNK_BYTES } from '../files/manifest.js';
import { OutgoingTransferStore } from '../files/transfer-store.js';
import { readRegularFile } from '../store/fs-atomic.js';
import type { PeerRecord, PeerStore } from '../store/peers.js';
import { waitForAck } from './file-acks.js';
import { openTransfer } from './file-open.js';
import { outgoingTransfersDir } from './file-paths.js';
import { progressReporting, runTransfer, streamingTransports, type TransferRound } from './file-round.js';
import { dropExpiredRecords } from './file-transfers.js';
import type { FileSendContext, SendFileOptions } from './file-types.js';
import { buildInlineFileBody, INLINE_FILE_CONTENT_TYPE, INLINE_FILE_PAYLOAD_TYPE, MAX_INLINE_FILE_BYTES } from './inline-file.js';
import type { SendReport } from './types.js';

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

async function resolvePeer(peers: PeerStore, peerName: string): Promise<PeerRecord> {
  const peer = await peers.get(peerName);
  if (!peer) throw new ConfigError(ErrorCode.NotFound, `no peer named "${peerName}"; add one with skcomm peer add`, { field: 'to' });
  if (peer.revoked) throw new SkcommError(ErrorCode.KeyRevoked, `peer ${peer.name} is revoked; not sending to it`);
  return peer;
}
