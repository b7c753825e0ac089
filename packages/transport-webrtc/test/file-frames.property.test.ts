/** File frames and the chunk bitmap: fast-check properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkSet, FileLayout } from '../src/chunk-set.js';
import {
  type ChunkRange,
  encodeFileCancel,
  encodeFileData,
  encodeFileDone,
  encodeFileEnvelope,
  encodeFileHave,
  encodeFileNeed,
  encodeFileOffer,
  encodeFileReject,
  MAX_NEED_RANGES,
  RejectReason,
} from '../src/file-frames.js';
import { decodeFrame, FrameError } from '../src/framing.js';

const id = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes).toString('hex'));
const u32 = fc.integer({ min: 0, max: 0xffff_ffff });
const size = fc.maxSafeNat();
const reason = fc.constantFrom(...Object.values(RejectReason));

/** Ascending, non-empty, non-touching ranges inside [0, 2^32). */
const ranges = fc.uniqueArray(u32, { maxLength: 2 * MAX_NEED_RANGES + 10 }).map((points) => {
  const sorted = [...points].sort((left, right) => left - right);
  const result: ChunkRange[] = [];
  for (let index = 0; index + 1 < sorted.length; index += 2) {
    const start = sorted[index]!;
    const end = sorted[index + 1]!;
    if (result.length > 0 && start <= result.at(-1)!.end) continue;
    result.push({ start, end });
  }
  return result;
});

/** Every valid frame the encoders make, paired with what decoding must give back. */
const validFrames = fc.oneof(
  fc.tuple(id, size, fc.integer({ min: 1, max: 0xffff_ffff }), u32).map(([fileId, bytes, chunkBytes, envelopeLength]) => ({
    frames: [encodeFileOffer(fileId, bytes, chunkBytes, envelopeLength)],
    expected: [{ type: 'file-offer', id: fileId, size: bytes, chunkBytes, envelopeLength }],
  })),
  fc.tuple(id, u32, size, fc.integer({ min: 1, max: 255 }), u32, ranges).map(([fileId, token, confirmedBytes, lanes, windowBytes, need]) => {
    const frames = encodeFileNeed({ id: fileId, token, confirmedBytes, lanes, windowBytes }, need);
    const expected = frames.map((_, index) => ({
      type: 'file-need',
      id: fileId,
      token,
      confirmedBytes,
      lanes,
      windowBytes,
      final: index === frames.length - 1,
      ranges: need.slice(index * MAX_NEED_RANGES, (index + 1) * MAX_NEED_RANGES),
    }));
    return { frames, expected };
  }),
  fc.tuple(u32, u32, fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 1000 })).map(([token, index, chunk, piece]) => {
    const frames = encodeFileData(token, index, chunk, piece);
    const expected = frames.map((_, at) => ({ type: 'file-data', token, index, offset: at * piece, bytes: Buffer.from(chunk.subarray(at * piece, (at + 1) * piece)) }));
    return { frames, expected };
  }),
  fc.tuple(id, size).map(([fileId, confirmedBytes]) => ({ frames: [encodeFileHave(fileId, confirmedBytes)], expected: [{ type: 'file-have', id: fileId, confirmedBytes }] })),
  fc.tuple(id, fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 1000 })).map(([fileId, envelope, piece]) => {
    const frames = encodeFileEnvelope(fileId, envelope, piece);
    const expected = frames.map((_, at) => ({
      type: 'file-envelope',
      id: fileId,
      envelopeLength: envelope.length,
      offset: at * piece,
      bytes: Buffer.from(envelope.subarray(at * piece, (at + 1) * piece)),
    }));
    return { frames, expected };
  }),
  id.map((fileId) => ({ frames: [encodeFileDone(fileId)], expected: [{ type: 'file-done', id: fileId }] })),
  fc.tuple(id, reason).map(([fileId, why]) => ({ frames: [encodeFileReject(fileId, why)], expected: [{ type: 'file-reject', id: fileId, reason: why }] })),
  id.map((fileId) => ({ frames: [encodeFileCancel(fileId)], expected: [{ type: 'file-cancel', id: fileId }] })),
);

