import type { Framing } from './detect.js';
import { lengthPrefix } from './length-decoder.js';
import { NdjsonDecoder } from './ndjson-decoder.js';
import { FrameError } from './frame-error.js';

const NEWLINE = new Uint8Array([0x0a]);

/**
 * The bytes that carry one envelope in the given framing. For ndjson the envelope must be
 * exactly one JSON object (checked with the receiver's own decoder), else a FrameError.
 */
export function encodeFrame(bytes: Uint8Array, framing: Framing): Uint8Array[] {
  if (framing === 'length') {
    if (bytes.length === 0) throw new FrameError('empty-frame', 'an empty envelope');
    return [lengthPrefix(bytes.length), bytes];
  }
  if (!isOneJsonObject(bytes)) {
    throw new FrameError('not-json-object', 'ndjson framing carries exactly one JSON object per frame; use framing=length for other bytes');
  }
  return [bytes, NEWLINE];
}

function isOneJsonObject(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x7b) return false;
  try {
    const decoder = new NdjsonDecoder(bytes.length);
    const frames = decoder.push(bytes);
    return frames.length === 1 && frames[0]!.length === bytes.length && !decoder.inFrame;
  } catch {
    return false;
  }
}
