/**
 * Length-prefixed frames for binary-safe use: a 4-byte big-endian unsigned length, then
 * that many bytes. A length of 0 or over the limit is refused as soon as the prefix is
 * complete, before any of the frame is read.
 */
import { collectFrames, concatenate, FrameError, type FrameDecoder } from './frame-error.js';

export const LENGTH_PREFIX_BYTES = 4;

export class LengthPrefixDecoder implements FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly header = new Uint8Array(LENGTH_PREFIX_BYTES);
  private headerBytes = 0;
  /** Length of the frame being read, once its prefix is complete. */
  private expected = -1;
  private parts: Uint8Array[] = [];
  private received = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  get inFrame(): boolean {
    return this.headerBytes > 0;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    return collectFrames((frames) => this.scan(chunk, frames));
  }

  private scan(chunk: Uint8Array, frames: Uint8Array[]): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.expected === -1) {
        const take = Math.min(LENGTH_PREFIX_BYTES - this.headerBytes, chunk.length - offset);
        this.header.set(chunk.subarray(offset, offset + take), this.headerBytes);
        this.headerBytes += take;
        offset += take;
        if (this.headerBytes < LENGTH_PREFIX_BYTES) break;
        const length = new DataView(this.header.buffer).getUint32(0);
        if (length === 0) throw new FrameError('empty-frame', 'a frame of length 0');
        if (length > this.maxFrameBytes) throw new FrameError('frame-too-large', `a frame of ${length} bytes exceeds ${this.maxFrameBytes}`);
        this.expected = length;
        continue;
      }
      const take = Math.min(this.expected - this.received, chunk.length - offset);
      // Copy: the socket may reuse the chunk's memory.
      this.parts.push(chunk.slice(offset, offset + take));
      this.received += take;
      offset += take;
      if (this.received === this.expected) {
        frames.push(concatenate(this.parts, this.received));
        this.parts = [];
        this.received = 0;
        this.expected = -1;
        this.headerBytes = 0;
      }
    }
  }

  finish(): void {
    if (this.headerBytes === 0) return;
    if (this.expected === -1) throw new FrameError('truncated', `the stream ended inside a length prefix (${this.headerBytes} of 4 bytes)`);
    throw new FrameError('truncated', `the stream ended inside a frame (${this.received} of ${this.expected} bytes)`);
  }
}

export function lengthPrefix(length: number): Uint8Array {
  const prefix = new Uint8Array(LENGTH_PREFIX_BYTES);
  new DataView(prefix.buffer).setUint32(0, length);
  return prefix;
}