function decodeOrFrameError(bytes: Uint8Array): void {
  try {
    decodeFrame(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(FrameError);
  }
}

describe('file frames', () => {
  it('every frame round-trips; a need of any length is split into frames of at most MAX_NEED_RANGES, the last one final', () => {
    fc.assert(
      fc.property(validFrames, ({ frames, expected }) => {
        const decoded = frames.map((frame) => decodeFrame(frame));
        expect(decoded.map((frame) => ('bytes' in frame ? { ...frame, bytes: Buffer.from(frame.bytes) } : frame))).toEqual(expected);
        for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(65_536);
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary bytes of the file types decode or fail with a FrameError, nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0x10, max: 0x17 }), fc.uint8Array({ maxLength: 80 }), (type, body) => decodeOrFrameError(Buffer.from([type, ...body]))),
      { numRuns: 5000 },
    );
  });

  it('a valid frame truncated, extended or with one byte changed decodes or fails with a FrameError', () => {
    fc.assert(
      fc.property(validFrames, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.nat(255), (valid, at, extra, value) => {
        const frame = valid.frames[0]!;
        decodeOrFrameError(frame.subarray(0, at % frame.length));
        decodeOrFrameError(Buffer.concat([frame, extra]));
        const changed = Buffer.from(frame);
        changed[1 + (at % Math.max(1, frame.length - 1))] = value;
        decodeOrFrameError(changed);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses oversize counts, bad ids and unknown reasons when encoding or decoding', () => {
    expect(() => encodeFileHave('not-hex', 1)).toThrow(FrameError);
    expect(() => encodeFileHave('a'.repeat(32), 2 ** 53)).toThrow(FrameError);
    const have = encodeFileHave('a'.repeat(32), 1);
    have.writeBigUInt64BE(2n ** 60n, 17);
    expect(() => decodeFrame(have)).toThrow(FrameError);
    const reject = encodeFileReject('a'.repeat(32), RejectReason.Busy);
    reject[17] = 99;
    expect(() => decodeFrame(reject)).toThrow(FrameError);
    const [need] = encodeFileNeed({ id: 'a'.repeat(32), token: 1, confirmedBytes: 0, lanes: 1, windowBytes: 1 }, [{ start: 5, end: 9 }, { start: 20, end: 30 }]);
    need!.writeUInt32BE(9, 35 + 8); // second range starts where the first ends: touching
    expect(() => decodeFrame(need!)).toThrow(FrameError);
  });
});

describe('chunk set', () => {
  it('missing ranges are exactly the chunks not held, and the layout counts their bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.array(fc.nat(), { maxLength: 400 }), (count, chunkBytes, last, held) => {
        const set = new ChunkSet(count);
        for (const index of held) set.add(index % count);
        const missing = set.missingRanges().flatMap(({ start, end }) => Array.from({ length: end - start }, (_, offset) => start + offset));
        const expected = Array.from({ length: count }, (_, index) => index).filter((index) => !set.has(index));
        expect(missing).toEqual(expected);
        expect(set.size).toBe(count - expected.length);
        // The last chunk holds 1..chunkBytes bytes.
        const layout = new FileLayout((count - 1) * chunkBytes + 1 + (last % chunkBytes), chunkBytes);
        expect(layout.count).toBe(count);
        const bytes = Array.from({ length: count }, (_, index) => index).filter((index) => set.has(index)).reduce((sum, index) => sum + layout.chunkLength(index), 0);
        expect(layout.bytesIn(set)).toBe(bytes);
        expect(new ChunkSet(count, set.toBytes()).missingRanges()).toEqual(set.missingRanges());
      }),
    );
  });
});
