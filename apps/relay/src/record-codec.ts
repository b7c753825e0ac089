/**
 * Records of the mailbox log. Each is `u32 body length, u32 CRC-32 of the body, body`
 * (big-endian); the body is one of
 *
 *   PUT     0x01 f64 id, f64 createdAtMs, f64 expiresAtMs, u8 fingerprint length, fingerprint (ASCII), envelope bytes
 *   REMOVE  0x02 f64 id
 *
 * Decoding checks every length against what is there and the checksum before trusting a
 * byte, so a torn tail or a flipped bit is reported, never misread.
 */
import { crc32 } from 'node:zlib';
import { FINGERPRINT_PATTERN } from '@skcomm/core';

export const RECORD_HEADER_BYTES = 8;
/** Larger than any record the relay writes (a 1 MiB envelope plus its header). */
export const MAX_RECORD_BODY_BYTES = 8 * 1024 * 1024;

const PUT = 0x01;
const REMOVE = 0x02;

export interface PutRecord {
  kind: 'put';
  id: number;
  createdAtMs: number;
  expiresAtMs: number;
  recipient: string;
  envelope: Uint8Array;
}

export interface RemoveRecord {
  kind: 'remove';
  id: number;
}

export type MailboxRecord = PutRecord | RemoveRecord;

export function encodeRecord(record: MailboxRecord): Buffer {
  const body =
    record.kind === 'put'
      ? Buffer.allocUnsafe(26 + record.recipient.length + record.envelope.length)
      : Buffer.allocUnsafe(9);
  if (record.kind === 'put') {
    body[0] = PUT;
    body.writeDoubleBE(record.id, 1);
    body.writeDoubleBE(record.createdAtMs, 9);
    body.writeDoubleBE(record.expiresAtMs, 17);
    body[25] = record.recipient.length;
    body.write(record.recipient, 26, 'latin1');
    body.set(record.envelope, 26 + record.recipient.length);
  } else {
    body[0] = REMOVE;
    body.writeDoubleBE(record.id, 1);
  }
  const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  header.writeUInt32BE(crc32(body), 4);
  return Buffer.concat([header, body]);
}

export type DecodeResult =
  | { status: 'record'; record: MailboxRecord; length: number }
  /** Fewer bytes than the header or the body needs: the end of the log, or a torn write. */
  | { status: 'truncated' }
  /** The length is plausible and present, but the checksum or the body is wrong: skip `length` bytes. */
  | { status: 'corrupt'; length: number; why: string }
  /** The length itself is impossible: nothing after this point can be trusted. */
  | { status: 'unreadable'; why: string };

/** Decodes the record starting at `offset`. */
export function decodeRecord(buffer: Buffer, offset: number): DecodeResult {
  if (buffer.length - offset < RECORD_HEADER_BYTES) return { status: 'truncated' };
  const bodyLength = buffer.readUInt32BE(offset);
  if (bodyLength === 0 || bodyLength > MAX_RECORD_BODY_BYTES) return { status: 'unreadable', why: `record length ${bodyLength} is impossible` };
  const length = RECORD_HEADER_BYTES + bodyLength;
  if (buffer.length - offset < length) return { status: 'truncated' };
  const body = buffer.subarray(offset + RECORD_HEADER_BYTES, offset + length);
  if (crc32(body) !== buffer.readUInt32BE(offset + 4)) return { status: 'corrupt', length, why: 'checksum mismatch' };
  const record = decodeBody(body);
  return typeof record === 'string' ? { status: 'corrupt', length, why: record } : { status: 'record', record, length };
}

function decodeBody(body: Buffer): MailboxRecord | string {
  const id = body.length >= 9 ? body.readDoubleBE(1) : Number.NaN;
  if (!Number.isSafeInteger(id) || id < 0) return 'bad message id';
  if (body[0] === REMOVE) return body.length === 9 ? { kind: 'remove', id } : 'REMOVE record has the wrong length';
  if (body[0] !== PUT) return `unknown record kind ${body[0]}`;
  if (body.length < 26) return 'PUT record is too short';
  const fingerprintLength = body[25] ?? 0;
  if (body.length < 26 + fingerprintLength) return 'PUT record is too short for its fingerprint';
  const recipient = body.toString('latin1', 26, 26 + fingerprintLength);
  if (!FINGERPRINT_PATTERN.test(recipient)) return 'PUT record recipient is not a fingerprint';
  const createdAtMs = body.readDoubleBE(9);
  const expiresAtMs = body.readDoubleBE(17);
  if (!Number.isFinite(createdAtMs) || !Number.isFinite(expiresAtMs)) return 'PUT record times are not numbers';
  // A copy: the envelope outlives the buffer the log was read into.
  return { kind: 'put', id, createdAtMs, expiresAtMs, recipient, envelope: Uint8Array.prototype.slice.call(body, 26 + fingerprintLength) };
}
