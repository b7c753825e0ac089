/**
 * File frames (`skcomm-webrtc/1`, types 0x10-0x17): one attachment beside one envelope.
 * Integers big-endian; `id` is the attachment id (16 bytes, 32 hex characters); sizes are
 * u64 (checked to be safe integers). Control frames go on channel 0, FILE_DATA on the lanes.
 *
 *   FILE_OFFER    0x10 id, u64 size, u32 chunkBytes, u32 envelopeLength         sender: may I send this?
 *   FILE_NEED     0x11 id, u32 token, u64 confirmed, u8 lanes, u32 windowBytes,  receiver: the chunks it lacks,
 *                      u8 final, 0..MAX_NEED_RANGES x (u32 start, u32 end)        as [start, end) ranges; more
 *                                                                                 frames follow until `final`
 *   FILE_DATA     0x12 u32 token, u32 index, u32 offset, bytes                   a piece of chunk `index`
 *   FILE_HAVE     0x13 id, u64 confirmed                                         receiver: bytes durable (fsynced)
 *   FILE_ENVELOPE 0x14 id, u32 envelopeLength, u32 offset, bytes                 the envelope, once all is durable
 *   FILE_DONE     0x15 id                                                        receiver: envelope queued (hop ack)
 *   FILE_REJECT   0x16 id, u8 reason                                             receiver: refused or failed
 *   FILE_CANCEL   0x17 id                                                        sender: gave up (partial kept)
 *
 * FILE_DATA names the transfer by the receiver's `token` (unique per accepted offer on a
 * link), not by id: a piece of an earlier attempt still in flight on a lane is recognised
 * as stale and dropped instead of being taken for the new attempt's.
 */
import { FrameError } from './frame-error.js';

export const FILE_OFFER = 0x10;
export const FILE_NEED = 0x11;
export const FILE_DATA = 0x12;
export const FILE_HAVE = 0x13;
export const FILE_ENVELOPE = 0x14;
export const FILE_DONE = 0x15;
export const FILE_REJECT = 0x16;
export const FILE_CANCEL = 0x17;

const ID_BYTES = 16;
export const FILE_DATA_HEADER_BYTES = 13;
export const FILE_ENVELOPE_HEADER_BYTES = 1 + ID_BYTES + 8;
const NEED_HEADER_BYTES = 1 + ID_BYTES + 4 + 8 + 1 + 4 + 1;
/** Ranges one FILE_NEED carries (32 KiB of them); a fragmented need spans several frames. */
export const MAX_NEED_RANGES = 4096;
export const ATTACHMENT_ID_PATTERN = /^[0-9a-f]{32}$/;

/** Why a receiver refused an offer or gave up on a transfer. */
export const RejectReason = {
  /** Over the receiver's maxAttachmentBytes. */
  TooLarge: 1,
  /** Too many transfers at once (from this peer or in all). */
  Busy: 2,
  /** Over the spool quota or the free disk space. */
  NoSpace: 3,
  /** The same id with another size or chunking than the receiver's partial copy. */
  Mismatch: 4,
  /** Chunking the receiver does not take (chunk size or count out of range). */
  Unsupported: 5,
  /** The receiver is stopping or its spool failed. */
  Unavailable: 6,
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];
const REJECT_REASONS = new Set<number>(Object.values(RejectReason));

export interface ChunkRange {
  start: number;
  end: number;
}

export type FileFrame =
  | { type: 'file-offer'; id: string; size: number; chunkBytes: number; envelopeLength: number }
  | { type: 'file-need'; id: string; token: number; confirmedBytes: number; lanes: number; windowBytes: number; final: boolean; ranges: ChunkRange[] }
  | { type: 'file-data'; token: number; index: number; offset: number; bytes: Uint8Array }
  | { type: 'file-have'; id: string; confirmedBytes: number }
  | { type: 'file-envelope'; id: string; envelopeLength: number; offset: number; bytes: Uint8Array }
  | { type: 'file-done'; id: string }
  | { type: 'file-reject'; id: string; reason: RejectReason }
  | { type: 'file-cancel'; id: string };

function withId(type: number, id: string, bodyBytes: number): Buffer {
  if (!ATTACHMENT_ID_PATTERN.test(id)) throw new FrameError('an attachment id is 32 lowercase hex characters');
  const frame = Buffer.allocUnsafe(1 + ID_BYTES + bodyBytes);
  frame[0] = type;
  frame.write(id, 1, 'hex');
  return frame;
}

