/**
 * Small files travel inside an ordinary envelope: payload type `file`, a strict JSON body
 * with the bytes in base64. They go wherever a message goes (any transport, failover,
 * the outbox, acks). The body is checked on receipt like any untrusted input: exact
 * fields, canonical base64, and a size and sha256 that match the bytes.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { canonicalJson } from '../envelope/canonical.js';
import { oneLine, parseStrictJson } from '../envelope/json.js';
import { SkcommError } from '../errors.js';
import { FileIntegrityError, FileManifestError } from '../files/errors.js';
import { fileManifestSchema } from '../files/manifest.js';

export const INLINE_FILE_PAYLOAD_TYPE = 'file';
export const INLINE_FILE_CONTENT_TYPE = 'application/vnd.skcomm.inline-file+json';
/**
 * Largest file sent inline. Base64 and the armored OpenPGP message each add a third, so
 * 256 KiB becomes about 470 KB sealed: well under the default 1 MiB envelope limit.
 */
export const MAX_INLINE_FILE_BYTES = 256 * 1024;

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

const inlineFileSchema = v.strictObject({
  name: fileManifestSchema.entries.name,
  size: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_INLINE_FILE_BYTES)),
  sha256: fileManifestSchema.entries.sha256,
  media_type: fileManifestSchema.entries.media_type,
  data: v.pipe(v.string(), v.maxLength(Math.ceil(MAX_INLINE_FILE_BYTES / 3) * 4), v.regex(BASE64_PATTERN, 'must be padded base64')),
});

export interface InlineFile {
  name: string;
  size: number;
  sha256: string;
  media_type?: string;
  bytes: Uint8Array;
}

export function buildInlineFileBody(file: { name: string; bytes: Uint8Array; mediaType?: string }): string {
  const body = {
    name: file.name,
    size: file.bytes.byteLength,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    ...(file.mediaType === undefined ? {} : { media_type: file.mediaType }),
    data: Buffer.from(file.bytes).toString('base64'),
  };
  // Checked the way a receiver checks it, so nothing is sent that would be refused.
  const checked = v.safeParse(inlineFileSchema, body);
  if (!checked.success) throw manifestError(checked.issues[0]);
  return canonicalJson(checked.output);
}

/** Reads a verified `file` body. Throws FileManifestError (shape) or FileIntegrityError (bytes). */
export function parseInlineFileBody(text: string): InlineFile {
  let json: unknown;
  try {
    json = parseStrictJson(text, 'inline file body');
  } catch (cause) {
    throw new FileManifestError(cause instanceof Error ? cause.message : 'inline file body is not valid JSON', {
      cause,
      field: SkcommError.is(cause) ? (cause.field ?? '(json)') : '(json)',
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FileManifestError('inline file body must be a JSON object', { field: '(root)' });
  }
  const parsed = v.safeParse(inlineFileSchema, json, { abortEarly: true });
  if (!parsed.success) throw manifestError(parsed.issues[0]);
  const { data, ...description } = parsed.output;
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength !== description.size) {
    throw new FileIntegrityError(`inline file data is ${bytes.byteLength} bytes; the body says ${description.size}`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== description.sha256) throw new FileIntegrityError(`inline file data has sha256 ${sha256}; the body says ${description.sha256}`);
  return { ...description, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

function manifestError(issue: v.BaseIssue<unknown>): FileManifestError {
  const field = v.getDotPath(issue) ?? '(root)';
  return new FileManifestError(oneLine(`inline file body field ${field}: ${issue.message}`), { field });
}
