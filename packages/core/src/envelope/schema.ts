/**
 * Wire format 1.0.0: the JSON shape of an SKComm envelope (DESIGN §2), as a runtime
 * schema. Nested objects are strict (unknown keys rejected); unknown top-level fields
 * are kept so newer senders can add them, but nothing in them is trusted.
 */
import * as v from 'valibot';

export const SKCOMM_VERSION = '1.0.0';

/** Default and hard ceiling for one serialized envelope. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 1024 * 1024;

export const URGENCIES = ['low', 'normal', 'high', 'critical'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** Payload types SKComm itself knows. Others are allowed and handed to the application. */
export const KNOWN_PAYLOAD_TYPES = [
  'message',
  'file',
  'seed',
  'feb',
  'command',
  'heartbeat',
  'ack',
  'webrtc_signal',
  'webrtc_file',
] as const;

/** Lowercase canonical UUID version 4. Ids end up in file names, so nothing looser. */
export const ENVELOPE_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** Full primary-key fingerprint, uppercase hex: 40 digits (v4) or 64 (v6). Key ids are never identities. */
export const FINGERPRINT_PATTERN = /^(?:[0-9A-F]{40}|[0-9A-F]{64})$/;
/** ISO-8601 UTC with milliseconds, exactly as `Date.prototype.toISOString` writes it. */
export const TIMESTAMP_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const PAYLOAD_TYPE_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
export const TRANSPORT_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
/** Longest accepted ttl: 30 days. */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;
export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;
/**
 * The default ttl of a `command`: receivers refuse one created more than 5 minutes ago
 * (E_STALE), so the outbox expires it then instead of sending it late.
 */
export const COMMAND_TTL_SECONDS = 5 * 60;
export const DEFAULT_MAX_RETRIES = 5;

const name = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const fingerprint = v.pipe(v.string(), v.regex(FINGERPRINT_PATTERN, 'must be a full uppercase hex fingerprint'));
const timestamp = v.pipe(
  v.string(),
  v.regex(TIMESTAMP_PATTERN, 'must be ISO-8601 UTC with milliseconds (YYYY-MM-DDTHH:mm:ss.sssZ)'),
  // Date.parse rolls 2024-02-30 over to March and accepts hour 24: require the value to
  // be exactly what toISOString writes for the instant it denotes.
  v.check((value) => isCanonicalTimestamp(value), 'must be a real date and time'),
);

function isCanonicalTimestamp(value: string): boolean {
  const time = Date.parse(value);
  return !Number.isNaN(time) && new Date(time).toISOString() === value;
}
const identifier = v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII'));
const transportName = v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'));
const count = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));

/** valibot reads a JSON array as an object with no keys; refuse it up front so the error names the field itself. */
function notArray<TSchema extends v.GenericSchema>(schema: TSchema) {
  return v.pipe(
    v.custom<unknown>((value) => !Array.isArray(value), 'must be an object, not an array'),
    schema,
  );
}

export const partySchema = v.strictObject({ name, fingerprint });

const armoredMessage = v.pipe(
  v.string(),
  v.startsWith('-----BEGIN PGP MESSAGE-----', 'must be an armored OpenPGP message'),
  v.maxLength(DEFAULT_MAX_ENVELOPE_BYTES),
);
const armoredSignature = v.pipe(
  v.string(),
  v.startsWith('-----BEGIN PGP SIGNATURE-----', 'must be an armored OpenPGP signature'),
  v.maxLength(16 * 1024),
);

export const payloadSchema = v.pipe(
  v.strictObject({
    type: v.pipe(v.string(), v.regex(PAYLOAD_TYPE_PATTERN, 'must be a lowercase payload type')),
    /** Secured mode: the sign+encrypt OpenPGP message over the signed document. */
    content_encrypted: v.optional(armoredMessage),
    /** Open mode: the signed document itself, in the clear (covered by `signature`). */
    content: v.optional(v.pipe(v.string(), v.maxLength(DEFAULT_MAX_ENVELOPE_BYTES))),
    signature: armoredSignature,
  }),
  v.check(
    (payload) => (payload.content_encrypted === undefined) !== (payload.content === undefined),
    'must have exactly one of content_encrypted and content',
  ),
);

export const routingSchema = v.strictObject({
  priority_transports: v.pipe(v.array(transportName), v.maxLength(32)),
  fallback_transports: v.pipe(v.array(transportName), v.maxLength(32)),
  retry_count: count(1000),
  max_retries: count(1000),
  ttl_seconds: v.pipe(count(MAX_TTL_SECONDS), v.minValue(1)),
});

export const metadataSchema = v.strictObject({
  thread_id: v.optional(identifier),
  in_reply_to: v.optional(identifier),
  content_type: v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[\x21-\x7e]+$/, 'must be printable ASCII')),
  urgency: v.picklist(URGENCIES),
});

export const envelopeSchema = v.looseObject({
  skcomm_version: v.literal(SKCOMM_VERSION),
  envelope_id: v.pipe(v.string(), v.regex(ENVELOPE_ID_PATTERN, 'must be a lowercase UUID v4')),
  timestamp,
  from: notArray(partySchema),
  to: notArray(partySchema),
  payload: notArray(payloadSchema),
  routing: notArray(routingSchema),
  metadata: notArray(metadataSchema),
});

export type Party = v.InferOutput<typeof partySchema>;
export type Payload = v.InferOutput<typeof payloadSchema>;
export type Routing = v.InferOutput<typeof routingSchema>;
export type Metadata = v.InferOutput<typeof metadataSchema>;
/** A schema-valid envelope. Nothing in it is verified yet. */
export type Envelope = v.InferOutput<typeof envelopeSchema>;

export const signedDocumentContext = 'skcomm/envelope/v1';

/**
 * The document the sender signs (and, in secured mode, encrypts). It binds every
 * field the application sees to the sender, the recipient and the envelope id, so a
 * verified signature cannot be moved to another recipient, message, time or type.
 */
export const signedDocumentSchema = v.strictObject({
  ctx: v.literal(signedDocumentContext),
  envelope_id: v.pipe(v.string(), v.regex(ENVELOPE_ID_PATTERN, 'must be a lowercase UUID v4')),
  created_at: timestamp,
  ttl_seconds: v.pipe(count(MAX_TTL_SECONDS), v.minValue(1)),
  from: notArray(partySchema),
  to: notArray(partySchema),
  type: v.pipe(v.string(), v.regex(PAYLOAD_TYPE_PATTERN, 'must be a lowercase payload type')),
  content_type: metadataSchema.entries.content_type,
  urgency: v.picklist(URGENCIES),
  thread_id: v.nullable(identifier),
  in_reply_to: v.nullable(identifier),
  body: v.string(),
});

export type SignedDocument = v.InferOutput<typeof signedDocumentSchema>;