function writeSize(frame: Buffer, value: number, at: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new FrameError(`${value} is not a byte count`);
  frame.writeBigUInt64BE(BigInt(value), at);
}

export function encodeFileOffer(id: string, size: number, chunkBytes: number, envelopeLength: number): Buffer {
  const frame = withId(FILE_OFFER, id, 16);
  writeSize(frame, size, 17);
  frame.writeUInt32BE(chunkBytes, 25);
  frame.writeUInt32BE(envelopeLength, 29);
  return frame;
}

/** A need as frames of at most MAX_NEED_RANGES ranges each; the last one is marked final. */
export function encodeFileNeed(
  need: { id: string; token: number; confirmedBytes: number; lanes: number; windowBytes: number },
  ranges: readonly ChunkRange[],
): Buffer[] {
  const frames: Buffer[] = [];
  for (let first = 0; first < ranges.length || first === 0; first += MAX_NEED_RANGES) {
    const slice = ranges.slice(first, first + MAX_NEED_RANGES);
    const frame = withId(FILE_NEED, need.id, NEED_HEADER_BYTES - 1 - ID_BYTES + 8 * slice.length);
    frame.writeUInt32BE(need.token, 17);
    writeSize(frame, need.confirmedBytes, 21);
    frame.writeUInt8(need.lanes, 29);
    frame.writeUInt32BE(need.windowBytes, 30);
    frame.writeUInt8(first + MAX_NEED_RANGES >= ranges.length ? 1 : 0, 34);
    slice.forEach((range, index) => {
      frame.writeUInt32BE(range.start, NEED_HEADER_BYTES + 8 * index);
      frame.writeUInt32BE(range.end, NEED_HEADER_BYTES + 8 * index + 4);
    });
    frames.push(frame);
  }
  return frames;
}

/** Chunk `index` as FILE_DATA frames of at most `pieceBytes` payload each (one frame for an empty chunk). */
export function encodeFileData(token: number, index: number, chunk: Uint8Array, pieceBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < chunk.length || offset === 0; offset += pieceBytes) {
    const piece = chunk.subarray(offset, offset + pieceBytes);
    const frame = Buffer.allocUnsafe(FILE_DATA_HEADER_BYTES + piece.length);
    frame[0] = FILE_DATA;
    frame.writeUInt32BE(token, 1);
    frame.writeUInt32BE(index, 5);
    frame.writeUInt32BE(offset, 9);
    frame.set(piece, FILE_DATA_HEADER_BYTES);
    frames.push(frame);
    if (chunk.length === 0) break;
  }
  return frames;
}

export function encodeFileHave(id: string, confirmedBytes: number): Buffer {
  const frame = withId(FILE_HAVE, id, 8);
  writeSize(frame, confirmedBytes, 17);
  return frame;
}

export function encodeFileEnvelope(id: string, envelope: Uint8Array, pieceBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  for (let offset = 0; offset < envelope.length || offset === 0; offset += pieceBytes) {
    const piece = envelope.subarray(offset, offset + pieceBytes);
    const frame = withId(FILE_ENVELOPE, id, 8 + piece.length);
    frame.writeUInt32BE(envelope.length, 17);
    frame.writeUInt32BE(offset, 21);
    frame.set(piece, FILE_ENVELOPE_HEADER_BYTES);
    frames.push(frame);
    if (envelope.length === 0) break;
  }
  return frames;
}

export function encodeFileDone(id: string): Buffer {
  return withId(FILE_DONE, id, 0);
}

export function encodeFileReject(id: string, reason: RejectReason): Buffer {
  const frame = withId(FILE_REJECT, id, 1);
  frame.writeUInt8(reason, 17);
  return frame;
}

export function encodeFileCancel(id: string): Buffer {
  return withId(FILE_CANCEL, id, 0);
}

function readId(frame: Buffer, name: string, exactLength?: number): string {
  if (frame.length < 1 + ID_BYTES || (exactLength !== undefined && frame.length !== exactLength)) {
    throw new FrameError(`${name} frame has the wrong length (${frame.length} bytes)`);
  }
  return frame.toString('hex', 1, 1 + ID_BYTES);
}

function readSize(frame: Buffer, at: number, name: string): number {
  const value = frame.readBigUInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new FrameError(`${name} is over 2^53 bytes`);
  return Number(value);
}

