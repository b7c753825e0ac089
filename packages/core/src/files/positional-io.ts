/** Positional reads and writes on one file descriptor, safe to run concurrently. */
import type { FileHandle } from 'node:fs/promises';
import { StorageError } from '../errors.js';

/** Reads at `position` until `buffer` is full or the file ends; returns the bytes read. */
export async function readFully(handle: FileHandle, path: string, buffer: Buffer, position: number): Promise<number> {
  let filled = 0;
  while (filled < buffer.length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(buffer, filled, buffer.length - filled, position + filled));
    } catch (cause) {
      throw StorageError.fromFs(cause, `cannot read ${path}`);
    }
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

export async function writeFully(handle: FileHandle, path: string, data: Uint8Array, position: number): Promise<void> {
  try {
    let written = 0;
    while (written < data.length) {
      const { bytesWritten } = await handle.write(data, written, data.length - written, position + written);
      written += bytesWritten;
    }
  } catch (cause) {
    throw StorageError.fromFs(cause, `cannot write ${path}`);
  }
}
