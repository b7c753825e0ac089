/**
 * parseFileManifest reads the verified body of an envelope, but the sender chose it:
 * every malformed input must become a FileManifestError naming the field, never
 * another exception, and a valid manifest must survive serialize -> parse unchanged.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import {
  describeFile,
  type FileManifest,
  FileManifestError,
  MAX_FILE_BYTES,
  MAX_FILE_CHUNK_BYTES,
  MAX_FILE_MANIFEST_BYTES,
  parseFileManifest,
  serializeFileManifest,
} from '../../src/files/index.js';
import { manifestArbitrary, sampleManifest } from './fixtures.js';

const FIELDS = ['ctx', 'transfer_id', 'name', 'size', 'sha256', 'chunk_bytes', 'cipher', 'key', 'media_type'] as const;
const REQUIRED_FIELDS = FIELDS.filter((field) => field !== 'media_type');

/** Parses and returns the error, failing the test on success or on any other exception. */
function manifestError(input: string | Uint8Array): FileManifestError {
  try {
    parseFileManifest(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FileManifestError);
    expect((error as FileManifestError).code).toBe(ErrorCode.FileManifest);
    return error as FileManifestError;
  }
  return expect.fail(`accepted ${typeof input === 'string' ? input : Buffer.from(input).toString('hex')}`);
}

/** Either parses to a valid manifest or throws a FileManifestError; nothing else. */
function parsesOrRejects(input: string | Uint8Array): void {
  try {
    const manifest = parseFileManifest(input);
    expect(parseFileManifest(serializeFileManifest(manifest))).toEqual(manifest);
  } catch (error) {
    expect(error).toBeInstanceOf(FileManifestError);
  }
}