/** Decodes a frame whose type byte is 0x10-0x17; every length is checked, failures are FrameErrors. */
export function decodeFileFrame(frame: Buffer): FileFrame {
  switch (frame[0]) {
    case FILE_OFFER: {
      const id = readId(frame, 'FILE_OFFER', 1 + ID_BYTES + 16);
      const chunkBytes = frame.readUInt32BE(25);
      if (chunkBytes === 0) throw new FrameError('FILE_OFFER chunk size is 0');
      return { type: 'file-offer', id, size: readSize(frame, 17, 'FILE_OFFER size'), chunkBytes, envelopeLength: frame.readUInt32BE(29) };
    }
    case FILE_NEED: {
      const id = readId(frame, 'FILE_NEED');
      const count = (frame.length - NEED_HEADER_BYTES) / 8;
      if (!Number.isInteger(count) || count < 0 || count > MAX_NEED_RANGES) throw new FrameError(`FILE_NEED must carry 0..${MAX_NEED_RANGES} ranges of 8 bytes`);
      const lanes = frame.readUInt8(29);
      const final = frame.readUInt8(34);
      if (lanes === 0) throw new FrameError('FILE_NEED offers no lane');
      if (final > 1) throw new FrameError('FILE_NEED final flag is not 0 or 1');
      const ranges: ChunkRange[] = [];
      for (let index = 0; index < count; index++) {
        const start = frame.readUInt32BE(NEED_HEADER_BYTES + 8 * index);
        const end = frame.readUInt32BE(NEED_HEADER_BYTES + 8 * index + 4);
        if (end <= start || (index > 0 && start <= ranges[index - 1]!.end)) throw new FrameError('FILE_NEED ranges must be non-empty, ascending and apart');
        ranges.push({ start, end });
      }
      return {
        type: 'file-need',
        id,
        token: frame.readUInt32BE(17),
        confirmedBytes: readSize(frame, 21, 'FILE_NEED confirmed'),
        lanes,
        windowBytes: frame.readUInt32BE(30),
        final: final === 1,
        ranges,
      };
    }
    case FILE_DATA:
      if (frame.length < FILE_DATA_HEADER_BYTES) throw new FrameError(`FILE_DATA frame is truncated (${frame.length} bytes)`);
      return { type: 'file-data', token: frame.readUInt32BE(1), index: frame.readUInt32BE(5), offset: frame.readUInt32BE(9), bytes: frame.subarray(FILE_DATA_HEADER_BYTES) };
    case FILE_HAVE:
      return { type: 'file-have', id: readId(frame, 'FILE_HAVE', 1 + ID_BYTES + 8), confirmedBytes: readSize(frame, 17, 'FILE_HAVE confirmed') };
    case FILE_ENVELOPE: {
      const id = readId(frame, 'FILE_ENVELOPE');
      if (frame.length < FILE_ENVELOPE_HEADER_BYTES) throw new FrameError(`FILE_ENVELOPE frame is truncated (${frame.length} bytes)`);
      const envelopeLength = frame.readUInt32BE(17);
      const offset = frame.readUInt32BE(21);
      const bytes = frame.subarray(FILE_ENVELOPE_HEADER_BYTES);
      if (offset + bytes.length > envelopeLength) throw new FrameError('FILE_ENVELOPE reaches past the end of its envelope');
      if (bytes.length === 0 && envelopeLength !== 0) throw new FrameError('FILE_ENVELOPE carries no bytes');
      return { type: 'file-envelope', id, envelopeLength, offset, bytes };
    }
    case FILE_DONE:
      return { type: 'file-done', id: readId(frame, 'FILE_DONE', 1 + ID_BYTES) };
    case FILE_REJECT: {
      const id = readId(frame, 'FILE_REJECT', 1 + ID_BYTES + 1);
      const reason = frame.readUInt8(17);
      if (!REJECT_REASONS.has(reason)) throw new FrameError(`FILE_REJECT reason ${reason} is unknown`);
      return { type: 'file-reject', id, reason: reason as RejectReason };
    }
    case FILE_CANCEL:
      return { type: 'file-cancel', id: readId(frame, 'FILE_CANCEL', 1 + ID_BYTES) };
    default:
      throw new FrameError(`unknown file frame type ${frame[0] ?? '(empty frame)'}`);
  }
}
