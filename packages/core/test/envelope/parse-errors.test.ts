/** The messages a user or an operator reads when an envelope is refused: they name the field. */
import { describe, expect, it } from 'vitest';
import { parseEnvelope, parseSignedDocument } from '../../src/envelope/parse.js';
import { EnvelopeError, ErrorCode } from '../../src/errors.js';
import { loadVectors, vectorBytes } from './vectors.js';

const baseVector = loadVectors().valid.secured?.[0];
if (baseVector === undefined) throw new Error('no valid secured vector');
const baseText = new TextDecoder().decode(vectorBytes(baseVector));
type Json = Record<string, Record<string, unknown>>;
const base = (): Json => JSON.parse(baseText) as Json;

function refusal(input: string | Uint8Array | Json, options = {}): EnvelopeError {
  try {
    parseEnvelope(typeof input === 'object' && !(input instanceof Uint8Array) ? JSON.stringify(input) : input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return error as EnvelopeError;
  }
  return expect.fail('the envelope was accepted');
}

describe('parse error messages', () => {
  it('says which field is missing', () => {
    const envelope = base();
    delete envelope.metadata?.urgency;
    expect(refusal(envelope)).toMatchObject({
      code: ErrorCode.EnvelopeInvalid,
      field: 'metadata.urgency',
      message: 'envelope field metadata.urgency is missing',
    });
  });

  it('says which field is not allowed', () => {
    const envelope = base();
    (envelope.routing as Record<string, unknown>).hops = 3;
    expect(refusal(envelope).message).toBe('envelope field routing.hops is not allowed here (unknown field)');
  });

  it('says what type was expected and what came', () => {
    const envelope = base();
    (envelope.routing as Record<string, unknown>).ttl_seconds = '60';
    expect(refusal(envelope).message).toBe('envelope field routing.ttl_seconds is invalid: Invalid type: Expected number but received "60"');
  });

  it('quotes the offending value of a pattern, shortened', () => {
    const envelope = base() as Record<string, unknown>;
    envelope.envelope_id = `ABCDEF01-${'x'.repeat(100)}`;
    expect(refusal(envelope as Json).message).toBe(`envelope field envelope_id must be a lowercase UUID v4 (received "ABCDEF01-${'x'.repeat(30)}…)`);
  });

  it('escapes line breaks and bidirectional overrides an attacker put in a key or value', () => {
    const envelope = base();
    (envelope.from as Record<string, unknown>)['evil\nINFO fake log line\u202e'] = 1;
    const error = refusal(envelope);
    expect(error.message).toBe('envelope field from.evil\\u000aINFO fake log line\\u202e is not allowed here (unknown field)');
    expect(error.field).toBe('from.evil\nINFO fake log line\u202e');
  });

  it('names a timestamp that is not a real instant', () => {
    const envelope = base() as Record<string, unknown>;
    envelope.timestamp = '2025-02-29T10:00:00.000Z';
    expect(refusal(envelope as Json).message).toBe('envelope field timestamp must be a real date and time (received "2025-02-29T10:00:00.000Z")');
  });

  it('names an array given where an object belongs', () => {
    const envelope = base() as Record<string, unknown>;
    envelope.metadata = [];
    expect(refusal(envelope as Json)).toMatchObject({ field: 'metadata', message: 'envelope field metadata must be an object, not an array (received Array)' });
  });

  it('tells a newer wire format apart from a malformed one', () => {
    expect(refusal(baseText.replace('"1.0.0"', '"2.0.0"'))).toMatchObject({
      code: ErrorCode.UnsupportedVersion,
      field: 'skcomm_version',
      message: 'unsupported skcomm_version 2.0.0',
    });
  });

  it('reports size, encoding and JSON problems on the bytes', () => {
    expect(refusal(baseText, { maxBytes: 100 }).message).toBe(`envelope is ${baseText.length} bytes, over the 100-byte limit`);
    expect(refusal('').message).toBe('envelope is empty');
    expect(refusal(new Uint8Array([0x7b, 0xff, 0x7d])).message).toBe('envelope is not valid UTF-8');
    expect(refusal(`\ufeff${baseText}`).message).toBe('envelope starts with a byte-order mark');
    expect(refusal('{"a":').message).toBe('envelope is not valid JSON');
    expect(refusal('[1]')).toMatchObject({ field: '(root)', message: 'envelope must be a JSON object' });
    expect(refusal(`{"a":${'['.repeat(40)}${']'.repeat(40)}}`).message).toBe('envelope nests deeper than 32 levels');
  });

  it('names duplicate and forbidden keys by their path', () => {
    expect(refusal(baseText.replace('"routing":{', '"routing":{"retry_count":9,')).message).toBe('envelope has the key routing.retry_count twice');
    expect(refusal(baseText.replace('"to":{', '"to":{"constructor":1,')).message).toBe(
      'envelope contains the forbidden key "constructor" at to.constructor',
    );
  });

  it('allows the same key in different objects', () => {
    expect(() => parseEnvelope(baseText.replace('"routing":{', '"x_ext":{"name":{"name":1}},"routing":{'))).not.toThrow();
  });
});

describe('signed document errors', () => {
  it('say "signed document" and name the field', () => {
    const error = (() => {
      try {
        parseSignedDocument(new TextEncoder().encode('{"ctx":"skcomm/envelope/v1"}'));
      } catch (caught) {
        return caught as EnvelopeError;
      }
      return expect.fail('accepted');
    })();
    expect(error).toMatchObject({ field: 'envelope_id', message: 'signed document field envelope_id is missing' });
  });
});
