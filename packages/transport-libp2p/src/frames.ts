/**
 * Frames of the `/skcomm/envelope/1.0.0` protocol, each carried inside one varint
 * length-prefixed message (lpStream):
 *
 *   envelope: 0x01 | sequence (u32 BE) | envelope bytes
 *   ack:      0x02 | sequence (u32 BE) | status (u8)
 *
 * The receiver acks every envelope frame once the envelope is in its receive queue (or
 * says why not); the sender matches acks to frames by sequence number.
 */
export const PROTOCOL = '/skcomm/envelope/1.0.0';

const ENVELOPE_TYPE = 0x01;
const ACK_TYPE = 0x02;
export const ENVELOPE_HEADER_BYTES = 5;
const ACK_BYTES = 6;
export const MAX_SEQUENCE = 0xffff_ffff;

export const AckStatus = {
  /** In the receiver's queue: the hop is done. */
  Queued: 0,
  /** Larger than the receiver accepts; sending it again will not help. */
  TooLarge: 1,
  /** The receiver's queue is full; try again later. */
  Busy: 2,
  /** The receiver is stopping. */
  Unavailable: 3,
} as const;
export type AckStatus = (typeof AckStatus)[keyof typeof AckStatus];

const ACK_STATUSES = new Set<number>(Object.values(AckStatus));

export type Frame =
  | { type: 'envelope'; sequence: number; envelope: Uint8Array }
  | { type: 'ack'; sequence: number; status: AckStatus };

/** A frame that does not follow the protocol. The connection that sent it cannot be trusted further. */
export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function encodeEnvelopeFrame(sequence: number, envelope: Uint8Array): Uint8Array {
  const frame = new Uint8Array(ENVELOPE_HEADER_BYTES + envelope.length);
  frame[0] = ENVELOPE_TYPE;
  new DataView(frame.buffer).setUint32(1, sequence);
  frame.set(envelope, ENVELOPE_HEADER_BYTES);
  return frame;
}

export function encodeAckFrame(sequence: number, status: AckStatus): Uint8Array {
  const frame = new Uint8Array(ACK_BYTES);
  frame[0] = ACK_TYPE;
  new DataView(frame.buffer).setUint32(1, sequence);
  frame[5] = status;
  return frame;
}

/** Decodes one frame; throws FrameError for anything else. The envelope is a view into `bytes`. */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.length < ENVELOPE_HEADER_BYTES) throw new FrameError(`frame of ${bytes.length} bytes is shorter than its header`);
  const sequence = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(1);
  if (bytes[0] === ENVELOPE_TYPE) {
    if (bytes.length === ENVELOPE_HEADER_BYTES) throw new FrameError('envelope frame without an envelope');
    return { type: 'envelope', sequence, envelope: bytes.subarray(ENVELOPE_HEADER_BYTES) };
  }
  if (bytes[0] === ACK_TYPE) {
    if (bytes.length !== ACK_BYTES) throw new FrameError(`ack frame of ${bytes.length} bytes (expected ${ACK_BYTES})`);
    const status = bytes[5] as number;
    if (!ACK_STATUSES.has(status)) throw new FrameError(`unknown ack status ${status}`);
    return { type: 'ack', sequence, status: status as AckStatus };
  }
  throw new FrameError(`unknown frame type 0x${(bytes[0] as number).toString(16).padStart(2, '0')}`);
}
