/**
 * The inline `file` body is untrusted input (a peer's signed body can still be hostile):
 * every body either parses to bytes whose size and sha256 match what it claims, or is
 * refused with E_FILE_MANIFEST (shape) or E_FILE_INTEGRITY (bytes), never anything else.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildInlineFileBody, MAX_INLINE_FILE_BYTES, parseInlineFileBody } from '../../src/agent/inline-file.js';
import { ErrorCode, SkcommError } from '../../src/errors.js';

const RUNS = { numRuns: 500 };
const FILE_CODES: string[] = [ErrorCode.FileManifest, ErrorCode.FileIntegrity];

function outcome(text: string): 'ok' | string {
  try {
    parseInlineFileBody(text);
    return 'ok';
  } catch (error) {
    if (!SkcommError.is(error)) throw error;
    return error.code;
  }
}

const fileArbitrary = fc.record({
  name: fc.string({ minLength: 1, maxLength: 40 }),
  bytes: fc.uint8Array({ maxLength: 2048 }),
  mediaType: fc.option(fc.constantFrom('text/plain', 'application/pdf', 'image/png; charset=binary'), { nil: undefined }),
});

describe('inline file bodies', () => {
  it('round-trip: what buildInlineFileBody writes parses back to the same bytes, size and sha256', () => {
    fc.assert(
      fc.property(fileArbitrary, ({ name, bytes, mediaType }) => {
        const parsed = parseInlineFileBody(buildInlineFileBody({ name, bytes, ...(mediaType === undefined ? {} : { mediaType }) }));
        expect(Buffer.from(parsed.bytes).equals(Buffer.from(bytes))).toBe(true);
        expect(parsed).toMatchObject({ name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
        expect(parsed.media_type).toBe(mediaType);
      }),
      RUNS,
    );
  });

  it('any single field changed, removed or added is refused with a file error code', () => {
    const mutations = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), field: fc.constantFrom('name', 'size', 'sha256', 'media_type', 'data'), value: fc.jsonValue() }),
      fc.record({ kind: fc.constant('remove' as const), field: fc.constantFrom('name', 'size', 'sha256', 'data') }),
      fc.record({ kind: fc.constant('add' as const), field: fc.string({ minLength: 1, maxLength: 10 }), value: fc.jsonValue() }),
    );
    fc.assert(
      fc.property(fileArbitrary, mutations, ({ name, bytes }, mutation) => {
        const body = JSON.parse(buildInlineFileBody({ name, bytes })) as Record<string, unknown>;
        const original = JSON.stringify(body);
        if (mutation.kind === 'remove') delete body[mutation.field];
        else if (mutation.kind === 'add' && !(mutation.field in body)) body[mutation.field] = mutation.value;
        else if (mutation.kind === 'set') body[mutation.field] = mutation.value;
        const text = JSON.stringify(body);
        const result = outcome(text);
        // A mutation may happen to write a still-consistent body (the same value, a valid media type): then it parses.
        if (result === 'ok') {
          const parsed = parseInlineFileBody(text);
          expect(parsed.size).toBe(parsed.bytes.length);
          expect(createHash('sha256').update(parsed.bytes).digest('hex')).toBe(parsed.sha256);
        } else {
          expect(FILE_CODES).toContain(result);
        }
        if (text === original) expect(result).toBe('ok');
      }),
      RUNS,
    );
  });

  it('arbitrary text is refused with a file error code, never an untyped throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((value) => JSON.stringify(value))), (text) => {
        const result = outcome(text);
        expect(result === 'ok' || FILE_CODES.includes(result)).toBe(true);
      }),
      RUNS,
    );
  });

  it('refuses data that does not match its size or sha256 with E_FILE_INTEGRITY', () => {
    const body = JSON.parse(buildInlineFileBody({ name: 'a.txt', bytes: new TextEncoder().encode('hello') })) as Record<string, unknown>;
    expect(outcome(JSON.stringify({ ...body, data: Buffer.from('hellO').toString('base64') }))).toBe(ErrorCode.FileIntegrity);
    expect(outcome(JSON.stringify({ ...body, size: 4 }))).toBe(ErrorCode.FileIntegrity);
    expect(outcome(JSON.stringify({ ...body, data: 'aGVsbG8' }))).toBe(ErrorCode.FileManifest);
    expect(outcome(`${JSON.stringify(body).slice(0, -1)},"name":"b.txt"}`)).toBe(ErrorCode.FileManifest);
  });

  it('refuses to build a body over the inline limit', () => {
    expect(() => buildInlineFileBody({ name: 'big', bytes: new Uint8Array(MAX_INLINE_FILE_BYTES + 1) })).toThrow(/size/);
  });
});
