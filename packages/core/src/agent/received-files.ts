/**
 * Receiving files: a verified `file` (inline) or `webrtc_file` (manifest + attachment)
 * message becomes a file in `<home>/files/received/`, and the message the inbox keeps
 * says where it is. The inbox never holds the bytes, nor the attachment key.
 *
 * Stored body, for both types: `{"name","size","sha256","media_type"?,"path"}` plus, for
 * `webrtc_file`, the rest of the file description (ctx, transfer_id, chunk_bytes, cipher).
 * Any failure is a typed error (E_FILE_MANIFEST, E_FILE_INTEGRITY) that quarantines the
 * envelope, and nothing half-written stays in the destination.
 *
 * Saving is idempotent per message: after the file gets its final name, a small marker
 * in `.partial/` (`<transfer_id>.saved.json`, or `<envelope_id>.saved.json` inline) says
 * where it went. A redelivery after a crash between that and the inbox write finds the
 * marker and reuses the file when its size and sha256 still match, instead of saving it
 * again as "name (1)". The agent removes the marker once the message is in the inbox;
 * leftovers go at start (sweepReceivedLeftovers).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, mkdir, open, readdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCode, StorageError } from '../errors.js';
import { decryptAttachment, PARTIAL_DIRECTORY } from '../files/decrypt.js';
import { FileIntegrityError, FileManifestError } from '../files/errors.js';
import { numberedFileName, safeFileName } from '../files/file-name.js';
import { describeFile, FILE_CONTENT_TYPE, parseFileManifest } from '../files/manifest.js';
import type { VerifiedMessage } from '../message.js';
import { errnoOf, readRegularFile, syncDirectory, writeFileAtomic } from '../store/fs-atomic.js';
import type { InboundEnvelope } from '../transport/contract.js';
import { INLINE_FILE_CONTENT_TYPE, INLINE_FILE_PAYLOAD_TYPE, parseInlineFileBody } from './inline-file.js';

export const STREAMED_FILE_PAYLOAD_TYPE = 'webrtc_file';
const MAX_NAME_ATTEMPTS = 10_000;
const SAVED_MARKER_SUFFIX = '.saved.json';
/** A `.part` file this old is a crash's leftover: no decrypt runs that long without writing. */
export const PARTIAL_FILE_MAX_AGE_MS = 24 * 3600 * 1000;
/** A marker outlives its message's ttl by this much: more than any clock skew the receive pipeline allows. */
const MARKER_SLACK_MS = 24 * 3600 * 1000;

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
    const path = await saveOnce(receivedDir, message, message.envelopeId, file, () => writeUnique(receivedDir, file.name, file.bytes));
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
  const { attachment } = inbound;
  const path = await saveOnce(receivedDir, message, manifest.transfer_id, manifest, async () => (await decryptAttachment(manifest, attachment, receivedDir)).path);
  return { ...message, body: JSON.stringify({ ...describeFile(manifest), path }) };
}

/** Where an earlier delivery of this message saved its file. */
interface SavedMarker {
  envelope_id: string;
  from: string;
  path: string;
  size: number;
  sha256: string;
  /** Past this the envelope is refused as expired, so it cannot come again: the marker may go. */
  expires_at: string;
}

function markerPath(receivedDir: string, key: string): string {
  return join(receivedDir, PARTIAL_DIRECTORY, `${key}${SAVED_MARKER_SUFFIX}`);
}

/**
 * Runs `save` unless an earlier delivery of the same message (same key, envelope id and
 * sender) already saved the same file (size and sha256) and it is still there.
 */
