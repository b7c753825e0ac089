/**
 * The relay wire protocol (`skcomm-relay/1`): binary WebSocket frames, one message each.
 * The first byte is the frame type; integers are big-endian; message ids are the relay's
 * mailbox sequence numbers (integers below 2^53, carried as float64).
 *
 *   client -> relay  SEND      0x01 u32 requestId, u8 fingerprint length, fingerprint (ASCII), envelope bytes
 *                    ACK       0x02 n x f64 messageId           (the client committed these deliveries)
 *                    SIGNAL    0x03 u8 fingerprint length, recipient fingerprint, payload   (signaling broker:
 *                                                            forwarded at once to the recipient's /signal
 *                                                            connections, never stored)
 *   relay -> client  ACCEPTED  0x11 u32 requestId               (hop ack: the envelope is durable at the relay)
 *                    REFUSED   0x12 u32 requestId, u8 reason, u8 retryable (0|1), UTF-8 detail
 *                    DELIVER   0x13 f64 messageId, envelope bytes
 *                    SYNCED    0x14                         (after the connection's first batch of
 *                                                            deliveries: the client has caught up)
 *                    SIGNAL    0x15 u8 fingerprint length, sender fingerprint, payload   (the sender is the
 *                                                            fingerprint the relay authenticated)
 *                    SIGNAL_UNREACHABLE 0x16 u8 fingerprint length, recipient fingerprint, u8 reason
 *                                                           (the signal was not forwarded)
 *
 * Shared by @skcomm/transport-websocket and @skcomm/relay; decoding never trusts a length
 * it did not check and fails with a RelayProtocolError.
 */
import { FINGERPRINT_PATTERN } from '@skcomm/core';

export const RELAY_PROTOCOL = 'skcomm-relay/1';
/** Request headers carrying the CapAuth token and the client's armored public key (base64url). */
export const AUTHORIZATION_HEADER = 'authorization';
export const PUBLIC_KEY_HEADER = 'skcomm-public-key';
/** The URL path of signaling-only connections: they get SIGNAL frames, never mailbox deliveries. */
export const SIGNALING_PATH = '/signal';
/** Largest SIGNAL payload a relay forwards (an SDP offer with its candidates is 1-3 KB). */
export const MAX_SIGNAL_PAYLOAD_BYTES = 64 * 1024;

export const FrameType = {
  Send: 0x01,
  Ack: 0x02,
  Signal: 0x03,
  Accepted: 0x11,
  Refused: 0x12,
  Deliver: 0x13,
  Synced: 0x14,
  SignalIn: 0x15,
  SignalUnreachable: 0x16,
} as const;

/** Why a relay did not forward a signal. */
export const SignalFailure = {
  /** The recipient has no signaling connection to this relay. */
  NotConnected: 1,
  RateLimited: 2,
} as const;
export type SignalFailure = (typeof SignalFailure)[keyof typeof SignalFailure];
const SIGNAL_FAILURES = new Set<number>(Object.values(SignalFailure));

/** Why a relay refused an envelope. */
export const RefusalReason = {
  TooLarge: 1,
  RateLimited: 2,
  MailboxFull: 3,
  BadFrame: 4,
  Storage: 5,
} as const;
export type RefusalReason = (typeof RefusalReason)[keyof typeof RefusalReason];
const REFUSAL_REASONS = new Set<number>(Object.values(RefusalReason));

export type ClientFrame =
  | { type: 'send'; requestId: number; recipient: string; envelope: Uint8Array }
  | { type: 'ack'; messageIds: number[] }
  | { type: 'signal'; recipient: string; payload: Uint8Array };

export type RelayFrame =
  | { type: 'accepted'; requestId: number }
  | { type: 'refused'; requestId: number; reason: RefusalReason; retryable: boolean; detail: string }
  | { type: 'deliver'; messageId: number; envelope: Uint8Array }
  | { type: 'synced' }
  | { type: 'signal'; sender: string; payload: Uint8Array }
  | { type: 'signal-unreachable'; recipient: string; reason: SignalFailure };

export class RelayProtocolError extends Error {
  override readonly name = 'RelayProtocolError';
}

/** Most ids one ACK frame may carry. */
export const MAX_ACK_IDS = 4096;
const MAX_REQUEST_ID = 0xffff_ffff;

