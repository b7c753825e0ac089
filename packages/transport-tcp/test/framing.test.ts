/**
 * Framing properties (threat model (d) 1 and 10): any split of the byte stream into
 * chunks reassembles the same frames; a stream cut anywhere yields exactly the complete
 * frames and then a `truncated` error; oversize frames are refused; random bytes never
 * produce anything but frames or a FrameError.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoDetectDecoder, createDecoder, encodeFrame, FrameError, type FrameDecoder, type Framing } from '../src/index.js';

const RUNS = { numRuns: 300 };
const MAX = 64 * 1024;

/** JSON objects as a sender may write them: compact, or indented with raw TAB/CR/LF between tokens. */
const jsonObject = fc
  .tuple(
    fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
    fc.constantFrom(undefined, 2, '\t'),
    fc.boolean(),
  )
  .map(([value, indent, crlf]) => {
    const json = JSON.stringify(value, null, indent);
    return new TextEncoder().encode(crlf ? json.replaceAll('\n', '\r\n') : json);
  });

function stream(frames: readonly Uint8Array[], framing: Framing): Uint8Array {
  return Buffer.concat(frames.flatMap((frame) => encodeFrame(frame, framing)));
}

/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((left, right) => left - right);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const offset of [...offsets, bytes.length]) {
    chunks.push(bytes.subarray(start, offset));
    start = offset;
  }
  return chunks;
}

function decodeAll(decoder: FrameDecoder, chunks: readonly Uint8Array[]): Uint8Array[] {
  return chunks.flatMap((chunk) => decoder.push(chunk));
}

const hex = (frames: readonly Uint8Array[]) => frames.map((frame) => Buffer.from(frame).toString('hex'));

describe.each(['ndjson', 'length'] as const)('%s framing', (framing) => {
  it('any split of the byte stream into chunks reassembles the same frames', () => {
    fc.assert(
      fc.property(fc.array(jsonObject, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, cuts) => {
        const decoder = createDecoder(framing, MAX);
        const decoded = decodeAll(decoder, split(stream(frames, framing), cuts));
        expect(hex(decoded)).toEqual(hex(frames));
        expect(decoder.inFrame).toBe(false);
        decoder.finish();
      }),
      RUNS,
    );
  });

  it('a stream cut at any point yields the complete frames, then finish() reports the truncation', () => {
    fc.assert(
      fc.property(fc.array(jsonObject, { minLength: 1, maxLength: 4 }), fc.nat(), fc.array(fc.nat(), { maxLength: 10 }), (frames, cutAt, cuts) => {
        const full = stream(frames, framing);
        const cut = full.subarray(0, cutAt % (full.length + 1));
        const decoder = createDecoder(framing, MAX);
        const decoded = decodeAll(decoder, split(cut, cuts));
        // The decoded frames are exactly the frames whose encoding fits in the cut.
        const expected: Uint8Array[] = [];
        let end = 0;
        for (const frame of frames) {
          end += encodeFrame(frame, framing).reduce((total, part) => total + part.length, 0);
          // ndjson completes a frame at its closing brace, before the newline.
          if (end - (framing === 'ndjson' ? 1 : 0) <= cut.length) expected.push(frame);
        }
        expect(hex(decoded)).toEqual(hex(expected));
        if (decoder.inFrame) expect(() => decoder.finish()).toThrow(expect.objectContaining({ reason: 'truncated' }));
        else decoder.finish();
      }),
      RUNS,
    );
  });

  it('refuses a frame one byte over the limit, and accepts one exactly at it', () => {
    const atLimit = encodeFrame(new TextEncoder().encode(`{"pad":"${'x'.repeat(100 - 10)}"}`), framing);
    const frame = atLimit[0]!;
    expect(frame.length === 100 || framing === 'length').toBe(true);
    const limit = framing === 'length' ? atLimit[1]!.length : frame.length;
    expect(decodeAll(createDecoder(framing, limit), atLimit)).toHaveLength(1);
    expect(() => decodeAll(createDecoder(framing, limit - 1), atLimit)).toThrow(expect.objectContaining({ reason: 'frame-too-large' }));
  });

  it('hands over the frames completed before bad bytes in the same chunk with the error', () => {
    fc.assert(
      fc.property(fc.array(jsonObject, { maxLength: 5 }), (frames) => {
        const decoder = createDecoder(framing, MAX);
        const good = stream(frames, framing);
        // 0x00 0x00 0x00 0x00 is an empty length frame; "x" never starts a JSON object.
        const bad = framing === 'length' ? new Uint8Array(4) : new TextEncoder().encode('x');
        try {
          decoder.push(Buffer.concat([good, bad]));
          expect.unreachable('bad bytes were accepted');
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
          expect(hex((error as FrameError).completedFrames)).toEqual(hex(frames));
        }
      }),
      RUNS,
    );
  });

  it('never throws anything but a FrameError on random bytes, and never returns more bytes than it got', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 10 }), (chunks) => {
        const decoder = createDecoder(framing, 1024);
        try {
          const frames = decodeAll(decoder, chunks);
          const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
          expect(frames.reduce((sum, frame) => sum + frame.length, 0)).toBeLessThanOrEqual(total);
          decoder.finish();
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
      RUNS,
    );
  });
});

