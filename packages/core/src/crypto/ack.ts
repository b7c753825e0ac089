/**
 * Signed acks (DESIGN §3, threat model (e) 5). An ack is an ordinary envelope of payload
 * type `ack`, sealed like any other (signed by the acker, encrypted to the original
 * sender); its body is this canonical JSON document, which binds the ack to one envelope
 * (its id and the sha256 of its signed document) and to both fingerprints, so it cannot
 * be forged, moved to another message or replayed as content.
 */
import { createHash } from 'node:crypto';
import { canonicalBytes, canonicalJson } from '../envelope/canonical.js';
import { parseStrictJson } from '../envelope/json.js';
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN, TIMESTAMP_PATTERN } from '../envelope/schema.js';
import { ErrorCode, RejectionError } from '../errors.js';
import { buildSignedDocument, type EnvelopeDraft, type SealOptions } from './seal.js';

export const ACK_CONTEXT = 'skcomm/ack/v1';
export const ACK_PAYLOAD_TYPE = 'ack';
export const ACK_CONTENT_TYPE = 'application/vnd.skcomm.ack+json';

export interface AckDocument {
  ctx: typeof ACK_CONTEXT;
  /** The acked envelope. */
  envelope_id: string;
  /** sha256 (hex) of the acked envelope's signed document, as the acker verified it. */
  document_sha256: string;
  /** Who sent the acked envelope (and receives this ack). */
  sender_fingerprint: string;
  /** Who received it (and signs this ack). */
  recipient_fingerprint: string;
  created_at: string;
}

const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export function buildAckBody(fields: Omit<AckDocument, 'ctx' | 'created_at'> & { createdAt?: Date }): string {
  const { createdAt, ...rest } = fields;
  return canonicalJson({ ctx: ACK_CONTEXT, ...rest, created_at: (createdAt ?? new Date()).toISOString() } satisfies AckDocument);
}

/** Strict: exactly these fields, each well-formed; anything else is E_HEADER_MISMATCH. */
export function parseAckBody(body: string): AckDocument {
  const fail = (field: string, why: string) => new RejectionError(ErrorCode.HeaderMismatch, `ack ${why}`, { field: `ack.${field}` });
  let value: unknown;
  try {
    value = parseStrictJson(body, 'ack body');
  } catch (cause) {
    throw new RejectionError(ErrorCode.HeaderMismatch, 'ack body is not a JSON object', { cause, field: 'ack' });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('(body)', 'body is not a JSON object');
  const record = value as Record<string, unknown>;
  const expected = ['created_at', 'ctx', 'document_sha256', 'envelope_id', 'recipient_fingerprint', 'sender_fingerprint'];
  const keys = Object.keys(record).sort();
  if (keys.join() !== expected.join()) throw fail('(fields)', `has fields ${keys.join(', ')}; expected ${expected.join(', ')}`);
  if (record.ctx !== ACK_CONTEXT) throw fail('ctx', `context is not ${ACK_CONTEXT}`);
  const check = (field: keyof AckDocument, pattern: RegExp) => {
    if (typeof record[field] !== 'string' || !pattern.test(record[field])) throw fail(field, `${field} is malformed`);
  };
  check('envelope_id', ENVELOPE_ID_PATTERN);
  check('document_sha256', SHA256_PATTERN);
  check('sender_fingerprint', FINGERPRINT_PATTERN);
  check('recipient_fingerprint', FINGERPRINT_PATTERN);
  check('created_at', TIMESTAMP_PATTERN);
  return record as unknown as AckDocument;
}

/**
 * The sha256 of the signed document `sealEnvelope(draft, options)` produces, for the
 * outbox to check acks against. The draft must fix `envelopeId` and `createdAt`.
 */
export function signedDocumentSha256(draft: EnvelopeDraft & { envelopeId: string; createdAt: Date }, options: SealOptions): string {
  return createHash('sha256').update(canonicalBytes(buildSignedDocument(draft, options))).digest('hex');
}
