/**
 * Strict ASCII armor (RFC 4880 §6.2) for the two block types an envelope carries: PGP
 * MESSAGE and PGP SIGNATURE. openpgp.js then only ever parses binary: its own armor
 * reader is lenient (any block type, any header, text around the block) and slow.
 *
 * Accepted: exactly the expected BEGIN line, then optional Version/Comment/Charset
 * headers, a blank line, base64 lines, an optional `=XXXX` CRC24 line (checked when
 * present) and exactly the matching END line, with LF or CRLF line ends and at most
 * one final line end. Everything else is refused (threat model OP-01-019: a
 * cleartext-signed or key block where a message is expected, `Hash:` tricks, junk
 * or a second block around the block).
 */
import { DEFAULT_MAX_ENVELOPE_BYTES } from '../envelope/schema.js';
import { ErrorCode, RejectionError } from '../errors.js';

export type ArmorType = 'message' | 'signature';

const LABELS: Record<ArmorType, string> = { message: 'PGP MESSAGE', signature: 'PGP SIGNATURE' };

/** A bad block is a bad ciphertext or a bad signature, whichever the caller expected. */
const REJECTION_CODES: Record<ArmorType, ErrorCode> = { message: ErrorCode.DecryptFailed, signature: ErrorCode.SignatureInvalid };

/** No armored block can be larger than the envelope that carries it. */
export const MAX_ARMOR_CHARS = DEFAULT_MAX_ENVELOPE_BYTES;

/** RFC 4880 caps armor lines at 76 characters; headers may be longer, but not without bound. */
const MAX_BODY_LINE = 76;
const MAX_HEADER_LINE = 1024;

/** Only informational headers. `Hash:` belongs to cleartext signatures and is refused here. */
const HEADER = /^(Version|Comment|Charset): [\x20-\x7e]*$/;
const BASE64_LINE = /^[A-Za-z0-9+/]+={0,2}$/;
const CHECKSUM_LINE = /^=[A-Za-z0-9+/]{4}$/;

/** openpgp.js writes 60 characters per line; we write the same bytes it did. */
const ARMOR_LINE = 60;

export function armor(bytes: Uint8Array, type: ArmorType): string {
  const label = LABELS[type];
  const base64 = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  const lines: string[] = [`-----BEGIN ${label}-----`, ''];
  for (let start = 0; start < base64.length; start += ARMOR_LINE) lines.push(base64.slice(start, start + ARMOR_LINE));
  lines.push(`=${checksum(bytes)}`, `-----END ${label}-----`, '');
  return lines.join('\n');
}

/** The binary packets inside `text`, or a RejectionError saying what is wrong with the armor. */
export function dearmor(text: string, type: ArmorType): Uint8Array {
  const fail = (reason: string): never => {
    throw new RejectionError(REJECTION_CODES[type], `malformed ${LABELS[type]} armor: ${reason}`);
  };
  if (typeof text !== 'string') fail('not text');
  if (text.length > MAX_ARMOR_CHARS) fail(`longer than ${MAX_ARMOR_CHARS} characters`);
  const lines = text.split('\n');
  // One final line end is allowed; the split then leaves one empty string behind.
  if (lines.at(-1) === '') lines.pop();
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.endsWith('\r')) lines[index] = line.slice(0, -1);
  }

  const label = LABELS[type];
  if (lines[0] !== `-----BEGIN ${label}-----`) fail(`the first line must be "-----BEGIN ${label}-----"`);
  if (lines.at(-1) !== `-----END ${label}-----`) fail(`the last line must be "-----END ${label}-----"`);

  let index = 1;
  for (; index < lines.length - 1 && lines[index] !== ''; index += 1) {
    const header = lines[index]!;
    if (header.length > MAX_HEADER_LINE || !HEADER.test(header)) fail(`armor header line ${index + 1} is not allowed`);
  }
  if (lines[index] !== '') fail('no blank line after the armor headers');
  index += 1;

  let end = lines.length - 1;
  let expectedChecksum: string | undefined;
  if (end > index && CHECKSUM_LINE.test(lines[end - 1]!)) {
    expectedChecksum = lines[end - 1]!.slice(1);
    end -= 1;
  }
  if (end <= index) fail('no data');
  const bodyLines = lines.slice(index, end);
  for (const [offset, line] of bodyLines.entries()) {
    if (line.length > MAX_BODY_LINE || !BASE64_LINE.test(line)) fail(`line ${index + offset + 1} is not base64`);
    // Padding may only end the data, never a line in the middle of it.
    if (line.includes('=') && offset !== bodyLines.length - 1) fail(`padding inside the data on line ${index + offset + 1}`);
  }
  const base64 = bodyLines.join('');
  if (base64.length % 4 !== 0) fail('base64 length is not a multiple of 4');
  const bytes = Buffer.from(base64, 'base64');
  // Node ignores non-zero bits after the last full byte; a canonical encoding has none.
  if (bytes.toString('base64') !== base64) fail('base64 is not canonical');
  if (expectedChecksum !== undefined && checksum(bytes) !== expectedChecksum) fail('CRC24 checksum mismatch');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const CRC24_INIT = 0xb704ce;
const CRC24_POLY = 0x1864cfb;

const CRC24_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte << 16;
    for (let bit = 0; bit < 8; bit += 1) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= CRC24_POLY;
    }
    table[byte] = crc & 0xffffff;
  }
  return table;
})();

/** RFC 4880 §6.1 CRC-24, base64 encoded (4 characters). */
function checksum(bytes: Uint8Array): string {
  let crc = CRC24_INIT;
  for (const byte of bytes) crc = ((crc << 8) & 0xffffff) ^ CRC24_TABLE[((crc >> 16) ^ byte) & 0xff]!;
  return Buffer.from([crc >> 16, (crc >> 8) & 0xff, crc & 0xff]).toString('base64');
}
