/**
 * Bad JSON structure and values (threat model (d) 2-5): missing, extra and wrong-typed
 * fields, forbidden keys at every depth, path-like ids, huge strings and random JSON.
 * The parser answers each with a typed EnvelopeError naming the field, never with an
 * untyped throw, and nothing that parses slips past openEnvelope untyped either.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEnvelope } from '../../src/envelope/parse.js';
import { DEFAULT_MAX_ENVELOPE_BYTES, ENVELOPE_ID_PATTERN } from '../../src/envelope/schema.js';
import { EnvelopeError, ErrorCode, SkcommError } from '../../src/errors.js';
import { type Corpus, type CorpusEnvelope, judge, loadCorpus } from './corpus.js';

const RUNS = { numRuns: 1_000 };

let corpus: Corpus;
let base: CorpusEnvelope;

beforeAll(async () => {
  corpus = await loadCorpus();
  base = corpus.envelopes.find((item) => item.name === 'thread and reply ids') as CorpusEnvelope;
});

/** The JSON kind of every field of the wire format, by dotted path. */
const FIELD_KINDS = {
  skcomm_version: 'string',
  envelope_id: 'string',
  timestamp: 'string',
  from: 'object',
  'from.name': 'string',
  'from.fingerprint': 'string',
  to: 'object',
  'to.name': 'string',
  'to.fingerprint': 'string',
  payload: 'object',
  'payload.type': 'string',
  'payload.content_encrypted': 'string',
  'payload.signature': 'string',
  routing: 'object',
  'routing.priority_transports': 'array',
  'routing.fallback_transports': 'array',
  'routing.retry_count': 'number',
  'routing.max_retries': 'number',
  'routing.ttl_seconds': 'number',
  metadata: 'object',
  'metadata.thread_id': 'string',
  'metadata.in_reply_to': 'string',
  'metadata.content_type': 'string',
  'metadata.urgency': 'string',
} as const;
type FieldPath = keyof typeof FIELD_KINDS;
const PATHS = Object.keys(FIELD_KINDS) as FieldPath[];
/** Optional in the schema: removing them alone leaves a valid envelope. */
const OPTIONAL = new Set<FieldPath>(['metadata.thread_id', 'metadata.in_reply_to']);
const NESTED_OBJECTS = ['from', 'to', 'payload', 'routing', 'metadata'] as const;
const FORBIDDEN_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

type Json = Record<string, unknown>;
const copyOf = (item: CorpusEnvelope): Json => JSON.parse(item.text) as Json;

