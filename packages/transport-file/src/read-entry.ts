/**
 * Reads one inbox entry without trusting it (threat model T18, T21): lstat first, never
 * follow a link, never open a FIFO or device, refuse hard links, check the size before
 * reading, read through a single descriptor and make sure it is still the same complete
 * regular file afterwards.
 */
import { constants, type Stats } from 'node:fs';
import { lstat, open, type FileHandle } from 'node:fs/promises';
import { errnoOf } from './errors.js';

const OPEN_FOR_READING = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface FileIdentity {
  dev: number;
  ino: number;
}

export type EntryReading =
  /** A complete regular file of UTF-8 text: deliver it. */
  | { outcome: 'read'; bytes: Uint8Array; identity: FileIdentity }
  /** Not now: it changed, vanished, or may still be being written. Look again later. */
  | { outcome: 'skip'; reason: string }
  /** Never deliverable as it is: move it aside with the reason. */
  | { outcome: 'quarantine'; reason: string };

export interface ReadLimits {
  maxBytes: number;
  emptyFileGraceMs: number;
}

export async function readEntry(path: string, limits: ReadLimits): Promise<EntryReading> {
  let before: Stats;
  try {
    before = await lstat(path);
  } catch (error) {
    return { outcome: 'skip', reason: `vanished before it could be read (${errnoOf(error) ?? 'error'})` };
  }
  const refusal = refuseByType(before, limits);
  if (refusal !== undefined) return refusal;

  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FOR_READING);
  } catch (error) {
    const errno = errnoOf(error);
    // ELOOP: swapped for a symlink since lstat; ENOENT: gone. The next scan judges it afresh.
    if (errno === 'ELOOP' || errno === 'ENOENT') return { outcome: 'skip', reason: `changed before it could be opened (${errno})` };
    return { outcome: 'quarantine', reason: `cannot be opened (${errno ?? String(error)})` };
  }
  try {
    return await readThroughHandle(handle, before, limits);
  } catch (error) {
    return { outcome: 'quarantine', reason: `cannot be read (${errnoOf(error) ?? String(error)})` };
  } finally {
    await handle.close();
  }
}

function refuseByType(stats: Stats, limits: ReadLimits): EntryReading | undefined {
  if (stats.isSymbolicLink()) return { outcome: 'quarantine', reason: 'a symbolic link (never followed)' };
  if (stats.isDirectory()) return { outcome: 'quarantine', reason: 'a directory named like an envelope' };
  if (!stats.isFile()) return { outcome: 'quarantine', reason: 'not a regular file (a FIFO, socket or device)' };
  if (stats.nlink > 1) return { outcome: 'quarantine', reason: `hard-linked (${stats.nlink} links): it may be a file from outside the inbox` };
  if (stats.size > limits.maxBytes) return { outcome: 'quarantine', reason: `${stats.size} bytes, over the limit of ${limits.maxBytes}` };
  if (stats.size === 0) {
    return Date.now() - stats.mtimeMs < limits.emptyFileGraceMs
      ? { outcome: 'skip', reason: 'empty, and recent enough that it may still be being copied in' }
      : { outcome: 'quarantine', reason: 'an empty file' };
  }
  return undefined;
}

async function readThroughHandle(handle: FileHandle, before: Stats, limits: ReadLimits): Promise<EntryReading> {
  const opened = await handle.stat();
  if (!opened.isFile() || opened.dev !== before.dev || opened.ino !== before.ino) {
    return { outcome: 'skip', reason: 'replaced between lstat and open' };
  }
  const refusal = refuseByType(opened, limits);
  if (refusal !== undefined) return refusal;
  if (opened.size !== before.size) return { outcome: 'skip', reason: 'its size changed: still being written' };

  // Room for one byte more than expected, to notice a file that grew before the read; one
  // that grows after it is caught by the stat below, so reading stops at the expected size.
  const buffer = new Uint8Array(opened.size + 1);
  let length = 0;
  while (length < opened.size) {
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  const after = await handle.stat();
  if (length !== opened.size || after.size !== opened.size || after.mtimeMs !== opened.mtimeMs) {
    return { outcome: 'skip', reason: 'its size changed while it was read: still being written' };
  }
  const bytes = buffer.subarray(0, length);
  try {
    utf8.decode(bytes);
  } catch {
    return { outcome: 'quarantine', reason: 'not UTF-8 text, so it cannot be an envelope' };
  }
  return { outcome: 'read', bytes, identity: { dev: opened.dev, ino: opened.ino } };
}