export function encodeSend(requestId: number, recipient: string, envelope: Uint8Array): Buffer {
  checkRequestId(requestId);
  if (!FINGERPRINT_PATTERN.test(recipient)) throw new RelayProtocolError('recipient is not a full uppercase fingerprint');
  const frame = Buffer.allocUnsafe(6 + recipient.length + envelope.length);
  frame[0] = FrameType.Send;
  frame.writeUInt32BE(requestId, 1);
  frame[5] = recipient.length;
  frame.write(recipient, 6, 'latin1');
  frame.set(envelope, 6 + recipient.length);
  return frame;
}

export function encodeAck(messageIds: readonly number[]): Buffer {
  if (messageIds.length === 0 || messageIds.length > MAX_ACK_IDS) throw new RelayProtocolError(`an ACK carries 1..${MAX_ACK_IDS} ids`);
  const frame = Buffer.allocUnsafe(1 + 8 * messageIds.length);
  frame[0] = FrameType.Ack;
  messageIds.forEach((id, index) => {
    checkMessageId(id);
    frame.writeDoubleBE(id, 1 + 8 * index);
  });
  return frame;
}

export function encodeAccepted(requestId: number): Buffer {
  checkRequestId(requestId);
  const frame = Buffer.allocUnsafe(5);
  frame[0] = FrameType.Accepted;
  frame.writeUInt32BE(requestId, 1);
  return frame;
}

export function encodeRefused(requestId: number, reason: RefusalReason, retryable: boolean, detail: string): Buffer {
  checkRequestId(requestId);
  const text = Buffer.from(detail.slice(0, 500), 'utf8');
  const frame = Buffer.allocUnsafe(7 + text.length);
  frame[0] = FrameType.Refused;
  frame.writeUInt32BE(requestId, 1);
  frame[5] = reason;
  frame[6] = retryable ? 1 : 0;
  frame.set(text, 7);
  return frame;
}

export function encodeDeliver(messageId: number, envelope: Uint8Array): Buffer {
  checkMessageId(messageId);
  const frame = Buffer.allocUnsafe(9 + envelope.length);
  frame[0] = FrameType.Deliver;
  frame.writeDoubleBE(messageId, 1);
  frame.set(envelope, 9);
  return frame;
}

export function encodeSynced(): Buffer {
  return Buffer.from([FrameType.Synced]);
}

/** client -> relay: `payload` for `recipient`'s signaling connections. */
export function encodeSignal(recipient: string, payload: Uint8Array): Buffer {
  return encodeFingerprintFrame(FrameType.Signal, recipient, payload);
}

/** relay -> client: `payload` from the authenticated `sender`. */
export function encodeSignalIn(sender: string, payload: Uint8Array): Buffer {
  return encodeFingerprintFrame(FrameType.SignalIn, sender, payload);
}

export function encodeSignalUnreachable(recipient: string, reason: SignalFailure): Buffer {
  return encodeFingerprintFrame(FrameType.SignalUnreachable, recipient, Uint8Array.of(reason));
}

function encodeFingerprintFrame(type: number, fingerprint: string, payload: Uint8Array): Buffer {
  if (!FINGERPRINT_PATTERN.test(fingerprint)) throw new RelayProtocolError('fingerprint is not a full uppercase fingerprint');
  if (payload.length > MAX_SIGNAL_PAYLOAD_BYTES) throw new RelayProtocolError(`a signal payload carries at most ${MAX_SIGNAL_PAYLOAD_BYTES} bytes`);
  const frame = Buffer.allocUnsafe(2 + fingerprint.length + payload.length);
  frame[0] = type;
  frame[1] = fingerprint.length;
  frame.write(fingerprint, 2, 'latin1');
  frame.set(payload, 2 + fingerprint.length);
  return frame;
}

function decodeFingerprintFrame(frame: Buffer, what: string): { fingerprint: string; payload: Buffer } {
  need(frame, 2, what);
  const length = frame[1] ?? 0;
  need(frame, 2 + length, what);
  const fingerprint = frame.toString('latin1', 2, 2 + length);
  if (!FINGERPRINT_PATTERN.test(fingerprint)) throw new RelayProtocolError(`${what} fingerprint is not a full uppercase fingerprint`);
  const payload = frame.subarray(2 + length);
  if (payload.length > MAX_SIGNAL_PAYLOAD_BYTES) throw new RelayProtocolError(`${what} payload is over ${MAX_SIGNAL_PAYLOAD_BYTES} bytes`);
  return { fingerprint, payload };
}

