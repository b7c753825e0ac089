/**
 * Receiving files: a verified `file` (inline) or `webrtc_file` (manifest + attachment)
 * message becomes a file in `<home>/files/received/`, and the message the inbox keeps
 * says where it is. The inbox never holds the bytes, nor the attachment key.
 *
 * Stored body, for both types: `{"name","size","sha256","media_type"?,"path"}` plus, for
 * `webrtc_file`, the rest of the file description (ctx, transfer_id, chunk_bytes, cipher).
 * Any failure is a typed error (E_FILE_MANIFEST, E_FILE_INTEGRITY) that quarantines the
 * envelope, and nothing half-written stays in the destination.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, StorageError } from '../errors.js';
import { decryptAttachment, PARTIAL_DIRECTORY } from '../files/decrypt.js';
import { FileIntegrityError, FileManifestError } from '../files/errors.js';
import { numberedFileName, safeFileName } from '../files/file-name.js';
import { describeFile, FILE_CONTENT_TYPE, parseFileManifest } from '../files/manifest.js';
import type { VerifiedMessage } from '../message.js';
import { errnoOf, syncDirectory } from '../store/fs-atomic.js';
import type { InboundEnvelope } from '../transport/contract.js';
import { INLINE_FILE_CONTENT_TYPE, INLINE_FILE_PAYLOAD_TYPE, parseInlineFileBody } from './inline-file.js';

export const STREAMED_FILE_PAYLOAD_TYPE = 'webrtc_file';
const MAX_NAME_ATTEMPTS = 10_000;

/** What the inbox holds for a received file. */
export interface ReceivedFileBody {
  name: string;
  size: number;
  sha256: string;
  media_type?: string;
  /** Where the file was saved on this machine. */
  path: string;
}

/** The saved file an inbox message describes; undefined for any other message. */
export function receivedFileOf(message: Pick<VerifiedMessage, 'type' | 'contentType' | 'body'>): ReceivedFileBody | undefined {
  const isFile =
    (message.type === INLINE_FILE_PAYLOAD_TYPE && message.contentType === INLINE_FILE_CONTENT_TYPE) ||
    (message.type === STREAMED_FILE_PAYLOAD_TYPE && message.contentType === FILE_CONTENT_TYPE);
  if (!isFile) return undefined;
  try {
    const body = JSON.parse(message.body) as Partial<ReceivedFileBody>;
    const valid = typeof body.name === 'string' && typeof body.size === 'number' && typeof body.sha256 === 'string' && typeof body.path === 'string';
    return valid ? (body as ReceivedFileBody) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Saves the file a verified message carries and returns the message as the inbox keeps
 * it. Other messages pass through unchanged. StorageErrors propagate (the transport then
 * redelivers); bad content throws FileManifestError or FileIntegrityError.
 */
export async function saveReceivedFile(message: VerifiedMessage, inbound: InboundEnvelope, receivedDir: string): Promise<VerifiedMessage> {
  if (message.type === STREAMED_FILE_PAYLOAD_TYPE) return saveStreamed(message, inbound, receivedDir);
  if (message.type === INLINE_FILE_PAYLOAD_TYPE && message.contentType === INLINE_FILE_CONTENT_TYPE) {
    const file = parseInlineFileBody(message.body);
    const path = await writeUnique(receivedDir, file.name, file.bytes);
    const body: ReceivedFileBody = {
      name: file.name,
      size: file.size,
      sha256: file.sha256,
      ...(file.media_type === undefined ? {} : { media_type: file.media_type }),
      path,
    };
    return { ...message, body: JSON.stringify(body) };
  }
  return message;
}

async function saveStreamed(message: VerifiedMessage, inbound: InboundEnvelope, receivedDir: string): Promise<VerifiedMessage> {
  if (message.contentType !== FILE_CONTENT_TYPE) {
    throw new FileManifestError(`a webrtc_file envelope must have content type ${FILE_CONTENT_TYPE}`, { field: 'metadata.content_type' });
  }
  // The manifest holds the attachment key: sent in the clear, anyone on the way could read the file.
  if (message.mode !== 'secured') {
    throw new FileManifestError('a webrtc_file envelope must be encrypted (its manifest holds the file key)', { field: 'payload.content' });
  }
  const manifest = parseFileManifest(message.body);
  if (inbound.attachment === undefined) {
    throw new FileIntegrityError(`envelope ${message.envelopeId} announces file transfer ${manifest.transfer_id} but arrived via ${inbound.transport} without its attachment`);
  }
  const saved = await decryptAttachment(manifest, inbound.attachment, receivedDir);
  return { ...message, body: JSON.stringify({ ...describeFile(manifest), path: saved.path }) };
}

/**
 * Writes bytes under a fresh name in `directory`: a temp file in `.partial/`, fsynced,
 * then linked to the first free "name", "name (1)", ... (link never replaces a file).
 */
async function writeUnique(directory: string, name: string, bytes: Uint8Array): Promise<string> {
  const partialDir = join(directory, PARTIAL_DIRECTORY);
  try {
    await mkdir(partialDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot create ${partialDir}`);
  }
  const tempPath = join(partialDir, `inline.${randomBytes(8).toString('hex')}.part`);
  try {
    const handle = await open(tempPath, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    const safeName = safeFileName(name);
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const path = join(directory, attempt === 0 ? safeName : numberedFileName(safeName, attempt));
      try {
        await link(tempPath, path);
      } catch (cause) {
        if (errnoOf(cause) === 'EEXIST') continue;
        throw cause;
      }
      await syncDirectory(directory);
      return path;
    }
    throw new StorageError(ErrorCode.AlreadyExists, `${MAX_NAME_ATTEMPTS} files named like ${safeName} already exist in ${directory}`);
  } catch (cause) {
    throw cause instanceof StorageError ? cause : StorageError.fromFs(cause, `cannot save ${name} in ${directory}`);
  } finally {
    await unlink(tempPath).catch(() => undefined);
  }
}
