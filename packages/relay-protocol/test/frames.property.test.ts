import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeClientFrame,
  decodeRelayFrame,
  encodeAccepted,
  encodeAck,
  encodeDeliver,
  encodeRefused,
  encodeSend,
  encodeSynced,
  MAX_ACK_IDS,
  RefusalReason,
  RelayProtocolError,
} from '../src/index.js';

const fingerprint = fc.oneof(fc.stringMatching(/^[0-9A-F]{40}$/), fc.stringMatching(/^[0-9A-F]{64}$/));
const requestId = fc.integer({ min: 0, max: 0xffff_ffff });
const messageId = fc.maxSafeInteger().map(Math.abs);
const envelope = fc.uint8Array({ maxLength: 2048 });
const reason = fc.constantFrom(...Object.values(RefusalReason));

function decodesOrRefuses(decode: (bytes: Uint8Array) => unknown, bytes: Uint8Array): void {
  try {
    decode(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(RelayProtocolError);
  }
}

describe('relay protocol frames', () => {
  it('SEND round-trips byte-exact', () => {
    fc.assert(
      fc.property(requestId, fingerprint, envelope, (id, recipient, bytes) => {
        const frame = decodeClientFrame(encodeSend(id, recipient, bytes));
        expect(frame).toEqual({ type: 'send', requestId: id, recipient, envelope: Buffer.from(bytes) });
      }),
    );
  });

  it('ACK round-trips', () => {
    fc.assert(
      fc.property(fc.array(messageId, { minLength: 1, maxLength: 50 }), (ids) => {
        expect(decodeClientFrame(encodeAck(ids))).toEqual({ type: 'ack', messageIds: ids });
      }),
    );
  });

  it('ACCEPTED, REFUSED and DELIVER round-trip', () => {
    fc.assert(
      fc.property(requestId, messageId, reason, fc.boolean(), fc.string({ maxLength: 200 }), envelope, (id, message, why, retryable, detail, bytes) => {
        expect(decodeRelayFrame(encodeAccepted(id))).toEqual({ type: 'accepted', requestId: id });
        expect(decodeRelayFrame(encodeRefused(id, why, retryable, detail))).toEqual({
          type: 'refused',
          requestId: id,
          reason: why,
          retryable,
          detail: Buffer.from(detail, 'utf8').toString('utf8'),
        });
        expect(decodeRelayFrame(encodeDeliver(message, bytes))).toEqual({ type: 'deliver', messageId: message, envelope: Buffer.from(bytes) });
        expect(decodeRelayFrame(encodeSynced())).toEqual({ type: 'synced' });
      }),
    );
  });

  it('arbitrary bytes decode or fail with a RelayProtocolError, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        decodesOrRefuses(decodeClientFrame, bytes);
        decodesOrRefuses(decodeRelayFrame, bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('truncating or corrupting a valid frame never decodes into something else silently', () => {
    fc.assert(
      fc.property(requestId, fingerprint, envelope, fc.nat(), (id, recipient, bytes, cut) => {
        const frame = encodeSend(id, recipient, bytes);
        const truncated = frame.subarray(0, cut % (6 + recipient.length));
        expect(() => decodeClientFrame(truncated)).toThrow(RelayProtocolError);
      }),
    );
  });

  it('refuses what it must not encode or accept', () => {
    expect(() => encodeSend(1, 'abc', new Uint8Array())).toThrow(RelayProtocolError);
    expect(() => encodeSend(-1, 'A'.repeat(40), new Uint8Array())).toThrow(RelayProtocolError);
    expect(() => encodeAck([])).toThrow(RelayProtocolError);
    expect(() => encodeAck(Array.from({ length: MAX_ACK_IDS + 1 }, (_, index) => index))).toThrow(RelayProtocolError);
    expect(() => encodeAck([1.5])).toThrow(RelayProtocolError);
    // A lowercase fingerprint in a SEND frame, an ACK of 7 bytes, a NaN message id.
    expect(() => decodeClientFrame(Buffer.concat([Buffer.from([1, 0, 0, 0, 1, 40]), Buffer.from('a'.repeat(40))]))).toThrow(RelayProtocolError);
    expect(() => decodeClientFrame(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]))).toThrow(RelayProtocolError);
    const nan = Buffer.alloc(9);
    nan[0] = 0x13;
    nan.writeDoubleBE(Number.NaN, 1);
    expect(() => decodeRelayFrame(nan)).toThrow(RelayProtocolError);
  });
});
