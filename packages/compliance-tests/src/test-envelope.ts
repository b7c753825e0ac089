/**
 * Envelope-shaped test payloads. They have the JSON shape of a wire-format 1.0.0 envelope
 * (so transports that read `envelope_id` work) but carry no real cryptography: the
 * armored blocks are random base64. The suite never needs keys.
 */
import { randomUUID } from 'node:crypto';
import { seededRandom } from '@skcomm/core';

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export interface TestEnvelopeInit {
  /** Sender fingerprint. */
  from: string;
  /** Recipient fingerprint. */
  to: string;
  /** Clear text carried in `payload.content` (open mode). Without it the payload is a fake armored message. */
  text?: string;
  /** Pads the fake armored message so the serialized envelope is exactly this many bytes. */
  totalBytes?: number;
  /** Indents with raw TAB and CR LF between JSON tokens, so line-ending rewrites show. */
  rawWhitespace?: boolean;
  /** Seed for the random base64; defaults to one derived from the envelope id. */
  seed?: number;
}

export interface TestEnvelope {
  envelopeId: string;
  bytes: Uint8Array;
}

const encoder = new TextEncoder();

export function createTestEnvelope(init: TestEnvelopeInit): TestEnvelope {
  const envelopeId = randomUUID();
  const random = seededRandom(init.seed ?? Number.parseInt(envelopeId.slice(0, 8), 16));
  const base64 = (length: number) => {
    let text = '';
    for (let index = 0; index < length; index++) text += BASE64_ALPHABET[Math.floor(random() * 64)];
    return text;
  };
  const signature = armor('PGP SIGNATURE', base64(120));
  const header = base64(64);
  const serialize = (filler: string) =>
    serializeDocument(
      {
        skcomm_version: '1.0.0',
        envelope_id: envelopeId,
        timestamp: new Date().toISOString(),
        from: { name: 'compliance-a', fingerprint: init.from },
        to: { name: 'compliance-b', fingerprint: init.to },
        payload:
          init.text === undefined
            ? { type: 'message', content_encrypted: armor('PGP MESSAGE', header + filler), signature }
            : { type: 'message', content: init.text + filler, signature },
        routing: { priority_transports: [], fallback_transports: [], retry_count: 0, max_retries: 5, ttl_seconds: 604_800 },
        metadata: { content_type: 'text/plain', urgency: 'normal' },
      },
      init.rawWhitespace === true,
    );

  if (init.totalBytes === undefined) return { envelopeId, bytes: serialize('') };
  const baseLength = serialize('').length;
  const padding = init.totalBytes - baseLength;
  if (padding < 0) {
    throw new RangeError(`the smallest test envelope is ${baseLength} bytes; ${init.totalBytes} was asked for`);
  }
  const bytes = serialize(base64(padding));
  if (bytes.length !== init.totalBytes) throw new Error(`test envelope came out ${bytes.length} bytes, not ${init.totalBytes}`);
  return { envelopeId, bytes };
}

function armor(type: string, body: string): string {
  return `-----BEGIN ${type}-----\n\n${body}\n-----END ${type}-----\n`;
}

function serializeDocument(document: unknown, rawWhitespace: boolean): Uint8Array {
  // Raw newlines only ever appear between tokens: JSON.stringify escapes them inside strings.
  const json = rawWhitespace ? JSON.stringify(document, null, '\t').replaceAll('\n', '\r\n') : JSON.stringify(document);
  return encoder.encode(json);
}

/**
 * Every code point U+0000-U+00FF, plus one character for each UTF-8 lead byte. Serialized
 * into an envelope with raw whitespace, the bytes hold every value UTF-8 JSON text can
 * hold: TAB, LF, CR, 0x20-0x7F, every continuation byte 0x80-0xBF and every lead byte
 * 0xC2-0xF4. (0x00-0x1F otherwise, 0xC0, 0xC1 and 0xF5-0xFF never occur in UTF-8 JSON,
 * which is what an envelope is; the C0 controls travel as `\u00XX` escapes.)
 */
export function byteCoverageText(): string {
  let text = '';
  for (let codePoint = 0; codePoint <= 0xff; codePoint++) text += String.fromCodePoint(codePoint);
  for (let lead = 0xc4; lead <= 0xdf; lead++) text += String.fromCodePoint((lead & 0x1f) << 6);
  for (let lead = 0xe0; lead <= 0xef; lead++) text += String.fromCodePoint(lead === 0xe0 ? 0x800 : (lead & 0x0f) << 12);
  for (let lead = 0xf0; lead <= 0xf4; lead++) text += String.fromCodePoint(lead === 0xf0 ? 0x10000 : (lead & 0x07) << 18);
  return text;
}

/** The byte values `byteCoverageText()` puts into an envelope serialized with raw whitespace. */
export function utf8JsonByteValues(): number[] {
  const values = [0x09, 0x0a, 0x0d];
  for (let value = 0x20; value <= 0xbf; value++) values.push(value);
  for (let value = 0xc2; value <= 0xf4; value++) values.push(value);
  return values;
}

/**
 * Text that breaks careless transports: combining marks (NFD next to NFC: no
 * normalization), ZWJ emoji sequences, astral and private-use code points, right-to-left
 * override, zero-width characters, a BOM in the middle, U+2028/U+2029, NUL and CR LF.
 */
export const UNICODE_SAMPLE = [
  'Gru\u0308\u00dfe, J\u00fcrgen',
  'e\u0301 (NFD) \u00e9 (NFC)',
  '\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8',
  '\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}',
  '\u{1F3F3}\uFE0F\u200D\u{1F308}',
  '\u202Eevil.exe\u202C',
  'zero\u200Bwidth\u200C\u200D',
  '\uFEFFbom in the middle',
  'line\u2028separator\u2029paragraph',
  '\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac \u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629 \u043a\u0438\u0440\u0438\u043b\u043b\u0438\u0446\u0430',
  '\u{1F600}\u{10FFFF}\uE000\uFFFD',
  'nul\u0000tab\tcr\rlf\ncrlf\r\n',
].join(' | ');
