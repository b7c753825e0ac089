/**
 * The file manifest (docs/file-transfer.md): the body of a sealed `webrtc_file` envelope.
 * It names the file, pins its size and sha256, and carries the AES-256-GCM key of the
 * attachment. Strict: unknown fields, wrong types and non-canonical values are refused
 * with a FileManifestError naming the field.
 */
import * as v from 'valibot';
import { canonicalJson } from '../envelope/canonical.js';
import { decodeUtf8, oneLine, parseStrictJson } from '../envelope/json.js';
import { SkcommError } from '../errors.js';
import { FileManifestError } from './errors.js';

export const FILE_DOCUMENT_CTX = 'skcomm/file/v1';
export const FILE_CONTENT_TYPE = 'application/vnd.skcomm.file+json';
/** Plaintext bytes per chunk; a ciphertext chunk is then exactly 65_536 bytes. */
export const DEFAULT_FILE_CHUNK_BYTES = 65_520;
export const FILE_TAG_BYTES = 16;
export const FILE_KEY_BYTES = 32;
/** Largest plaintext chunk: one chunk is held in memory at a time, on both sides. */
export const MAX_FILE_CHUNK_BYTES = 16 * 1024 * 1024;
/**
 * Largest file. With chunks of one byte the ciphertext is 17 times the plaintext;
 * 17 * 2^48 stays below 2^53, so every size and offset is an exact double.
 */
export const MAX_FILE_BYTES = 2 ** 48;
/** Longest serialized manifest accepted; a real one is a few hundred bytes. */
export const MAX_FILE_MANIFEST_BYTES = 16 * 1024;
export const TRANSFER_ID_PATTERN = /^[0-9a-f]{32}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;
/** type/subtype (RFC 6838 restricted names), optionally followed by parameters. */
const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}(?:;[\x20-\x7e]*)?$/;

const integer = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));

const key = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in unpadded base64url'),
  // 43 characters hold 258 bits: the last two must be zero, so each key has one spelling.
  v.check((value) => Buffer.from(value, 'base64url').toString('base64url') === value, 'must be canonical base64url'),
);

export const fileManifestSchema = v.strictObject({
  ctx: v.literal(FILE_DOCUMENT_CTX),
  transfer_id: v.pipe(v.string(), v.regex(TRANSFER_ID_PATTERN, 'must be 32 lowercase hex digits')),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  size: integer(0, MAX_FILE_BYTES),
  sha256: v.pipe(v.string(), v.regex(SHA256_PATTERN, 'must be 64 lowercase hex digits')),
  chunk_bytes: integer(1, MAX_FILE_CHUNK_BYTES),
  cipher: v.literal('aes-256-gcm'),
  key,
  media_type: v.optional(v.pipe(v.string(), v.maxLength(255), v.regex(MEDIA_TYPE_PATTERN, 'must be a media type'))),
});

export interface FileManifest {
  ctx: typeof FILE_DOCUMENT_CTX;
  /** 32 lowercase hex digits; also the attachment id. */
  transfer_id: string;
  /** Display name as the sender gave it: pass it through safeFileName before using it as a path. */
  name: string;
  /** Plaintext bytes. */
  size: number;
  /** Lowercase hex sha256 of the whole plaintext. */
  sha256: string;
  /** Plaintext bytes per chunk (the last chunk may be shorter). */
  chunk_bytes: number;
  cipher: 'aes-256-gcm';
  /** The attachment key: 32 bytes, unpadded base64url. A secret: never log or store it in an inbox. */
  key: string;
  media_type?: string;
}

/** What may be stored in an inbox or a log: the manifest without its key. */
export type FileDescription = Omit<FileManifest, 'key'>;

/** Reads untrusted manifest bytes (the verified body of an envelope). Only FileManifestError is thrown. */
export function parseFileManifest(input: string | Uint8Array): FileManifest {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > MAX_FILE_MANIFEST_BYTES) {
    throw new FileManifestError(`file manifest is ${size} bytes, over the ${MAX_FILE_MANIFEST_BYTES}-byte limit`, { field: '(bytes)' });
  }
  let json: unknown;
  try {
    json = parseStrictJson(typeof input === 'string' ? input : decodeUtf8(input, 'file manifest'), 'file manifest');
  } catch (cause) {
    // The strict reader throws EnvelopeErrors; keep their message and field under our code.
    const field = SkcommError.is(cause) ? cause.field : undefined;
    throw new FileManifestError(cause instanceof Error ? cause.message : 'file manifest is not valid JSON', { cause, field: field ?? '(json)' });
  }
  return validateManifest(json);
}

/** RFC 8785 canonical JSON of a valid manifest (checked first, so receivers never refuse what we send). */
export function serializeFileManifest(manifest: FileManifest): string {
  return canonicalJson(validateManifest(manifest));
}

export function describeFile(manifest: FileManifest): FileDescription {
  const { key: _key, ...description } = manifest;
  return description;
}

/** Checks a parsed value against the schema; the result is a fresh object holding only manifest fields. */
export function validateManifest(value: unknown): FileManifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileManifestError('file manifest must be a JSON object', { field: '(root)' });
  }
  const result = v.safeParse(fileManifestSchema, value, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = v.getDotPath(issue) ?? '(root)';
  throw new FileManifestError(oneLine(`file manifest field ${field} ${describeIssue(issue, field !== 'key')}`), { field });
}

/** `quoteValue` false keeps a (near-valid) key out of messages, which end up in logs. */
function describeIssue(issue: v.BaseIssue<unknown>, quoteValue: boolean): string {
  const isKeyIssue = issue.kind === 'schema' && issue.type.endsWith('object') && issue.message.startsWith('Invalid key');
  if (isKeyIssue && issue.received === 'undefined') return 'is missing';
  if (isKeyIssue && issue.expected === 'never') return 'is not allowed (unknown field)';
  // The key's own checks have custom messages without the value; a type error quotes a non-string.
  if (!quoteValue) return issue.message;
  const received = issue.received.length > 40 ? `${issue.received.slice(0, 40)}…` : issue.received;
  return issue.message.includes('received') ? `is invalid: ${issue.message}` : `${issue.message} (received ${received})`;
}