export function decodeClientFrame(data: Uint8Array): ClientFrame {
  const frame = asBuffer(data);
  switch (frame[0]) {
    case FrameType.Send: {
      need(frame, 6, 'SEND');
      const length = frame[5] ?? 0;
      need(frame, 6 + length, 'SEND');
      const recipient = frame.toString('latin1', 6, 6 + length);
      if (!FINGERPRINT_PATTERN.test(recipient)) throw new RelayProtocolError('SEND recipient is not a full uppercase fingerprint');
      return { type: 'send', requestId: frame.readUInt32BE(1), recipient, envelope: frame.subarray(6 + length) };
    }
    case FrameType.Ack: {
      const count = (frame.length - 1) / 8;
      if (!Number.isInteger(count) || count < 1 || count > MAX_ACK_IDS) throw new RelayProtocolError(`ACK must carry 1..${MAX_ACK_IDS} ids of 8 bytes`);
      const messageIds: number[] = [];
      for (let index = 0; index < count; index++) messageIds.push(readMessageId(frame, 1 + 8 * index));
      return { type: 'ack', messageIds };
    }
    case FrameType.Signal: {
      const { fingerprint, payload } = decodeFingerprintFrame(frame, 'SIGNAL');
      return { type: 'signal', recipient: fingerprint, payload };
    }
    default:
      throw new RelayProtocolError(`unknown client frame type ${frame[0] ?? '(empty frame)'}`);
  }
}

export function decodeRelayFrame(data: Uint8Array): RelayFrame {
  const frame = asBuffer(data);
  switch (frame[0]) {
    case FrameType.Accepted:
      if (frame.length !== 5) throw new RelayProtocolError('ACCEPTED must be 5 bytes');
      return { type: 'accepted', requestId: frame.readUInt32BE(1) };
    case FrameType.Refused: {
      need(frame, 7, 'REFUSED');
      const reason = frame[5] ?? 0;
      if (!REFUSAL_REASONS.has(reason)) throw new RelayProtocolError(`REFUSED carries an unknown reason ${reason}`);
      const retryable = frame[6];
      if (retryable !== 0 && retryable !== 1) throw new RelayProtocolError('REFUSED retryable flag must be 0 or 1');
      return { type: 'refused', requestId: frame.readUInt32BE(1), reason: reason as RefusalReason, retryable: retryable === 1, detail: frame.toString('utf8', 7) };
    }
    case FrameType.Deliver:
      need(frame, 9, 'DELIVER');
      return { type: 'deliver', messageId: readMessageId(frame, 1), envelope: frame.subarray(9) };
    case FrameType.Synced:
      if (frame.length !== 1) throw new RelayProtocolError('SYNCED must be 1 byte');
      return { type: 'synced' };
    case FrameType.SignalIn: {
      const { fingerprint, payload } = decodeFingerprintFrame(frame, 'SIGNAL');
      return { type: 'signal', sender: fingerprint, payload };
    }
    case FrameType.SignalUnreachable: {
      const { fingerprint, payload } = decodeFingerprintFrame(frame, 'SIGNAL_UNREACHABLE');
      const reason = payload[0] ?? 0;
      if (payload.length !== 1 || !SIGNAL_FAILURES.has(reason)) throw new RelayProtocolError('SIGNAL_UNREACHABLE carries one known reason byte');
      return { type: 'signal-unreachable', recipient: fingerprint, reason: reason as SignalFailure };
    }
    default:
      throw new RelayProtocolError(`unknown relay frame type ${frame[0] ?? '(empty frame)'}`);
  }
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function need(frame: Buffer, length: number, what: string): void {
  if (frame.length < length) throw new RelayProtocolError(`${what} frame is truncated (${frame.length} bytes)`);
}

function readMessageId(frame: Buffer, offset: number): number {
  const id = frame.readDoubleBE(offset);
  if (!Number.isSafeInteger(id) || id < 0) throw new RelayProtocolError('message id is not a non-negative safe integer');
  return id;
}

function checkMessageId(id: number): void {
  if (!Number.isSafeInteger(id) || id < 0) throw new RelayProtocolError(`message id ${id} is not a non-negative safe integer`);
}

function checkRequestId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > MAX_REQUEST_ID) throw new RelayProtocolError(`request id ${id} is out of range`);
}
