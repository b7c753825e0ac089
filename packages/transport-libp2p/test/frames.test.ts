import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AckStatus, decodeFrame, encodeAckFrame, encodeEnvelopeFrame, FrameError, MAX_SEQUENCE } from '../src/frames.js';

const sequence = fc.integer({ min: 0, max: MAX_SEQUENCE });
const status = fc.constantFrom(...Object.values(AckStatus));

describe('frames', () => {
  it('an envelope frame decodes to the same sequence and bytes', () => {
    fc.assert(
      fc.property(sequence, fc.uint8Array({ minLength: 1, maxLength: 4096 }), (seq, envelope) => {
        const frame = decodeFrame(encodeEnvelopeFrame(seq, envelope));
        expect(frame).toEqual({ type: 'envelope', sequence: seq, envelope });
      }),
    );
  });

  it('an ack frame decodes to the same sequence and status', () => {
    fc.assert(
      fc.property(sequence, status, (seq, ackStatus) => {
        expect(decodeFrame(encodeAckFrame(seq, ackStatus))).toEqual({ type: 'ack', sequence: seq, status: ackStatus });
      }),
    );
  });

  it('decodes a frame at a non-zero offset in a shared buffer', () => {
    const buffer = new Uint8Array(64);
    buffer.set(encodeEnvelopeFrame(7, new Uint8Array([1, 2, 3])), 10);
    const frame = decodeFrame(buffer.subarray(10, 18));
    expect(frame).toEqual({ type: 'envelope', sequence: 7, envelope: new Uint8Array([1, 2, 3]) });
  });

  it('any bytes decode to a frame or throw a FrameError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          const frame = decodeFrame(bytes);
          expect(['envelope', 'ack']).toContain(frame.type);
        } catch (error) {
          expect(error).toBeInstanceOf(FrameError);
        }
      }),
    );
  });

  it.each([
    ['a frame shorter than its header', new Uint8Array([1, 0, 0])],
    ['an envelope frame without an envelope', encodeEnvelopeFrame(1, new Uint8Array(0))],
    ['an ack frame with a trailing byte', new Uint8Array([2, 0, 0, 0, 1, 0, 0])],
    ['an ack with an unknown status', new Uint8Array([2, 0, 0, 0, 1, 9])],
    ['an unknown frame type', new Uint8Array([3, 0, 0, 0, 1, 0])],
  ])('refuses %s', (_name, bytes) => {
    expect(() => decodeFrame(bytes)).toThrow(FrameError);
  });
});
