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
 * Saving is idempotent per message, through a marker in `.partial/` (`<transfer_id>.saved.json`,
 * or `<envelope_id>.saved.json` inline), in this order:
 *   1. the verified plaintext is fsynced in a `.part` file;
 *   2. the marker is written durably as an intent: envelope, sender, size, sha256 and
 *      the `.part` file's identity (device, inode, birth and modification times), which
 *      link() keeps;
 *   3. the `.part` is linked to the first free "name", "name (1)", ... and unlinked;
 *   4. the marker is completed with that path; 5. the message goes to the inbox.
 * The envelope is committed only after 5, so a crash anywhere brings it again. The
 * redelivery reuses the file whose identity the marker records, if it still holds the
 * same size and sha256: at the recorded path (crash after 4), or under one of the
 * names the link tried (crash between 3 and 4); none matches after a crash before 3, and
 * the file is saved anew. A file the user put there is another inode, or the same number
 * reused with a later birth time, so never taken for ours; nothing is hashed but the one
 * file with the recorded identity. The agent removes the marker once the message is in
 * the inbox; leftovers, intents included, go at start (sweepReceivedLeftovers).
 */
import { createHash, randomBytes } from 'node:crypto';
import { type BigIntStats, constants } from 'node:fs';
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
    const path = await saveOnce(receivedDir, message, message.envelopeId, file, (beforeNaming) => writeUnique(receivedDir, file.name, file.bytes, beforeNaming));
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
  const path = await saveOnce(receivedDir, message, manifest.transfer_id, manifest, async (beforeNaming) => (await decryptAttachment(manifest, attachment, receivedDir, { beforeNaming })).path);
  return { ...message, body: JSON.stringify({ ...describeFile(manifest), path }) };
}

/** Which file an earlier delivery of this message saved, or was about to name: its identity is the `.part` file's. */
interface SavedMarker extends FileIdentity {
  envelope_id: string;
  from: string;
  size: number;
  sha256: string;
  /** Where it was named; absent while the marker is only an intent. */
  path?: string;
  /** Past this the envelope is refused as expired, so it cannot come again: the marker may go. */
  expires_at: string;
}

/**
 * What tells one file from another, as decimal strings: st_dev and st_ino, which link()
 * keeps, with the birth and modification times, because a file system may give a deleted
 * file's inode number to the next file created (ext4 does, at once). Nothing writes our
 * file after its fsync, so its mtime stays; where birth times are unknown they read 0.
 */
interface FileIdentity {
  dev: string;
  ino: string;
  birthtime_ns: string;
  mtime_ns: string;
}

/** The file a message carries, as far as saving it goes. */
interface ExpectedFile {
  name: string;
  size: number;
  sha256: string;
}

/** Saves the file and returns its path, calling `beforeNaming` with the `.part` file it is about to link to its name. */
type SaveFile = (beforeNaming: (partialPath: string) => Promise<void>) => Promise<string>;

function markerPath(receivedDir: string, key: string): string {
  return join(receivedDir, PARTIAL_DIRECTORY, `${key}${SAVED_MARKER_SUFFIX}`);
}

/**
 * Runs `save` unless an earlier delivery of the same message (same key, envelope id and
 * sender) already named the same file (size and sha256) and that very file is still there.
 */
async function saveOnce(receivedDir: string, message: VerifiedMessage, key: string, file: ExpectedFile, save: SaveFile): Promise<string> {
  const marker = markerPath(receivedDir, key);
  const earlier = await readMarker(marker);
  if (earlier !== undefined && isSameDelivery(earlier, message, file)) {
    const found = await findSavedFile(receivedDir, earlier, file);
    if (found !== undefined) {
      // Best effort, like the completion below: the intent alone finds the file again.
      if (earlier.path === undefined) await writeMarker(marker, { ...earlier, path: found }).catch(() => undefined);
      return found;
    }
  }
  let intent: SavedMarker | undefined;
  const path = await save(async (partialPath) => {
    intent = {
      envelope_id: message.envelopeId,
      from: message.from.fingerprint,
      size: file.size,
      sha256: file.sha256,
      ...(await identityOf(partialPath)),
      expires_at: new Date(message.createdAt.getTime() + message.ttlSeconds * 1000 + MARKER_SLACK_MS).toISOString(),
    };
    // Durable before the link: from then on a crash leaves a marker that knows the named file.
    await writeMarker(marker, intent);
  });
  if (intent === undefined) throw new StorageError(ErrorCode.Storage, `saving ${file.name} gave it a name without recording it first`);
  // Best effort: without it the redelivery looks the file up by the names the link tried.
  await writeMarker(marker, { ...intent, path }).catch(() => undefined);
  return path;
}

