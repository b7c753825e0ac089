/**
 * Strict parsing of untrusted envelope bytes. Checks run cheapest first: size, UTF-8,
 * JSON shape, then the schema. Every failure is an EnvelopeError naming the field.
 */
import * as v from 'valibot';
import { EnvelopeError, ErrorCode } from '../errors.js';
import { decodeUtf8, oneLine, parseStrictJson } from './json.js';
import {
  DEFAULT_MAX_ENVELOPE_BYTES,
  type Envelope,
  envelopeSchema,
  SKCOMM_VERSION,
  type SignedDocument,
  signedDocumentSchema,
} from './schema.js';

export interface ParseEnvelopeOptions {
  /** Largest accepted serialized envelope, in bytes. Default 1 MiB. */
  maxBytes?: number;
}

const encoder = new TextEncoder();

export function parseEnvelope(input: Uint8Array | string, options: ParseEnvelopeOptions = {}): Envelope {
  const maxBytes = Math.min(options.maxBytes ?? DEFAULT_MAX_ENVELOPE_BYTES, DEFAULT_MAX_ENVELOPE_BYTES);
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > maxBytes) {
    throw new EnvelopeError(ErrorCode.EnvelopeTooLarge, `envelope is ${size} bytes, over the ${maxBytes}-byte limit`, {
      field: '(bytes)',
    });
  }
  if (size === 0) throw new EnvelopeError(ErrorCode.EnvelopeInvalid, 'envelope is empty', { field: '(bytes)' });
  const text = typeof input === 'string' ? input : decodeUtf8(input, 'envelope');
  const json = parseStrictJson(text, 'envelope');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new EnvelopeError(ErrorCode.EnvelopeInvalid, 'envelope must be a JSON object', { field: '(root)' });
  }
  const version = (json as Record<string, unknown>).skcomm_version;
  if (typeof version === 'string' && version !== SKCOMM_VERSION && /^\d+\.\d+\.\d+$/.test(version)) {
    throw new EnvelopeError(ErrorCode.UnsupportedVersion, `unsupported skcomm_version ${version}`, {
      field: 'skcomm_version',
    });
  }
  return validate(envelopeSchema, json, 'envelope');
}

/** Parses the verified bytes of a signed document (never a re-serialization). */
export function parseSignedDocument(bytes: Uint8Array): SignedDocument {
  const text = decodeUtf8(bytes, 'signed document');
  return validate(signedDocumentSchema, parseStrictJson(text, 'signed document'), 'signed document');
}

export function serializeEnvelope(envelope: Envelope): Uint8Array {
  return encoder.encode(JSON.stringify(envelope));
}

function validate<TSchema extends v.GenericSchema>(schema: TSchema, value: unknown, what: string): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, value, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? '(root)';
  throw new EnvelopeError(ErrorCode.EnvelopeInvalid, oneLine(`${what} field ${field} ${describeIssue(issue)}`), { field });
}

function describeIssue(issue: v.BaseIssue<unknown>): string {
  const isKeyIssue = issue.kind === 'schema' && issue.type.endsWith('object') && issue.message.startsWith('Invalid key');
  if (isKeyIssue && issue.received === 'undefined') return 'is missing';
  if (isKeyIssue && issue.expected === 'never') return 'is not allowed here (unknown field)';
  // valibot's own messages already say what was received; ours do not.
  return issue.message.includes('received') ? `is invalid: ${issue.message}` : `${issue.message} (received ${truncate(issue.received)})`;
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
