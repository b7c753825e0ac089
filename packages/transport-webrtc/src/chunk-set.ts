/**
 * Which chunks of one attachment a receiver holds: a bitmap over chunk indexes, plus the
 * arithmetic of the attachment's layout (every chunk `chunkBytes` long but the last).
 */
import { attachmentChunkCount, attachmentChunkLength } from '@skcomm/core';
import type { ChunkRange } from './file-frames.js';

/** Chunks one attachment may have: the bitmap stays at most 2 MiB. */
export const MAX_CHUNKS = 2 ** 24;

export class FileLayout {
  readonly count: number;

  constructor(
    readonly size: number,
    readonly chunkBytes: number,
  ) {
    this.count = attachmentChunkCount(size, chunkBytes);
  }

  chunkLength(index: number): number {
    return attachmentChunkLength(this.size, this.chunkBytes, index);
  }

  /** Bytes in the chunks of `set`. */
  bytesIn(set: ChunkSet): number {
    if (!set.has(this.count - 1)) return set.size * this.chunkBytes;
    return (set.size - 1) * this.chunkBytes + this.chunkLength(this.count - 1);
  }
}

export class ChunkSet {
  private readonly bits: Uint8Array;
  private held = 0;

  constructor(
    readonly count: number,
    bits?: Uint8Array,
  ) {
    const length = Math.ceil(count / 8);
    if (bits !== undefined && bits.length !== length) throw new RangeError(`a bitmap of ${count} chunks is ${length} bytes, not ${bits.length}`);
    this.bits = bits === undefined ? new Uint8Array(length) : Uint8Array.from(bits);
    if (bits !== undefined) {
      // Bits past `count` in the last byte are not chunks.
      if (count % 8 !== 0) this.bits[length - 1]! &= (1 << count % 8) - 1;
      for (const byte of this.bits) this.held += popcount(byte);
    }
  }

  get size(): number {
    return this.held;
  }

  get complete(): boolean {
    return this.held === this.count;
  }

  has(index: number): boolean {
    return index >= 0 && index < this.count && (this.bits[index >> 3]! & (1 << (index & 7))) !== 0;
  }

  add(index: number): void {
    if (index < 0 || index >= this.count) throw new RangeError(`chunk ${index} of ${this.count}`);
    if (this.has(index)) return;
    this.bits[index >> 3]! |= 1 << (index & 7);
    this.held++;
  }

  /** The chunks not held, as ascending [start, end) ranges. */
  missingRanges(): ChunkRange[] {
    const ranges: ChunkRange[] = [];
    let start = -1;
    for (let index = 0; index < this.count; index++) {
      // Whole bytes of held or missing chunks are skipped eight at a time.
      if ((index & 7) === 0 && index + 8 <= this.count) {
        const byte = this.bits[index >> 3]!;
        if (byte === 0xff && start === -1) {
          index += 7;
          continue;
        }
        if (byte === 0 && start !== -1) {
          index += 7;
          continue;
        }
      }
      const held = this.has(index);
      if (!held && start === -1) start = index;
      else if (held && start !== -1) {
        ranges.push({ start, end: index });
        start = -1;
      }
    }
    if (start !== -1) ranges.push({ start, end: this.count });
    return ranges;
  }

  toBytes(): Uint8Array {
    return Uint8Array.from(this.bits);
  }
}

function popcount(byte: number): number {
  let count = 0;
  for (let value = byte; value !== 0; value &= value - 1) count++;
  return count;
}