function parentOf(envelope: Json, path: string): [Json, string] {
  const parts = path.split('.');
  const key = parts.pop() as string;
  return [parts.reduce((node, part) => node[part] as Json, envelope), key];
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** The typed error parseEnvelope throws; fails the test on success or an untyped throw. */
function parseError(input: string | Uint8Array): EnvelopeError {
  try {
    parseEnvelope(input);
  } catch (error) {
    expect(error).toBeInstanceOf(EnvelopeError);
    return error as EnvelopeError;
  }
  return expect.fail('parseEnvelope accepted it');
}

/**
 * The field an error must name when `value` is planted at `path`: fast-check's JSON
 * values include `__proto__` keys, which the JSON reader refuses before the schema runs.
 */
function expectFieldAt(error: EnvelopeError, path: string, value: unknown): void {
  if (/"(__proto__|constructor|prototype)":/.test(JSON.stringify(value))) {
    expect(error.field).toMatch(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\..*)?\\.(__proto__|constructor|prototype)$`));
  } else {
    expect(error.field).toBe(path);
  }
}

/** Either parses, or throws a SkcommError; anything else fails. */
function parsesOrTyped(input: string | Uint8Array): void {
  try {
    parseEnvelope(input);
  } catch (error) {
    if (!SkcommError.is(error)) throw error;
  }
}

describe('fields', () => {
  it('names the missing field when any required field is removed', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS.filter((path) => !OPTIONAL.has(path))), (path) => {
        const envelope = copyOf(base);
        const [parent, key] = parentOf(envelope, path);
        delete parent[key];
        const error = parseError(JSON.stringify(envelope));
        // Without content_encrypted, the payload as a whole lacks its content.
        expect(error.field).toBe(path === 'payload.content_encrypted' ? 'payload' : path);
        expect(error.message).toContain(error.field);
      }),
      RUNS,
    );
  });

  it('names the field when it holds a value of the wrong JSON type', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PATHS), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
        fc.pre(kindOf(value) !== FIELD_KINDS[path]);
        const envelope = copyOf(base);
        const [parent, key] = parentOf(envelope, path);
        parent[key] = value;
        expectFieldAt(parseError(JSON.stringify(envelope)), path, value);
      }),
      RUNS,
    );
  });

  it('refuses an unknown key in any nested object, naming it', () => {
    const knownKeys = new Set<string>([...PATHS.map((path) => path.split('.').at(-1) as string), 'content', ...FORBIDDEN_KEYS]);
    const unknownKey = fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !knownKeys.has(key));
    fc.assert(
      fc.property(fc.constantFrom(...NESTED_OBJECTS), unknownKey, fc.jsonValue({ maxDepth: 2 }), (object, key, value) => {
        const envelope = copyOf(base);
        (envelope[object] as Json)[key] = value;
        expectFieldAt(parseError(JSON.stringify(envelope)), `${object}.${key}`, value);
      }),
      RUNS,
    );
  });

  it('keeps unknown top-level fields, and openEnvelope then refuses them as unsigned', async () => {
    const extensionKey = fc.stringMatching(/^x_[a-z0-9_]{1,20}$/);
    // Forbidden keys anywhere inside are refused at parse time: another property covers that.
    const extensionValue = fc.jsonValue({ maxDepth: 4 }).filter((value) => !containsForbiddenKey(value));
    await fc.assert(
      fc.asyncProperty(extensionKey, extensionValue, async (key, value) => {
        const envelope = copyOf(base);
        envelope[key] = value;
        const text = JSON.stringify(envelope);
        expect((parseEnvelope(text) as Json)[key]).toEqual(JSON.parse(JSON.stringify(value)));
        const verdict = await judge(text, corpus);
        expect(verdict.accepted).toBe(false);
        if (!verdict.accepted) expect(verdict.error.code).toBe(ErrorCode.SignatureInvalid);
      }),
      { numRuns: 100 }, // each run verifies an OpenPGP signature
    );
  });
});

describe('forbidden keys', () => {
  /** Where a key can be planted: the root, a nested object, or deep inside an extension field. */
  const site = fc.oneof(
    fc.constant({ path: '', depth: 0 }),
    fc.constantFrom(...NESTED_OBJECTS).map((object) => ({ path: object, depth: 0 })),
    fc.integer({ min: 1, max: 25 }).map((depth) => ({ path: 'x_ext', depth })),
  );

  it('refuses __proto__, constructor and prototype at every depth, escaped or not', () => {
    fc.assert(
      fc.property(site, fc.constantFrom(...FORBIDDEN_KEYS), fc.boolean(), ({ path, depth }, key, escaped) => {
        const envelope = copyOf(base);
        const placeholder = 'PLANTED_KEY_PLACEHOLDER';
        let fieldPath = path;
        if (path === 'x_ext') {
          // depth nested objects: {"a":{"a":...{PLACEHOLDER: 1}}}
          let node: Json = { [placeholder]: 1 };
          for (let level = 0; level < depth; level++) node = { a: node };
          envelope.x_ext = node;
          fieldPath = ['x_ext', ...Array<string>(depth).fill('a')].join('.');
        } else {
          const target = path === '' ? envelope : (envelope[path] as Json);
          target[placeholder] = 1;
        }
        const spelled = escaped ? `${key.slice(0, -1)}\\u00${key.charCodeAt(key.length - 1).toString(16)}` : key;
        const text = JSON.stringify(envelope).replace(`"${placeholder}"`, `"${spelled}"`);

        const error = parseError(text);
        expect(error.field).toBe(fieldPath === '' ? key : `${fieldPath}.${key}`);
        expect(error.message).toContain(`forbidden key "${key}"`);
      }),
      RUNS,
    );
  });

  it('leaves Object.prototype untouched whatever is parsed', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        parsesOrTyped(`{"__proto__":${JSON.stringify(value)}}`);
        parsesOrTyped(base.text.replace('"metadata":{', `"metadata":{"__proto__":${JSON.stringify(value)},`));
        expect(Object.keys(Object.prototype)).toEqual([]);
        expect(Object.getPrototypeOf(JSON.parse(base.text))).toBe(Object.prototype);
      }),
      { numRuns: 200 },
    );
  });
});

describe('identifiers', () => {
  const pathPiece = fc.constantFrom('..', '.', '/', '\\', '%2e%2e%2f', 'x', 'CON', 'NUL', '\u0000', 'C:', '\\\\host\\share', ' ', '~');
  const pathLike = fc.array(pathPiece, { minLength: 1, maxLength: 8 }).map((pieces) => pieces.join(''));

  it('refuses path-like envelope ids such as ../../x', () => {
    fc.assert(
      fc.property(pathLike, (id) => {
        const envelope = copyOf(base);
        envelope.envelope_id = id;
        expect(parseError(JSON.stringify(envelope)).field).toBe('envelope_id');
      }),
      RUNS,
    );
  });

  it('accepts as envelope id only lowercase UUID v4, which holds no path characters', () => {
    const candidate = fc.oneof(fc.uuid(), fc.uuid().map((id) => id.toUpperCase()), fc.string({ maxLength: 40 }), pathLike);
    fc.assert(
      fc.property(candidate, (id) => {
        const envelope = copyOf(base);
        envelope.envelope_id = id;
        let accepted = true;
        try {
          parseEnvelope(JSON.stringify(envelope));
        } catch (error) {
          expect(SkcommError.hasCode(error, ErrorCode.EnvelopeInvalid)).toBe(true);
          accepted = false;
        }
        expect(accepted).toBe(ENVELOPE_ID_PATTERN.test(id));
        if (accepted) expect(id).toMatch(/^[0-9a-f-]{36}$/);
      }),
      RUNS,
    );
  });
});

describe('sizes', () => {
  it('refuses huge strings (up to 64 KiB) in any string field with a typed error, within 100 ms', () => {
    const stringPaths = PATHS.filter((path) => FIELD_KINDS[path] === 'string');
    fc.assert(
      fc.property(fc.constantFrom(...stringPaths), fc.integer({ min: 200, max: 16 * 1024 }), fc.constantFrom('a', 'é', '\u0000', '🙂'), (path, length, unit) => {
        const envelope = copyOf(base);
        const [parent, key] = parentOf(envelope, path);
        parent[key] = unit.repeat(length);
        const started = performance.now();
        const error = parseError(JSON.stringify(envelope));
        expect(error.field).toBe(path);
        expect(performance.now() - started).toBeLessThan(100);
      }),
      RUNS,
    );
  });

  it('refuses an envelope over the size limit before reading it, at exactly limit + 1', () => {
    const envelope = copyOf(base);
    const padding = DEFAULT_MAX_ENVELOPE_BYTES - Buffer.byteLength(JSON.stringify({ ...envelope, x_pad: '' }));
    const atLimit = JSON.stringify({ ...envelope, x_pad: 'p'.repeat(padding) });
    expect(Buffer.byteLength(atLimit)).toBe(DEFAULT_MAX_ENVELOPE_BYTES);
    expect(() => parseEnvelope(atLimit)).not.toThrow();

    const overLimit = JSON.stringify({ ...envelope, x_pad: 'p'.repeat(padding + 1) });
    expect(parseError(overLimit)).toMatchObject({ code: ErrorCode.EnvelopeTooLarge, field: '(bytes)' });
    expect(parseError(new TextEncoder().encode(overLimit.repeat(10)))).toMatchObject({ code: ErrorCode.EnvelopeTooLarge });
  });
});

describe('random input', () => {
  it('random JSON values are parsed or refused with a typed error', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => parsesOrTyped(JSON.stringify(value))),
      RUNS,
    );
  });

  it('random strings and bytes are refused with a typed error', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 512 })), (input) => {
        expect(parseError(input)).toBeInstanceOf(EnvelopeError);
      }),
      RUNS,
    );
  });

  it('random JSON text in any field never leads to an untyped throw, through openEnvelope too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...PATHS, 'x_extension'), fc.jsonValue({ maxDepth: 3 }), async (path, value) => {
        const envelope = copyOf(base);
        const [parent, key] = parentOf(envelope, path);
        parent[key] = value;
        // judge() rethrows anything untyped, failing the property.
        const verdict = await judge(JSON.stringify(envelope), corpus);
        if (verdict.accepted) expect(verdict.opened.document).toEqual(base.opened.document);
      }),
      { numRuns: 300 }, // runs that parse go on to OpenPGP verification
    );
  });

  it('number spellings JSON.stringify never writes, in an extension field, never lead to an untyped throw', async () => {
    // 1e309 parses to Infinity, which has no canonical form: it must stop at the parser,
    // not reach the canonicalizer inside openEnvelope.
    const numberText = fc.constantFrom('-0', '1e309', '-1e400', '1E+2', '9007199254740993', '0.0000001', '1e-400', '1' + '0'.repeat(400));
    const wrap = fc.constantFrom((text: string) => text, (text: string) => `[1,${text}]`, (text: string) => `{"n":{"m":${text}}}`);
    await fc.assert(
      fc.asyncProperty(numberText, wrap, async (number, wrapIn) => {
        const text = base.text.replace('"routing":', `"x_extension":${wrapIn(number)},"routing":`);
        const verdict = await judge(text, corpus);
        expect(verdict.accepted).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});

function containsForbiddenKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(containsForbiddenKey);
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some((key) => ['__proto__', 'constructor', 'prototype'].includes(key) || containsForbiddenKey((value as Record<string, unknown>)[key]));
}