describe('length-prefixed framing', () => {
  it('refuses a 100 MB frame from its 4-byte prefix alone, before any of it arrives', () => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(100_000_000);
    expect(() => createDecoder('length', 1024 * 1024).push(prefix)).toThrow(expect.objectContaining({ reason: 'frame-too-large' }));
  });

  it('reports every truncated length prefix (1, 2 or 3 of 4 bytes) as truncated', () => {
    for (const length of [1, 2, 3]) {
      const decoder = createDecoder('length', 1024);
      expect(decoder.push(new Uint8Array(length))).toEqual([]);
      expect(() => decoder.finish()).toThrow(expect.objectContaining({ reason: 'truncated' }));
    }
  });

  it('refuses a zero length', () => {
    expect(() => createDecoder('length', 1024).push(new Uint8Array(4))).toThrow(expect.objectContaining({ reason: 'empty-frame' }));
  });

  it('carries bytes that are not JSON (binary-safe)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), (bytes) => {
        expect(hex(createDecoder('length', 1024).push(stream([bytes], 'length')))).toEqual(hex([bytes]));
      }),
      RUNS,
    );
  });
});

describe('ndjson framing', () => {
  it('keeps braces, brackets, quotes and backslashes inside strings from ending a frame', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('{', '}', '[', ']', '"', '\\', '\n', 'a', '\u2028'), { maxLength: 30 }), (characters) => {
        const frame = new TextEncoder().encode(JSON.stringify({ tricky: characters.join('') }));
        expect(hex(createDecoder('ndjson', MAX).push(stream([frame, frame], 'ndjson')))).toEqual(hex([frame, frame]));
      }),
      RUNS,
    );
  });

  it('refuses a stream that does not start a JSON object (a BOM, an array, a bare word)', () => {
    for (const start of ['\uFEFF{}', '[1]', 'hello\n', '"text"', '1']) {
      expect(() => createDecoder('ndjson', MAX).push(new TextEncoder().encode(start))).toThrow(expect.objectContaining({ reason: 'not-json-object' }));
    }
  });

  it('send-side encoding refuses bytes that are not exactly one JSON object', () => {
    for (const bad of ['', '{}{}', '{"a":1', '[1]', '{} ', ' {}']) {
      expect(() => encodeFrame(new TextEncoder().encode(bad), 'ndjson')).toThrow(FrameError);
    }
  });
});

describe('framing detection', () => {
  it('tells a length-prefixed connection from an ndjson one by the first byte', () => {
    fc.assert(
      fc.property(jsonObject, fc.constantFrom<Framing>('ndjson', 'length'), (frame, framing) => {
        const decoder = new AutoDetectDecoder(MAX);
        expect(hex(decoder.push(stream([frame], framing)))).toEqual(hex([frame]));
        expect(decoder.framing).toBe(framing);
      }),
      RUNS,
    );
  });
});
