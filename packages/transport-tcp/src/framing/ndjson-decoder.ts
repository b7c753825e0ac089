/**
 * Newline-delimited JSON, made robust to pretty-printed files: a frame is one top-level
 * JSON object, from its `{` to the matching `}` (strings and escapes respected), so
 * `nc -N host port < envelope.json` works whether the file holds one compact line or an
 * indented document. Whitespace (space, tab, CR, LF) between frames is skipped; a frame's
 * bytes are passed on exactly as sent. Raw newlines can only occur between JSON tokens,
 * never inside a string, so a compact envelope followed by `\n` is always one frame.
 *
 * Only the boundaries are found here; whether the object is a valid envelope is the
 * receive pipeline's business.
 */
import { collectFrames, concatenate, FrameError, type FrameDecoder } from './frame-error.js';

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

export class NdjsonDecoder implements FrameDecoder {
  private readonly maxFrameBytes: number;
  private parts: Uint8Array[] = [];
  private length = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  get inFrame(): boolean {
    return this.depth > 0;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    return collectFrames((frames) => this.scan(chunk, frames));
  }

  private scan(chunk: Uint8Array, frames: Uint8Array[]): void {
    let start = -1;
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index]!;
      if (this.depth === 0) {
        if (isWhitespace(byte)) continue;
        if (byte !== OPEN_BRACE) {
          throw new FrameError('not-json-object', `expected a JSON object ("{") between frames, got byte 0x${byte.toString(16).padStart(2, '0')}`);
        }
        start = index;
        this.depth = 1;
        continue;
      }
      if (start === -1) start = index;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
        continue;
      }
      if (byte === QUOTE) this.inString = true;
      else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth--;
        if (this.depth === 0) {
          frames.push(this.take(chunk.subarray(start, index + 1)));
          start = -1;
        }
      }
    }
    if (start !== -1) this.keep(chunk.subarray(start));
  }

  finish(): void {
    if (this.depth > 0) throw new FrameError('truncated', `the stream ended inside a frame (${this.length} bytes of it received)`);
  }

  private keep(part: Uint8Array): void {
    this.length += part.length;
    if (this.length > this.maxFrameBytes) throw new FrameError('frame-too-large', `a frame exceeds ${this.maxFrameBytes} bytes`);
    // Copy: the socket may reuse the chunk's memory.
    this.parts.push(Uint8Array.prototype.slice.call(part));
  }

  private take(lastPart: Uint8Array): Uint8Array {
    this.keep(lastPart);
    const frame = concatenate(this.parts, this.length);
    this.parts = [];
    this.length = 0;
    return frame;
  }
}
