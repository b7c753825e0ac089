/**
 * `agent.sendFile()`. Small files (up to MAX_INLINE_FILE_BYTES) go inline as a `file`
 * message through the normal send path: any transport, failover, the outbox, acks.
 *
 * Larger ones stream: the file manifest (name, size, sha256, chunk key) is sealed as a
 * `webrtc_file` envelope and the AES-GCM chunks travel beside it through a transport with
 * `sendWithAttachment()`. A transfer record in `<home>/queue/files/` keeps the id, key and
 * sealed envelope, so running the same send again after a crash or a cut RESUMES: the
 * receiver keeps its partial ciphertext and the transport reads only what it lacks. The
 * record goes once the receiver's signed ack arrives, or when every transport refused
 * the file for good.
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
import { type OutgoingTransferRecord, OutgoingTransferStore } from '../files/transfer-store.js';
import { backoffDelayMs } from '../router/backoff.js';
import { toAttemptError } from '../router/attempt.js';
import { readRegularFile } from '../store/fs-atomic.js';
import type { HomeLayout } from '../store/layout.js';
import type { PeerRecord, PeerStore } from '../store/peers.js';
import type { Logger, OutgoingAttachment, Transport } from '../transport/contract.js';
import { buildInlineFileBody, INLINE_FILE_CONTENT_TYPE, INLINE_FILE_PAYLOAD_TYPE, MAX_INLINE_FILE_BYTES } from './inline-file.js';
import { STREAMED_FILE_PAYLOAD_TYPE } from './received-files.js';
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

  const { outgoing, record, resumed } = await openTransfer(context, store, peer, path, stats, options);
  const envelopeBytes = Buffer.from(record.envelope, 'base64');
  const envelopeId = parseEnvelope(envelopeBytes).envelope_id;
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
  let attempts: AttemptReport[];
  let handedOffVia: string | undefined;
  try {
    ({ attempts, handedOffVia } = await transfer(context, candidates, envelopeBytes, progressReporting(outgoing, options), peer, options.signal));
  } finally {
    await outgoing.close();
  }
  if (handedOffVia === undefined) {
    const retryable = attempts.some((attempt) => attempt.error?.retryable === true);
    // Kept when it may still work: the same send run again resumes where this one stopped.
    if (!retryable) await store.remove(record.transfer_id);
    context.logger.warn('file transfer failed', { envelope_id: envelopeId, transfer_id: record.transfer_id, kept_for_resume: retryable });
    return {
      envelope_id: envelopeId,
      state: retryable ? 'queued' : 'dead',
      attempts,
      reason: retryable
        ? 'every transport that streams files failed for now; run the same send again to resume the transfer'
        : 'every transport that streams files refused it for good',
      file: fileInfo,
    };
  }
  context.logger.info('file handed off', { envelope_id: envelopeId, transfer_id: record.transfer_id, transport: handedOffVia });
  const handedOff: FileSendReport = { envelope_id: envelopeId, state: 'handed-off', transport: handedOffVia, attempts, file: fileInfo };
  if (options.waitMs === undefined || options.waitMs <= 0) return handedOff;
  const acked = await waitForAck(context, store, record.transfer_id, options.waitMs, options.signal);
  return acked ? { ...handedOff, state: 'delivered', reason: `acked by ${peer.name}` } : handedOff;
}

/** Continues the recorded transfer of this very file (same path, size, mtime, peer), or starts one. */
async function openTransfer(
  context: FileSendContext,
  store: OutgoingTransferStore,
  peer: PeerRecord,
  path: string,
  stats: { size: number; mtimeMs: number },
  options: SendFileOptions,
): Promise<{ outgoing: OutgoingFile; record: OutgoingTransferRecord; resumed: boolean }> {
  const found = await store.find({ peer: peer.fingerprint, path, size: stats.size, mtimeMs: stats.mtimeMs });
  if (found !== undefined) {
    const { manifest } = found;
    const outgoing = await prepareOutgoingFile(path, {
      name: manifest.name,
      chunkBytes: manifest.chunk_bytes,
      resume: { transferId: manifest.transfer_id, key: manifest.key, sha256: manifest.sha256 },
      ...(manifest.media_type === undefined ? {} : { mediaType: manifest.media_type }),
    });
    if (outgoing.mtimeMs === found.mtime_ms && outgoing.manifest.size === found.size) {
      options.onProgress?.('hashing', manifest.size, manifest.size);
      return { outgoing, record: found, resumed: true };
    }
    // Changed between the look-up and the open: that transfer cannot continue.
    await outgoing.close();
    await store.remove(found.transfer_id);
  }
  const outgoing = await prepareOutgoingFile(path, {
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.mediaType === undefined ? {} : { mediaType: options.mediaType }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onHashProgress: (hashed, size) => options.onProgress?.('hashing', hashed, size),
  });
  try {
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
    return { outgoing, record, resumed: false };
  } catch (error) {
    await outgoing.close();
    throw error;
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
    let expired: boolean;
    try {
      const envelope = parseEnvelope(Buffer.from(record.envelope, 'base64'));
      expired = Date.now() > Date.parse(envelope.timestamp) + envelope.routing.ttl_seconds * 1000;
    } catch {
      expired = true;
    }
    if (expired) {
      await store.remove(record.transfer_id);
      logger.info('expired file transfer forgotten', { transfer_id: record.transfer_id });
    }
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
    await store.remove(record.transfer_id);
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
