/**
 * Puts chunked envelopes back together. A data channel is ordered and reliable, so an
 * envelope's chunks come in order; anything else (a gap, an overlap, a second envelope
 * started before the first one ended, an announced length over the limit) is a protocol
 * violation and throws a FrameError: the link is then closed, never the transport.
 */
import { FrameError } from './framing.js';

export interface Chunk {
  sequence: number;
  envelopeLength: number;
  offset: number;
  bytes: Uint8Array;
}

export class Reassembler {
  private current: { sequence: number; buffer: Buffer; filled: number } | undefined;

  constructor(private readonly maxEnvelopeBytes: number) {}

  /** Returns the envelope this chunk completes, or undefined while more are due. */
  push(chunk: Chunk): { sequence: number; bytes: Uint8Array } | undefined {
    if (chunk.envelopeLength > this.maxEnvelopeBytes) {
      throw new FrameError(`an envelope of ${chunk.envelopeLength} bytes is over the limit of ${this.maxEnvelopeBytes}`);
    }
    if (this.current === undefined) {
      if (chunk.offset !== 0) throw new FrameError(`envelope ${chunk.sequence} starts at offset ${chunk.offset}, not 0`);
      if (chunk.bytes.length === chunk.envelopeLength) return { sequence: chunk.sequence, bytes: Uint8Array.from(chunk.bytes) };
      this.current = { sequence: chunk.sequence, buffer: Buffer.allocUnsafe(chunk.envelopeLength), filled: 0 };
    }
    const current = this.current;
    if (chunk.sequence !== current.sequence || chunk.envelopeLength !== current.buffer.length) {
      throw new FrameError(`envelope ${chunk.sequence} began before envelope ${current.sequence} ended`);
    }
    if (chunk.offset !== current.filled) throw new FrameError(`envelope ${chunk.sequence}: chunk at ${chunk.offset}, expected ${current.filled}`);
    current.buffer.set(chunk.bytes, current.filled);
    current.filled += chunk.bytes.length;
    if (current.filled < current.buffer.length) return undefined;
    this.current = undefined;
    return { sequence: current.sequence, bytes: new Uint8Array(current.buffer.buffer, current.buffer.byteOffset, current.buffer.length) };
  }
}
