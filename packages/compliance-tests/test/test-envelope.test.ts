import { describe, expect, it } from 'vitest';
import { ENVELOPE_ID_PATTERN } from '@skcomm/core';
import { byteCoverageText, createTestEnvelope, UNICODE_SAMPLE, utf8JsonByteValues } from '../src/index.js';

const from = 'A'.repeat(40);
const to = 'B'.repeat(40);
const decode = (bytes: Uint8Array) => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));

describe('test envelopes', () => {
  it('have the wire-format 1.0.0 shape with a lowercase UUID v4 id', () => {
    const envelope = createTestEnvelope({ from, to });
    const document = decode(envelope.bytes);
    expect(document.envelope_id).toBe(envelope.envelopeId);
    expect(envelope.envelopeId).toMatch(ENVELOPE_ID_PATTERN);
    expect(Object.keys(document)).toEqual(['skcomm_version', 'envelope_id', 'timestamp', 'from', 'to', 'payload', 'routing', 'metadata']);
    expect(document.from.fingerprint).toBe(from);
    expect(document.to.fingerprint).toBe(to);
    expect(document.payload.content_encrypted).toMatch(/^-----BEGIN PGP MESSAGE-----\n\n[A-Za-z0-9+/]+\n-----END PGP MESSAGE-----\n$/);
  });

  it.each([1024, 65_536, 1024 * 1024])('can be padded to exactly %i bytes', (totalBytes) => {
    expect(createTestEnvelope({ from, to, totalBytes }).bytes.length).toBe(totalBytes);
  });

  it('refuses a size below the smallest envelope', () => {
    expect(() => createTestEnvelope({ from, to, totalBytes: 100 })).toThrow(RangeError);
  });

  it('are reproducible for a given seed', () => {
    const first = decode(createTestEnvelope({ from, to, seed: 7 }).bytes);
    const second = decode(createTestEnvelope({ from, to, seed: 7 }).bytes);
    expect(first.payload).toEqual(second.payload);
  });

  it('carry every byte value UTF-8 JSON can hold, and nothing else', () => {
    const { bytes } = createTestEnvelope({ from, to, text: byteCoverageText(), rawWhitespace: true });
    expect([...new Set(bytes)].sort((x, y) => x - y)).toEqual(utf8JsonByteValues());
    expect(utf8JsonByteValues()).toHaveLength(214);
  });

  it('carry every code point U+0000-U+00FF and the unicode sample unchanged through JSON', () => {
    expect(decode(createTestEnvelope({ from, to, text: byteCoverageText() }).bytes).payload.content).toBe(byteCoverageText());
    expect(decode(createTestEnvelope({ from, to, text: UNICODE_SAMPLE, rawWhitespace: true }).bytes).payload.content).toBe(UNICODE_SAMPLE);
  });

  it('use raw CR LF between tokens when asked', () => {
    const text = new TextDecoder().decode(createTestEnvelope({ from, to, rawWhitespace: true }).bytes);
    expect(text).toContain('{\r\n\t"skcomm_version"');
  });
});
