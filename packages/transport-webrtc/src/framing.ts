/**
 * Data-channel frames (`skcomm-webrtc/1`), one per SCTP message, first byte the type,
 * integers big-endian:
 *
 *   CHUNK  0x01 u32 sequence, u32 envelope length, u32 offset, bytes   (a piece of one envelope)
 *   ACK    0x02 1..MAX_ACKS x u32 sequence                             (hop acks: the receiver queued these)
 *   PING   0x03 f64 sender's clock (ms)
 *   PONG   0x04 f64 the PING's value, echoed
 *   BYE    0x05                                                        (the sender is stopping: close now)
 *
 * An envelope larger than one chunk goes as several CHUNK frames of the same sequence.
 * Types 0x10-0x17 are the file frames (file-frames.ts).
 * Decoding never trusts a length it did not check and fails with a FrameError.
 */
import { decodeFileFrame, type FileFrame } from './file-frames.js';
import { FrameError } from './frame-error.js';

export type Frame =
  | { type: 'chunk'; sequence: number; envelopeLength: number; offset: number; bytes: Uint8Array }
  | { type: 'ack'; sequences: number[] }
  | { type: 'ping'; time: number }
  | { type: 'pong'; time: number }
  | { type: 'bye' }
  | FileFrame;

export { FrameError };

const CHUNK = 0x01;
const ACK = 0x02;
const PING = 0x03;
const PONG = 0x04;
const BYE = 0x05;
export const CHUNK_HEADER_BYTES = 13;
/** Acks one ACK frame carries: those queued within one event-loop turn go together (fewer SCTP messages). */
export const MAX_ACKS = 1024;

/** The CHUNK frames of one envelope, each carrying at most `chunkBytes` of it. */
export function encodeChunks(sequence: number, envelope: Uint8Array, chunkBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < envelope.length || offset === 0; offset += chunkBytes) {
    const piece = envelope.subarray(offset, offset + chunkBytes);
    const frame = Buffer.allocUnsafe(CHUNK_HEADER_BYTES + piece.length);
    frame[0] = CHUNK;
    frame.writeUInt32BE(sequence, 1);
    frame.writeUInt32BE(envelope.length, 5);
    frame.writeUInt32BE(offset, 9);
    frame.set(piece, CHUNK_HEADER_BYTES);
    frames.push(frame);
    if (envelope.length === 0) break;
  }
  return frames;
}

export function encodeAck(sequences: readonly number[]): Buffer {
  if (sequences.length === 0 || sequences.length > MAX_ACKS) throw new FrameError(`an ACK carries 1..${MAX_ACKS} sequences`);
  const frame = Buffer.allocUnsafe(1 + 4 * sequences.length);
  frame[0] = ACK;
  sequences.forEach((sequence, index) => frame.writeUInt32BE(sequence, 1 + 4 * index));
  return frame;
}

export function encodePing(time: number): Buffer {
  return timeFrame(PING, time);
}

export function encodePong(time: number): Buffer {
  return timeFrame(PONG, time);
}

export function encodeBye(): Buffer {
  return Buffer.from([BYE]);
}

function timeFrame(type: number, time: number): Buffer {
  const frame = Buffer.allocUnsafe(9);
  frame[0] = type;
  frame.writeDoubleBE(time, 1);
  return frame;
}

export function decodeFrame(data: Uint8Array): Frame {
  const frame = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  switch (frame[0]) {
    case CHUNK: {
      if (frame.length < CHUNK_HEADER_BYTES) throw new FrameError(`CHUNK frame is truncated (${frame.length} bytes)`);
      const envelopeLength = frame.readUInt32BE(5);
      const offset = frame.readUInt32BE(9);
      const bytes = frame.subarray(CHUNK_HEADER_BYTES);
      if (offset + bytes.length > envelopeLength) throw new FrameError('CHUNK reaches past the end of its envelope');
      if (bytes.length === 0 && envelopeLength !== 0) throw new FrameError('CHUNK carries no bytes');
      return { type: 'chunk', sequence: frame.readUInt32BE(1), envelopeLength, offset, bytes };
    }
    case ACK: {
      const count = (frame.length - 1) / 4;
      if (!Number.isInteger(count) || count < 1 || count > MAX_ACKS) throw new FrameError(`ACK must carry 1..${MAX_ACKS} sequences of 4 bytes`);
      const sequences: number[] = [];
      for (let index = 0; index < count; index++) sequences.push(frame.readUInt32BE(1 + 4 * index));
      return { type: 'ack', sequences };
    }
    case PING:
    case PONG: {
      if (frame.length !== 9) throw new FrameError('PING/PONG must be 9 bytes');
      const time = frame.readDoubleBE(1);
      if (!Number.isFinite(time)) throw new FrameError('PING/PONG time is not finite');
      return { type: frame[0] === PING ? 'ping' : 'pong', time };
    }
    case BYE:
      if (frame.length !== 1) throw new FrameError('BYE must be 1 byte');
      return { type: 'bye' };
    default:
      if (frame.length > 0 && frame[0]! >= 0x10 && frame[0]! <= 0x17) return decodeFileFrame(frame);
      throw new FrameError(`unknown frame type ${frame[0] ?? '(empty frame)'}`);
  }
}
