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
  encodeSignal,
  encodeSignalIn,
  encodeSignalUnreachable,
  encodeSynced,
  MAX_SIGNAL_PAYLOAD_BYTES,
  SignalFailure,
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

  it('SIGNAL (both directions) and SIGNAL_UNREACHABLE round-trip byte-exact', () => {
    fc.assert(
      fc.property(fingerprint, envelope, fc.constantFrom(...Object.values(SignalFailure)), (peer, payload, why) => {
        expect(decodeClientFrame(encodeSignal(peer, payload))).toEqual({ type: 'signal', recipient: peer, payload: Buffer.from(payload) });
        expect(decodeRelayFrame(encodeSignalIn(peer, payload))).toEqual({ type: 'signal', sender: peer, payload: Buffer.from(payload) });
        expect(decodeRelayFrame(encodeSignalUnreachable(peer, why))).toEqual({ type: 'signal-unreachable', recipient: peer, reason: why });
      }),
    );
  });

  it('refuses signals over the payload limit, truncated or with a bad fingerprint', () => {
    const tooLarge = new Uint8Array(MAX_SIGNAL_PAYLOAD_BYTES + 1);
    expect(() => encodeSignal('A'.repeat(40), tooLarge)).toThrow(RelayProtocolError);
    const handmade = Buffer.concat([Buffer.from([0x03, 40]), Buffer.from('A'.repeat(40)), tooLarge]);
    expect(() => decodeClientFrame(handmade)).toThrow(RelayProtocolError);
    expect(() => decodeClientFrame(Buffer.from([0x03, 40, 65]))).toThrow(RelayProtocolError);
    expect(() => decodeRelayFrame(Buffer.concat([Buffer.from([0x15, 40]), Buffer.from('a'.repeat(40))]))).toThrow(RelayProtocolError);
    expect(() => decodeRelayFrame(Buffer.concat([Buffer.from([0x16, 40]), Buffer.from('A'.repeat(40)), Buffer.from([9])]))).toThrow(RelayProtocolError);
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
