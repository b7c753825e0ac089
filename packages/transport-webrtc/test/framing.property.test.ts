/** Data-channel framing and chunk reassembly: fast-check properties. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeAck, encodeBye, encodeChunks, encodePing, encodePong, type Frame, FrameError, MAX_ACKS } from '../src/framing.js';
import { Reassembler } from '../src/reassembler.js';

const sequence = fc.integer({ min: 0, max: 0xffff_ffff });
const chunkBytes = fc.integer({ min: 1, max: 4096 });

function reassemble(frames: Buffer[], limit: number): Array<{ sequence: number; bytes: Uint8Array }> {
  const reassembler = new Reassembler(limit);
  const done: Array<{ sequence: number; bytes: Uint8Array }> = [];
  for (const frame of frames) {
    const decoded = decodeFrame(frame);
    if (decoded.type !== 'chunk') throw new Error('not a chunk');
    const envelope = reassembler.push(decoded);
    if (envelope) done.push(envelope);
  }
  return done;
}

describe('chunking', () => {
  it('any envelope, cut at any chunk size, reassembles byte-exact (one after another too)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sequence, fc.uint8Array({ maxLength: 20_000 })), { minLength: 1, maxLength: 4 }), chunkBytes, (envelopes, size) => {
        const frames = envelopes.flatMap(([id, bytes]) => encodeChunks(id, bytes, size));
        for (const frame of frames) expect(frame.length).toBeLessThanOrEqual(13 + size);
        const done = reassemble(frames, 20_000);
        expect(done.map((envelope) => envelope.sequence)).toEqual(envelopes.map(([id]) => id));
        done.forEach((envelope, index) => expect(Buffer.from(envelope.bytes).equals(Buffer.from(envelopes[index]![1]))).toBe(true));
      }),
    );
  });

  it('a chunk missing, repeated or out of order is a FrameError, never a wrong envelope', () => {
    fc.assert(
      fc.property(sequence, fc.uint8Array({ minLength: 3, maxLength: 5000 }), fc.integer({ min: 1, max: 1000 }), fc.nat(), fc.constantFrom('drop', 'repeat', 'swap'), (id, bytes, size, at, damage) => {
        const frames = encodeChunks(id, bytes, size);
        fc.pre(frames.length >= 2);
        const index = at % (frames.length - 1);
        const damaged = [...frames];
        if (damage === 'drop') damaged.splice(index, 1);
        else if (damage === 'repeat') damaged.splice(index, 0, frames[index]!);
        else [damaged[index], damaged[index + 1]] = [damaged[index + 1]!, damaged[index]!];
        // A dropped last chunk leaves the envelope incomplete: nothing comes out.
        try {
          expect(reassemble(damaged, 10_000)).toEqual([]);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
    );
  });

  it('refuses an envelope whose announced length is over the limit, from its first chunk', () => {
    const [first] = encodeChunks(7, new Uint8Array(2000), 100);
    expect(() => reassemble([first!], 1999)).toThrow(FrameError);
  });

  it('arbitrary bytes decode or fail with a FrameError, and arbitrary chunks never crash the reassembler', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }), (messages) => {
        const reassembler = new Reassembler(1000);
        for (const message of messages) {
          try {
            const frame = decodeFrame(message);
            if (frame.type === 'chunk') reassembler.push(frame);
          } catch (error) {
            expect(error).toBeInstanceOf(FrameError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses an ACK of no sequence, of too many, or not a whole number of them', () => {
    expect(() => encodeAck([])).toThrow(FrameError);
    expect(() => encodeAck(Array.from({ length: MAX_ACKS + 1 }, (_, index) => index))).toThrow(FrameError);
    expect(() => decodeFrame(Buffer.from([0x02]))).toThrow(FrameError);
    expect(() => decodeFrame(Buffer.from([0x02, 0, 0, 0, 1, 9]))).toThrow(FrameError);
  });

  it('control frames round-trip', () => {
    fc.assert(
      fc.property(fc.array(sequence, { minLength: 1, maxLength: MAX_ACKS }), fc.double({ noNaN: true, noDefaultInfinity: true }), (ids, time) => {
        expect(decodeFrame(encodeAck(ids))).toEqual({ type: 'ack', sequences: ids } satisfies Frame);
        expect(decodeFrame(encodePing(time))).toEqual({ type: 'ping', time });
        expect(decodeFrame(encodePong(time))).toEqual({ type: 'pong', time });
        expect(decodeFrame(encodeBye())).toEqual({ type: 'bye' });
      }),
    );
  });
});