function isSameDelivery(marker: SavedMarker, message: VerifiedMessage, file: ExpectedFile): boolean {
  return marker.envelope_id === message.envelopeId && marker.from === message.from.fingerprint && marker.size === file.size && marker.sha256 === file.sha256;
}

function writeMarker(path: string, marker: SavedMarker): Promise<void> {
  return writeFileAtomic(path, `${JSON.stringify(marker)}\n`, { mode: 0o600 });
}

async function identityOf(path: string): Promise<FileIdentity> {
  let stats: BigIntStats;
  try {
    stats = await lstat(path, { bigint: true });
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot stat ${path}`);
  }
  return identityFromStats(stats);
}

function identityFromStats(stats: BigIntStats): FileIdentity {
  return { dev: stats.dev.toString(), ino: stats.ino.toString(), birthtime_ns: stats.birthtimeNs.toString(), mtime_ns: stats.mtimeNs.toString() };
}

function isIdentity(stats: BigIntStats, identity: FileIdentity): boolean {
  const actual = identityFromStats(stats);
  return actual.dev === identity.dev && actual.ino === identity.ino && actual.birthtime_ns === identity.birthtime_ns && actual.mtime_ns === identity.mtime_ns;
}

/**
 * The path of the file the marker names, if it is in `receivedDir` and still holds the
 * expected bytes. An intent without a path: the link tried "name", "name (1)", ... in
 * order, so the file, if named, is among them up to the first free one. Only the one
 * with the recorded identity is read.
 */
async function findSavedFile(receivedDir: string, marker: SavedMarker, file: ExpectedFile): Promise<string | undefined> {
  if (marker.path !== undefined) {
    return dirname(marker.path) === receivedDir && (await holdsFile(marker.path, marker, file)) ? marker.path : undefined;
  }
  const safeName = safeFileName(file.name);
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    const path = join(receivedDir, attempt === 0 ? safeName : numberedFileName(safeName, attempt));
    let stats: BigIntStats;
    try {
      stats = await lstat(path, { bigint: true });
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT') return undefined;
      throw StorageError.fromFs(cause, `cannot stat ${path}`);
    }
    if (isIdentity(stats, marker)) return (await holdsFile(path, marker, file)) ? path : undefined;
  }
  return undefined;
}

function isMarker(value: Partial<SavedMarker>): value is SavedMarker {
  const decimal = /^-?[0-9]+$/;
  return (
    typeof value.envelope_id === 'string' &&
    typeof value.from === 'string' &&
    typeof value.size === 'number' &&
    typeof value.sha256 === 'string' &&
    [value.dev, value.ino, value.birthtime_ns, value.mtime_ns].every((field) => typeof field === 'string' && decimal.test(field)) &&
    (value.path === undefined || typeof value.path === 'string') &&
    typeof value.expires_at === 'string'
  );
}

async function readMarker(path: string): Promise<SavedMarker | undefined> {
  try {
    const parsed = JSON.parse((await readRegularFile(path, 64 * 1024)).toString('utf8')) as Partial<SavedMarker>;
    return isMarker(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** True when `path` is, without following a symlink, the regular file `identity` names, of exactly this size and sha256. */
async function holdsFile(path: string, identity: FileIdentity, file: ExpectedFile): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return false;
  }
  try {
    const stats = await handle.stat({ bigint: true });
    if (!stats.isFile() || !isIdentity(stats, identity) || stats.size !== BigInt(file.size)) return false;
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
    return hash.digest('hex') === file.sha256;
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
 * (a decrypt or an inline save cut short) and markers, intents or complete, of messages
 * past their ttl. Returns how many files went.
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
 * handed to `beforeNaming`, then linked to the first free "name", "name (1)", ... (link
 * never replaces a file).
 */
async function writeUnique(directory: string, name: string, bytes: Uint8Array, beforeNaming: (partialPath: string) => Promise<void>): Promise<string> {
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
    await beforeNaming(tempPath);
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
