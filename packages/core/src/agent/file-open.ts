/**
 * Opens a streamed transfer, locked: continues the recorded transfer of the very same file
 * or records a new one (its manifest sealed into the envelope it travels with), and reopens
 * a recorded file for a resume without hashing it again.
 */
import { randomUUID } from 'node:crypto';
import { sealEnvelope } from '../crypto/index.js';
import { serializeEnvelope } from '../envelope/parse.js';
import { ConfigError, ErrorCode, SkcommError, StorageError } from '../errors.js';
import { FILE_CONTENT_TYPE, serializeFileManifest } from '../files/manifest.js';
import { type OutgoingFile, prepareOutgoingFile } from '../files/outgoing.js';
import { FileChangedError } from '../files/errors.js';
import type { OutgoingTransferRecord, OutgoingTransferStore } from '../files/transfer-store.js';
import type { PeerRecord } from '../store/peers.js';
import type { FileSendContext, SendFileOptions } from './file-types.js';
import { STREAMED_FILE_PAYLOAD_TYPE } from './received-files.js';
import { lockTransfer, removeTransfer, type TransferLock } from './transfer-state.js';

/** Continues the recorded transfer of this very file (same path, size, mtime, peer), or starts one; either way locked. */
export async function openTransfer(
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
export async function openRecordedFile(record: OutgoingTransferRecord): Promise<OutgoingFile> {
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
