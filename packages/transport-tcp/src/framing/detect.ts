/**
 * One listener serves both framings, told apart by a connection's first byte. A length
 * prefix starts with a control byte (0x00 for every frame under 16 MiB), which never
 * starts JSON text; JSON starts with `{` or whitespace. Anything else printable is taken
 * as (bad) ndjson, so a stray HTTP request or shell line is refused as "not a JSON
 * object" rather than as an absurd length.
 */
import type { FrameDecoder } from './frame-error.js';
import { LengthPrefixDecoder } from './length-decoder.js';
import { NdjsonDecoder } from './ndjson-decoder.js';

export type Framing = 'ndjson' | 'length';

export function framingOf(firstByte: number): Framing {
  const jsonWhitespace = firstByte === 0x09 || firstByte === 0x0a || firstByte === 0x0d;
  return firstByte < 0x20 && !jsonWhitespace ? 'length' : 'ndjson';
}

export function createDecoder(framing: Framing, maxFrameBytes: number): FrameDecoder {
  return framing === 'length' ? new LengthPrefixDecoder(maxFrameBytes) : new NdjsonDecoder(maxFrameBytes);
}

/** Decodes a stream whose framing is chosen by its first byte. */
export class AutoDetectDecoder implements FrameDecoder {
  private readonly maxFrameBytes: number;
  private decoder: FrameDecoder | undefined;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  get framing(): Framing | undefined {
    return this.decoder instanceof LengthPrefixDecoder ? 'length' : this.decoder === undefined ? undefined : 'ndjson';
  }

  get inFrame(): boolean {
    return this.decoder?.inFrame ?? false;
  }

  push(chunk: Uint8Array): Uint8Array[] {
    if (chunk.length === 0) return [];
    this.decoder ??= createDecoder(framingOf(chunk[0]!), this.maxFrameBytes);
    return this.decoder.push(chunk);
  }

  finish(): void {
    this.decoder?.finish();
  }
}