async function saveOnce(
  receivedDir: string,
  message: VerifiedMessage,
  key: string,
  file: { size: number; sha256: string },
  save: () => Promise<string>,
): Promise<string> {
  const marker = markerPath(receivedDir, key);
  const earlier = await readMarker(marker);
  if (
    earlier !== undefined &&
    earlier.envelope_id === message.envelopeId &&
    earlier.from === message.from.fingerprint &&
    earlier.size === file.size &&
    earlier.sha256 === file.sha256 &&
    dirname(earlier.path) === receivedDir &&
    (await holdsFile(earlier.path, file.size, file.sha256))
  ) {
    return earlier.path;
  }
  const path = await save();
  const record: SavedMarker = {
    envelope_id: message.envelopeId,
    from: message.from.fingerprint,
    path,
    size: file.size,
    sha256: file.sha256,
    expires_at: new Date(message.createdAt.getTime() + message.ttlSeconds * 1000 + MARKER_SLACK_MS).toISOString(),
  };
  // Best effort: without it only a crash before the inbox write costs a second copy.
  await writeFileAtomic(marker, `${JSON.stringify(record)}\n`, { mode: 0o600 }).catch(() => undefined);
  return path;
}

async function readMarker(path: string): Promise<SavedMarker | undefined> {
  try {
    const parsed = JSON.parse((await readRegularFile(path, 64 * 1024)).toString('utf8')) as Partial<SavedMarker>;
    const valid =
      typeof parsed.envelope_id === 'string' &&
      typeof parsed.from === 'string' &&
      typeof parsed.path === 'string' &&
      typeof parsed.size === 'number' &&
      typeof parsed.sha256 === 'string' &&
      typeof parsed.expires_at === 'string';
    return valid ? (parsed as SavedMarker) : undefined;
  } catch {
    return undefined;
  }
}

/** True when `path` is a regular file (not a symlink) of exactly this size and sha256. */
async function holdsFile(path: string, size: number, sha256: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile() || stats.size !== size) return false;
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex') === sha256;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

/** The message is in the inbox and recorded as seen: its saved-file marker has done its job. */
export async function forgetSavedFile(receivedDir: string, message: VerifiedMessage): Promise<void> {
  const saved = receivedFileOf(message);
  if (saved === undefined) return;
  let key = message.envelopeId;
  if (message.type === STREAMED_FILE_PAYLOAD_TYPE) {
    const transferId = (JSON.parse(message.body) as { transfer_id?: unknown }).transfer_id;
    if (typeof transferId !== 'string' || !/^[0-9a-f]{32}$/.test(transferId)) return;
    key = transferId;
  }
  await unlink(markerPath(receivedDir, key)).catch(() => undefined);
}

/**
 * Removes what crashes leave in `<receivedDir>/.partial/`: `.part` files older than a day
 * (a decrypt or an inline save cut short) and markers of messages past their ttl.
 * Returns how many files went.
 */
export async function sweepReceivedLeftovers(receivedDir: string, now: Date = new Date()): Promise<number> {
  const partialDir = join(receivedDir, PARTIAL_DIRECTORY);
  let names: string[];
  try {
    names = await readdir(partialDir);
  } catch (cause) {
    if (errnoOf(cause) === 'ENOENT') return 0;
    throw StorageError.fromFs(cause, `cannot list ${partialDir}`);
  }
  let removed = 0;
  for (const name of names) {
    const path = join(partialDir, name);
    let stale = false;
    if (name.endsWith('.part')) {
      const stats = await lstat(path).catch(() => undefined);
      stale = stats !== undefined && stats.isFile() && now.getTime() - stats.mtimeMs > PARTIAL_FILE_MAX_AGE_MS;
    } else if (name.endsWith(SAVED_MARKER_SUFFIX)) {
      const marker = await readMarker(path);
      // An unreadable marker is worthless: a redelivery then just saves the file again.
      stale = marker === undefined || Date.parse(marker.expires_at) < now.getTime() || Number.isNaN(Date.parse(marker.expires_at));
    }
    if (!stale) continue;
    try {
      await unlink(path);
      removed++;
    } catch (cause) {
      if (errnoOf(cause) !== 'ENOENT') throw StorageError.fromFs(cause, `cannot remove ${path}`);
    }
  }
  return removed;
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