describe('parseFileManifest', () => {
  test('round trip: serialize then parse gives the same manifest, as text and as bytes', () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const text = serializeFileManifest(manifest);
        expect(parseFileManifest(text)).toEqual(manifest);
        expect(parseFileManifest(new TextEncoder().encode(text))).toEqual(manifest);
        // Canonical: serializing again gives the same bytes.
        expect(serializeFileManifest(parseFileManifest(text))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  test('a field of the wrong type is refused and named', () => {
    const wrongValues = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }), fc.string());
    fc.assert(
      fc.property(manifestArbitrary, fc.constantFrom(...FIELDS), wrongValues, (manifest, field, value) => {
        const mutated: Record<string, unknown> = { ...manifest, [field]: value };
        const text = JSON.stringify(mutated);
        try {
          // A random string can happen to be valid for a string field (e.g. a name).
          parseFileManifest(text);
        } catch (error) {
          expect(error).toBeInstanceOf(FileManifestError);
          expect((error as FileManifestError).field).toBe(field);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('a missing required field is refused and named', () => {
    fc.assert(
      fc.property(manifestArbitrary, fc.constantFrom(...REQUIRED_FIELDS), (manifest, field) => {
        const mutated: Record<string, unknown> = { ...manifest };
        delete mutated[field];
        const error = manifestError(JSON.stringify(mutated));
        expect(error.field).toBe(field);
        expect(error.message).toContain('is missing');
      }),
      { numRuns: 100 },
    );
  });

  test('an unknown field is refused and named', () => {
    const extraKey = fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !(FIELDS as readonly string[]).includes(key) && !['__proto__', 'constructor', 'prototype'].includes(key));
    fc.assert(
      fc.property(manifestArbitrary, extraKey, fc.jsonValue({ maxDepth: 2 }), (manifest, key, value) => {
        const error = manifestError(JSON.stringify({ ...manifest, [key]: value }));
        // The strict reader may refuse something inside the value first (a forbidden key).
        expect(error.field === key || error.field?.startsWith(`${key}.`), `field ${error.field}`).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  test('duplicate keys are refused, even when both values agree', () => {
    fc.assert(
      fc.property(manifestArbitrary, fc.constantFrom(...REQUIRED_FIELDS), (manifest, field) => {
        const text = serializeFileManifest(manifest);
        const duplicate = `{${JSON.stringify(field)}:${JSON.stringify(manifest[field])},${text.slice(1)}`;
        expect(manifestError(duplicate).field).toBe(field);
      }),
      { numRuns: 100 },
    );
  });

  test('__proto__, constructor and prototype keys are refused, also when escaped', () => {
    const text = serializeFileManifest(sampleManifest());
    for (const key of ['"__proto__"', '"constructor"', '"prototype"', '"__proto\\u005f_"']) {
      for (const value of ['{}', '{"size":1}', 'null']) {
        expect(manifestError(`{${key}:${value},${text.slice(1)}`).message).toMatch(/forbidden key/);
      }
    }
  });

  test('single-byte mutations of a valid manifest parse to a valid manifest or fail typed', () => {
    fc.assert(
      fc.property(manifestArbitrary, fc.nat(), fc.integer({ min: 0, max: 255 }), (manifest, position, byte) => {
        const bytes = new TextEncoder().encode(serializeFileManifest(manifest));
        bytes[position % bytes.length] = byte;
        parsesOrRejects(bytes);
      }),
      { numRuns: 1_000 },
    );
  });

  test('arbitrary JSON values, strings and bytes only ever fail typed', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue().map((value) => JSON.stringify(value)), fc.string({ unit: 'binary' }), fc.uint8Array()), (input) => {
        parsesOrRejects(input);
      }),
      { numRuns: 500 },
    );
  });

  test('refuses values outside the limits, naming the field', () => {
    const manifest = sampleManifest();
    const cases: Array<[keyof FileManifest, unknown]> = [
      ['ctx', 'skcomm/file/v2'],
      ['transfer_id', 'A'.repeat(32)],
      ['transfer_id', '0'.repeat(31)],
      ['name', ''],
      ['name', 'x'.repeat(1025)],
      ['size', -1],
      ['size', 1.5],
      ['size', MAX_FILE_BYTES + 1],
      ['sha256', 'F'.repeat(64)],
      ['chunk_bytes', 0],
      ['chunk_bytes', MAX_FILE_CHUNK_BYTES + 1],
      ['cipher', 'aes-128-gcm'],
      ['key', Buffer.alloc(31).toString('base64url')],
      ['key', `${Buffer.alloc(32).toString('base64')}`],
      ['media_type', 'text'],
      ['media_type', 'text/plain\n'],
    ];
    for (const [field, value] of cases) {
      expect(manifestError(JSON.stringify({ ...manifest, [field]: value })).field, `${field} = ${JSON.stringify(value)}`).toBe(field);
    }
  });

  test('a key with non-zero padding bits is refused without quoting the key', () => {
    const manifest = sampleManifest();
    // The 43rd character carries two padding bits: 'A' -> 'B' sets one.
    const key = `${manifest.key.slice(0, 42)}B`;
    expect(manifest.key.at(-1)).toMatch(/[AEIMQUYcgkosw048]/);
    const error = manifestError(JSON.stringify({ ...manifest, key }));
    expect(error.field).toBe('key');
    expect(error.message).not.toContain(key.slice(0, 20));
  });

  test('refuses a BOM, invalid UTF-8, non-objects and oversized input', () => {
    const text = serializeFileManifest(sampleManifest());
    expect(manifestError(`\ufeff${text}`).field).toBe('(bytes)');
    expect(manifestError(new Uint8Array([0x7b, 0xff, 0x7d])).field).toBe('(bytes)');
    expect(manifestError('[]').field).toBe('(root)');
    expect(manifestError('null').field).toBe('(root)');
    expect(manifestError(`${text}${' '.repeat(MAX_FILE_MANIFEST_BYTES)}`).field).toBe('(bytes)');
    expect(manifestError('{"size":1e999}').message).toMatch(/too large/);
  });
});

describe('serializeFileManifest', () => {
  test('writes RFC 8785 canonical JSON: sorted keys, no whitespace', () => {
    const manifest = sampleManifest({ media_type: 'text/plain' });
    const text = serializeFileManifest(manifest);
    expect(text.startsWith('{"chunk_bytes":')).toBe(true);
    expect(text).not.toMatch(/\s/);
  });

  test('refuses to write an invalid manifest', () => {
    expect(() => serializeFileManifest({ ...sampleManifest(), size: -1 })).toThrow(FileManifestError);
  });
});

describe('describeFile', () => {
  test('keeps everything but the key', () => {
    fc.assert(
      fc.property(manifestArbitrary, (manifest) => {
        const description = describeFile(manifest);
        expect(description).not.toHaveProperty('key');
        expect({ ...description, key: manifest.key }).toEqual(manifest);
        expect(JSON.stringify(description)).not.toContain(manifest.key);
      }),
      { numRuns: 100 },
    );
  });
});
