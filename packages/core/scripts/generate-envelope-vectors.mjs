#!/usr/bin/env node
// @ts-check
/**
 * Writes docs/test-vectors/envelope-vectors.json: the wire-format 1.0.0 test vectors
 * that packages/core/test/envelope/vectors.test.ts (and any other implementation)
 * checks itself against. See docs/test-vectors/README.md.
 *
 *   cd packages/core && npx tsc -p tsconfig.build.json && node scripts/generate-envelope-vectors.mjs
 *
 * The test keys in docs/test-vectors/keys/ are reused when present (generated on the
 * first run). OpenPGP encryption is randomized, so every run writes different bytes:
 * after regenerating, put the SHA-256 this prints into docs/envelope-spec.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as openpgp from 'openpgp';
import { canonicalJson, detachedSignatureInput, parseEnvelope } from '../dist/index.js';
import {
  buildSignedDocument,
  generateIdentity,
  openEnvelope,
  openpgpConfig,
  readPublicKey,
  sealEnvelope,
  signDetached,
  unlockIdentity,
} from '../dist/crypto/index.js';

const vectorsDir = join(dirname(fileURLToPath(import.meta.url)), '../../../docs/test-vectors');
const keysDir = join(vectorsDir, 'keys');
const PASSPHRASE = 'skcomm-test-vectors-NOT-A-SECRET';
const PEOPLE = ['alice', 'bob', 'carol', 'mallory'];

/** @typedef {import('../dist/crypto/index.js').IdentityHandle & { name: string }} Identity */
/** @typedef {import('../dist/index.js').Envelope} Envelope */

/** @returns {Promise<Record<string, Identity>>} */
async function loadOrCreateKeys() {
  mkdirSync(keysDir, { recursive: true });
  /** @type {Record<string, Identity>} */
  const identities = {};
  for (const name of PEOPLE) {
    const privatePath = join(keysDir, `${name}.private.asc`);
    const publicPath = join(keysDir, `${name}.public.asc`);
    if (!existsSync(privatePath)) {
      const generated = await generateIdentity({ name, email: `${name}@test-vectors.skcomm.invalid`, passphrase: PASSPHRASE });
      writeFileSync(privatePath, generated.armoredPrivateKey);
      writeFileSync(publicPath, generated.armoredPublicKey);
    }
    identities[name] = { ...(await unlockIdentity(readFileSync(privatePath, 'utf8'), PASSPHRASE)), name };
  }
  return identities;
}

const keys = await loadOrCreateKeys();
const { alice, bob, mallory } = /** @type {Record<string, Identity>} */ (keys);

const ID = {
  secured: '3b0b3a0e-6f2a-4c1d-9e8f-0a1b2c3d4e5f',
  threaded: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  unicode: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  maxTtl: '16fd2706-8baf-433b-82eb-8c7fada847da',
  command: '886313e1-3b8a-4372-9b90-0c9aee199e5d',
  extension: 'a8098c1a-f86e-41da-8d3b-2a2e5c1c9a3b',
  open: '9b2f8c4d-1e3a-4b5c-8d7e-6f5a4b3c2d1e',
  openThread: '5d4c3b2a-1f0e-4d9c-ab8a-7f6e5d4c3b2a',
  other: 'c0ffee00-1234-4abc-9def-0123456789ab',
};
const T0 = new Date('2025-06-01T12:00:00.000Z');

/**
 * @param {import('../dist/crypto/index.js').EnvelopeDraft} draft
 * @param {{ from?: Identity, to?: Identity, mode?: 'secured' | 'open' }} [parties]
 */
async function seal(draft, parties = {}) {
  const recipient = parties.to ?? bob;
  return sealEnvelope(
    { createdAt: T0, ...draft },
    { sender: parties.from ?? alice, recipient: { ...recipient, name: recipient.name }, mode: parties.mode ?? 'secured' },
  );
}

/** A fresh detached signature by `signer` over the envelope as it now is. */
async function resign(/** @type {Envelope} */ envelope, /** @type {Identity} */ signer) {
  const signature = await signDetached(detachedSignatureInput(envelope), signer);
  return { ...envelope, payload: { ...envelope.payload, signature } };
}

/** An open-mode envelope carrying `content` as its signed document, signed by alice. */
async function openWithContent(/** @type {Envelope} */ base, /** @type {string} */ content) {
  const { content_encrypted: _dropped, ...payload } = base.payload;
  return resign({ ...base, payload: { ...payload, content } }, alice);
}

/** Inner message signed by `innerSigner` (or not signed), encrypted to bob, in an envelope alice signs. */
async function withInnerMessage(/** @type {Envelope} */ base, /** @type {Identity | undefined} */ innerSigner) {
  const document = buildSignedDocument(
    { body: 'inner', envelopeId: base.envelope_id, createdAt: new Date(base.timestamp) },
    { sender: alice, recipient: bob },
  );
  const content_encrypted = await openpgp.encrypt({
    message: await openpgp.createMessage({ binary: new TextEncoder().encode(canonicalJson(document)) }),
    encryptionKeys: bob.key,
    ...(innerSigner ? { signingKeys: innerSigner.privateKey } : {}),
    format: 'armored',
    config: openpgpConfig,
  });
  return resign({ ...base, payload: { ...base.payload, content_encrypted } }, alice);
}

const text = (/** @type {unknown} */ value) => JSON.stringify(value);
const clone = (/** @type {Envelope | Record<string, any>} */ envelope) => /** @type {Record<string, any>} */ (JSON.parse(JSON.stringify(envelope)));
/** The envelope with `path` (dotted) removed. */
function without(/** @type {Envelope | Record<string, any>} */ envelope, /** @type {string} */ path) {
  const copy = clone(envelope);
  const parts = path.split('.');
  const last = /** @type {string} */ (parts.pop());
  delete parts.reduce((node, part) => node[part], copy)[last];
  return copy;
}
/** The envelope with `path` (dotted) set to `value`. */
function withField(/** @type {Envelope | Record<string, any>} */ envelope, /** @type {string} */ path, /** @type {unknown} */ value) {
  const copy = clone(envelope);
  const parts = path.split('.');
  const last = /** @type {string} */ (parts.pop());
  parts.reduce((node, part) => node[part], copy)[last] = value;
  return copy;
}
const base64 = (/** @type {Uint8Array} */ bytes) => Buffer.from(bytes).toString('base64');
const utf8 = (/** @type {string} */ value) => new TextEncoder().encode(value);

// ---------------------------------------------------------------- valid
const secured = await seal({ body: 'Hello Bob. This is the base case.', envelopeId: ID.secured });
const threaded = await seal({
  body: 'Re: the plan',
  envelopeId: ID.threaded,
  threadId: 'thread-2025-06-plan',
  inReplyTo: ID.secured,
  urgency: 'high',
  priorityTransports: ['tcp', 'relay-eu'],
  fallbackTransports: ['file'],
});
const unicode = await seal({
  body: 'Grüße 👋🏽 — مرحبا — 你好 — e\u0301 vs é — \u202eRTL\u202c — tab\t newline\n NUL\u0000 end',
  envelopeId: ID.unicode,
  urgency: 'low',
});
const maxTtl = await seal({ body: 'lives for thirty days', envelopeId: ID.maxTtl, ttlSeconds: 2_592_000, urgency: 'critical' });
const command = await seal({
  body: '{"verb":"status"}',
  envelopeId: ID.command,
  type: 'command',
  contentType: 'application/json',
});
const extension = await resign(
  /** @type {Envelope} */ ({ ...(await seal({ body: 'with an extension field', envelopeId: ID.extension })), x_extension: { note: 'newer sender', nested: [[[1]]] } }),
  alice,
);
const openMessage = await seal({ body: 'Hello Bob, in the clear.', envelopeId: ID.open }, { mode: 'open' });
const openThread = await seal(
  { body: 'open reply', envelopeId: ID.openThread, threadId: 't-1', inReplyTo: ID.open, type: 'x_custom_type' },
  { mode: 'open' },
);
const rerouted = withField(withField(secured, 'routing.retry_count', 3), 'routing.priority_transports', ['usb']);
/** 31 levels inside the envelope: 32 in all, the deepest allowed. */
const deepest = await resign(/** @type {Envelope} */ ({ ...openMessage, x_deep: JSON.parse('['.repeat(31) + ']'.repeat(31)) }), alice);

/** @param {string} name @param {string} description @param {Envelope | Record<string, unknown>} envelope @param {Record<string, unknown>} [extra] */
async function validVector(name, description, envelope, extra = {}) {
  const maxBytes = typeof extra.max_bytes === 'number' ? { maxBytes: extra.max_bytes } : {};
  const opened = await openEnvelope(parseEnvelope(text(envelope), maxBytes), { self: bob, senderKey: await readPublicKey(alice.armored) });
  return {
    name,
    description,
    envelope: text(envelope),
    ...extra,
    open_as: 'bob',
    sender_key: 'alice',
    expected: { mode: opened.mode, document: opened.document, document_sha256: opened.documentSha256 },
  };
}

const valid = {
  secured: [
    await validVector('secured message', 'The base case: signed and encrypted to bob, default ttl and urgency.', secured),
    await validVector('thread and reply ids', 'thread_id and in_reply_to set, urgency high, routing hints.', threaded),
    await validVector('unicode body', 'Non-ASCII, combining marks, RTL override, control characters and NUL in the body.', unicode),
    await validVector('maximum ttl', 'ttl_seconds at the 30-day ceiling (2592000), urgency critical.', maxTtl),
    await validVector('command payload', "type command, content_type application/json (trust is the receiver's decision, not the parser's).", command),
    await validVector('unknown top-level field', 'A newer sender added x_extension; it is kept, covered by payload.signature, never trusted.', extension),
    await validVector('routing changed in transit', 'retry_count and priority_transports changed after signing: routing is not signed, hops may change it.', rerouted),
    await validVector('exactly at the size limit', 'Parsed with max_bytes equal to its length.', secured, { max_bytes: utf8(text(secured)).byteLength }),
  ],
  open: [
    await validVector('open message', 'Open mode: the signed document in payload.content, in the clear, covered by payload.signature.', openMessage),
    await validVector('open with ids and custom type', 'An application-defined payload type, thread and reply ids.', openThread),
    await validVector('deepest nesting', 'An extension field nested so the envelope is 32 levels deep, the most allowed.', deepest),
  ],
};

// ---------------------------------------------------------------- invalid: parse stage
const base = secured;
const baseText = text(base);
const parse = (/** @type {string} */ code, /** @type {string} */ field) => ({ stage: 'parse', code, field });
const INVALID = 'E_ENVELOPE_INVALID';

/** @param {string} name @param {string} description @param {unknown} envelope @param {{ code: string, field: string, stage: string }} expected */
const textVector = (name, description, envelope, expected) => ({
  name,
  description,
  envelope: typeof envelope === 'string' ? envelope : text(envelope),
  expected,
});
/** @param {string} name @param {string} description @param {Uint8Array} bytes @param {{ code: string, field: string, stage: string }} expected */
const bytesVector = (name, description, bytes, expected) => ({ name, description, envelope_base64: base64(bytes), expected });

const baseBytes = utf8(baseText);
const bodyOffset = baseText.indexOf('"message"') + 2;
const spliced = (/** @type {number[]} */ inserted) =>
  new Uint8Array([...baseBytes.subarray(0, bodyOffset), ...inserted, ...baseBytes.subarray(bodyOffset)]);
const nested = (/** @type {number} */ depth) => baseText.replace('"routing"', `"x_deep":${'['.repeat(depth)}${']'.repeat(depth)},"routing"`);

const REQUIRED = [
  'skcomm_version', 'envelope_id', 'timestamp', 'from', 'to', 'payload', 'routing', 'metadata',
  'from.name', 'from.fingerprint', 'to.name', 'to.fingerprint', 'payload.type', 'payload.signature',
  'routing.priority_transports', 'routing.fallback_transports', 'routing.retry_count', 'routing.max_retries',
  'routing.ttl_seconds', 'metadata.content_type', 'metadata.urgency',
];

const invalid = {
  bytes: [
    bytesVector('empty', 'Zero bytes.', new Uint8Array(0), parse(INVALID, '(bytes)')),
    bytesVector('byte-order mark', 'A valid envelope preceded by the UTF-8 BOM EF BB BF.', new Uint8Array([0xef, 0xbb, 0xbf, ...baseBytes]), parse(INVALID, '(bytes)')),
    bytesVector('invalid UTF-8', 'A lone 0xFF byte inside a string.', spliced([0xff]), parse(INVALID, '(bytes)')),
    bytesVector('overlong UTF-8', "C0 AF, an overlong encoding of '/'.", spliced([0xc0, 0xaf]), parse(INVALID, '(bytes)')),
    bytesVector('UTF-8 encoded surrogate', 'ED A0 80, the surrogate U+D800 encoded as if it were a character.', spliced([0xed, 0xa0, 0x80]), parse(INVALID, '(bytes)')),
    bytesVector('UTF-16 text', 'The envelope encoded as UTF-16LE: valid UTF-8 bytes (with NULs) but not JSON.', new Uint8Array(Buffer.from(baseText, 'utf16le')), parse(INVALID, '(json)')),
    { ...textVector('one byte over the limit', 'Parsed with max_bytes one less than its length.', base, parse('E_ENVELOPE_TOO_LARGE', '(bytes)')), max_bytes: baseBytes.byteLength - 1 },
  ],
  json: [
    textVector('truncated', 'The base envelope cut in half.', baseText.slice(0, Math.floor(baseText.length / 2)), parse(INVALID, '(json)')),
    textVector('last byte missing', 'The closing brace removed.', baseText.slice(0, -1), parse(INVALID, '(json)')),
    textVector('top level array', 'An array holding the envelope.', `[${baseText}]`, parse(INVALID, '(root)')),
    textVector('top level string', 'A JSON string.', '"envelope"', parse(INVALID, '(root)')),
    textVector('top level number', 'A JSON number.', '42', parse(INVALID, '(root)')),
    textVector('top level null', 'JSON null.', 'null', parse(INVALID, '(root)')),
    textVector('nesting depth 33', 'An extension field nested one level too deep.', nested(32), parse(INVALID, '(json)')),
    textVector('nesting depth 10000', 'Deep enough to overflow a recursive parser.', nested(10_000), parse(INVALID, '(json)')),
    textVector('duplicate key', 'envelope_id twice: parsers disagree on which one wins.', baseText.replace('{"skcomm_version"', `{"envelope_id":"${ID.other}","skcomm_version"`), parse(INVALID, 'envelope_id')),
    textVector('duplicate nested key', 'metadata.urgency twice.', baseText.replace('"urgency":"normal"', '"urgency":"normal","urgency":"critical"'), parse(INVALID, 'metadata.urgency')),
    textVector('__proto__ at top level', 'Prototype pollution attempt.', baseText.replace('{"skcomm_version"', '{"__proto__":{"polluted":true},"skcomm_version"'), parse(INVALID, '__proto__')),
    textVector('escaped __proto__', '"__proto\\u005f_" decodes to __proto__.', baseText.replace('"metadata":{', '"metadata":{"__proto\\u005f_":{},'), parse(INVALID, 'metadata.__proto__')),
    textVector('constructor key', 'In from.', baseText.replace('"from":{', '"from":{"constructor":{"prototype":{}},'), parse(INVALID, 'from.constructor')),
    textVector('prototype key', 'In routing.', baseText.replace('"routing":{', '"routing":{"prototype":1,'), parse(INVALID, 'routing.prototype')),
    textVector('number overflow', '1e400 in an extension field would become Infinity, which has no canonical form.', baseText.replace('"routing"', '"x_big":[1,1e400],"routing"'), parse(INVALID, 'x_big.1')),
  ],
  structure: [
    ...REQUIRED.map((field) => textVector(`missing ${field}`, `Required field ${field} removed.`, without(base, field), parse(INVALID, field))),
    textVector('payload without content', 'Neither content_encrypted nor content.', without(base, 'payload.content_encrypted'), parse(INVALID, 'payload')),
    textVector('payload with both contents', 'content_encrypted and content both present.', withField(base, 'payload.content', 'hi'), parse(INVALID, 'payload')),
    textVector('envelope_id is a number', 'Wrong type.', withField(base, 'envelope_id', 42), parse(INVALID, 'envelope_id')),
    textVector('from is a string', 'Wrong type.', withField(base, 'from', 'alice'), parse(INVALID, 'from')),
    textVector('to is an array', 'Wrong type.', withField(base, 'to', [base.to]), parse(INVALID, 'to')),
    textVector('retry_count is a string', 'Wrong type.', withField(base, 'routing.retry_count', '0'), parse(INVALID, 'routing.retry_count')),
    textVector('retry_count is negative', 'Out of range.', withField(base, 'routing.retry_count', -1), parse(INVALID, 'routing.retry_count')),
    textVector('max_retries over 1000', 'Out of range.', withField(base, 'routing.max_retries', 1001), parse(INVALID, 'routing.max_retries')),
    textVector('priority_transports is a string', 'Wrong type.', withField(base, 'routing.priority_transports', 'tcp'), parse(INVALID, 'routing.priority_transports')),
    textVector('transport name uppercase', 'Transport names are lowercase.', withField(base, 'routing.priority_transports', ['TCP']), parse(INVALID, 'routing.priority_transports.0')),
    textVector('unknown urgency', 'Not one of low, normal, high, critical.', withField(base, 'metadata.urgency', 'urgent'), parse(INVALID, 'metadata.urgency')),
    textVector('payload type uppercase', 'Payload types are lowercase.', withField(base, 'payload.type', 'Message'), parse(INVALID, 'payload.type')),
    textVector('content is a number', 'Wrong type.', withField(without(base, 'payload.content_encrypted'), 'payload.content', 7), parse(INVALID, 'payload.content')),
    textVector('content_encrypted not armored', 'Must be an armored OpenPGP message.', withField(base, 'payload.content_encrypted', 'hello'), parse(INVALID, 'payload.content_encrypted')),
    textVector('signature not armored', 'Must be an armored OpenPGP signature.', withField(base, 'payload.signature', 'c2lnbmF0dXJl'), parse(INVALID, 'payload.signature')),
    textVector('empty name', 'from.name must not be empty.', withField(base, 'from.name', ''), parse(INVALID, 'from.name')),
    textVector('name too long', 'to.name over 128 characters.', withField(base, 'to.name', 'b'.repeat(129)), parse(INVALID, 'to.name')),
    textVector('unknown key in metadata', 'Nested objects are strict.', withField(base, 'metadata.priority', 1), parse(INVALID, 'metadata.priority')),
    textVector('unknown key in from', 'Nested objects are strict.', withField(base, 'from.email', 'a@example.org'), parse(INVALID, 'from.email')),
    textVector('unknown key in payload', 'Nested objects are strict.', withField(base, 'payload.compression', 'zip'), parse(INVALID, 'payload.compression')),
    textVector('unknown key in routing', 'Nested objects are strict.', withField(base, 'routing.hops', []), parse(INVALID, 'routing.hops')),
  ],
  identifiers: [
    textVector('envelope_id not a uuid', 'Free text.', withField(base, 'envelope_id', 'hello'), parse(INVALID, 'envelope_id')),
    textVector('envelope_id uppercase', 'A UUID v4 in uppercase: ids end up in file names, one spelling only.', withField(base, 'envelope_id', ID.secured.toUpperCase()), parse(INVALID, 'envelope_id')),
    textVector('envelope_id in braces', '{uuid}.', withField(base, 'envelope_id', `{${ID.secured}}`), parse(INVALID, 'envelope_id')),
    textVector('nil uuid', 'All zeros is not a v4 UUID.', withField(base, 'envelope_id', '00000000-0000-0000-0000-000000000000'), parse(INVALID, 'envelope_id')),
    textVector('uuid version 1', 'Version nibble 1.', withField(base, 'envelope_id', 'c232ab00-9414-11ec-b3c8-9f6bdeced846'), parse(INVALID, 'envelope_id')),
    textVector('path traversal id', '../../x as an id.', withField(base, 'envelope_id', '../../x'), parse(INVALID, 'envelope_id')),
    textVector('4096-character id', 'Length attack.', withField(base, 'envelope_id', 'a'.repeat(4096)), parse(INVALID, 'envelope_id')),
    textVector('fingerprint lowercase', 'Fingerprints are uppercase hex.', withField(base, 'from.fingerprint', base.from.fingerprint.toLowerCase()), parse(INVALID, 'from.fingerprint')),
    textVector('16-hex key id', 'A key id is never an identity.', withField(base, 'to.fingerprint', base.to.fingerprint.slice(-16)), parse(INVALID, 'to.fingerprint')),
    textVector('fingerprint with spaces', 'As gpg prints it.', withField(base, 'from.fingerprint', base.from.fingerprint.replace(/(.{4})/g, '$1 ').trim()), parse(INVALID, 'from.fingerprint')),
    textVector('fingerprint 39 digits', 'Wrong length.', withField(base, 'from.fingerprint', base.from.fingerprint.slice(1)), parse(INVALID, 'from.fingerprint')),
    textVector('thread_id with a space', 'Identifiers are printable ASCII without spaces.', withField(base, 'metadata.thread_id', 'my thread'), parse(INVALID, 'metadata.thread_id')),
    textVector('thread_id empty', 'Absent is allowed, empty is not.', withField(base, 'metadata.thread_id', ''), parse(INVALID, 'metadata.thread_id')),
    textVector('in_reply_to too long', '129 characters.', withField(base, 'metadata.in_reply_to', 'r'.repeat(129)), parse(INVALID, 'metadata.in_reply_to')),
  ],
  timestamps: [
    ['no milliseconds', '2025-06-01T12:00:00Z'],
    ['offset instead of Z', '2025-06-01T12:00:00.000+00:00'],
    ['no timezone', '2025-06-01T12:00:00.000'],
    ['lowercase t and z', '2025-06-01t12:00:00.000z'],
    ['date only', '2025-06-01'],
    ['microseconds', '2025-06-01T12:00:00.000000Z'],
    ['february 30', '2025-02-30T12:00:00.000Z'],
    ['hour 24', '2025-06-01T24:00:00.000Z'],
    ['leap second', '2016-12-31T23:59:60.000Z'],
    ['month 13', '2025-13-01T12:00:00.000Z'],
    ['year 275760', '+275760-09-13T00:00:00.000Z'],
  ]
    .map(([name, value]) => textVector(`timestamp ${name}`, `timestamp "${value}".`, withField(base, 'timestamp', value), parse(INVALID, 'timestamp')))
    .concat([textVector('timestamp as epoch number', 'Milliseconds since 1970 as a number.', withField(base, 'timestamp', T0.getTime()), parse(INVALID, 'timestamp'))]),
  ttl: [
    textVector('ttl 0', 'At least one second.', withField(base, 'routing.ttl_seconds', 0), parse(INVALID, 'routing.ttl_seconds')),
    textVector('ttl negative', 'Negative.', withField(base, 'routing.ttl_seconds', -60), parse(INVALID, 'routing.ttl_seconds')),
    textVector('ttl over 30 days', '2592001 seconds.', withField(base, 'routing.ttl_seconds', 2_592_001), parse(INVALID, 'routing.ttl_seconds')),
    textVector('ttl fractional', '1.5 seconds.', withField(base, 'routing.ttl_seconds', 1.5), parse(INVALID, 'routing.ttl_seconds')),
    textVector('ttl as string', '"60".', withField(base, 'routing.ttl_seconds', '60'), parse(INVALID, 'routing.ttl_seconds')),
  ],
  version: [
    textVector('version 2.0.0', 'A newer wire format: refused with its own code, so the user can be told to upgrade.', withField(base, 'skcomm_version', '2.0.0'), parse('E_UNSUPPORTED_VERSION', 'skcomm_version')),
    textVector('version 1.0', 'Not a full semantic version.', withField(base, 'skcomm_version', '1.0'), parse(INVALID, 'skcomm_version')),
    textVector('version as number', 'Wrong type.', withField(base, 'skcomm_version', 1), parse(INVALID, 'skcomm_version')),
  ],
};

// ---------------------------------------------------------------- invalid: open stage
const open = (/** @type {string} */ code, /** @type {string} */ field) => ({ stage: 'open', code, field });
/** @param {string} name @param {string} description @param {unknown} envelope @param {{ code: string, field: string, stage: string }} expected @param {{ open_as?: string, sender_key?: string }} [who] */
const openVector = (name, description, envelope, expected, who = {}) => ({
  name,
  description,
  envelope: text(envelope),
  open_as: who.open_as ?? 'bob',
  sender_key: who.sender_key ?? 'alice',
  expected,
});
const SIGNATURE = 'E_SIGNATURE_INVALID';
const HEADER = 'E_HEADER_MISMATCH';
const otherCiphertext = (await seal({ body: 'another message', envelopeId: ID.other })).payload.content_encrypted;
const mallorySigned = await seal({ body: 'I am alice, honest' }, { from: mallory });
const baseDocument = buildSignedDocument({ body: 'doc', envelopeId: ID.open, createdAt: T0 }, { sender: alice, recipient: bob });

Object.assign(invalid, {
  signature: [
    openVector('urgency changed after signing', 'metadata.urgency raised in transit.', withField(base, 'metadata.urgency', 'critical'), open(SIGNATURE, 'payload.signature')),
    openVector('from.name changed after signing', 'Display name swapped.', withField(base, 'from.name', 'alice-the-admin'), open(SIGNATURE, 'payload.signature')),
    openVector('payload type changed after signing', 'message relabelled as command.', withField(base, 'payload.type', 'command'), open(SIGNATURE, 'payload.signature')),
    openVector('envelope_id changed after signing', 'Replay under a new id.', withField(base, 'envelope_id', ID.other), open(SIGNATURE, 'payload.signature')),
    openVector('top-level field added after signing', 'Unknown top-level fields are signed too.', withField(base, 'x_injected', true), open(SIGNATURE, 'payload.signature')),
    openVector('ciphertext swapped', "Another envelope's content_encrypted under this header.", withField(base, 'payload.content_encrypted', otherCiphertext), open(SIGNATURE, 'payload.signature')),
    openVector('signed by mallory', 'Claims alice; mallory made and signed everything, with her own keys.', await resign(/** @type {Envelope} */ (withField(mallorySigned, 'from', base.from)), mallory), open(SIGNATURE, 'payload.signature')),
    openVector('signature from another envelope', "A valid signature by alice, but over a different envelope.", withField(base, 'payload.signature', openMessage.payload.signature), open(SIGNATURE, 'payload.signature')),
    openVector('inner message not signed', 'Encrypted to bob without an inner signature (outer signature valid).', await withInnerMessage(base, undefined), open(SIGNATURE, 'payload.content_encrypted')),
    openVector('inner message signed by mallory', 'Inner signature by a key other than the claimed sender.', await withInnerMessage(base, mallory), open(SIGNATURE, 'payload.content_encrypted')),
    openVector('wrong pinned key', "Opened with carol's key pinned for alice's fingerprint.", base, open('E_UNKNOWN_SENDER', 'from.fingerprint'), { sender_key: 'carol' }),
  ],
  binding: [
    openVector('forwarded open envelope', "alice's open envelope to bob, presented to carol (surreptitious forwarding).", openMessage, open('E_RECIPIENT_MISMATCH', 'document.to.fingerprint'), { open_as: 'carol' }),
    openVector('secured envelope for someone else', "alice's secured envelope to bob, presented to carol.", base, open('E_DECRYPT_FAILED', 'payload.content_encrypted'), { open_as: 'carol' }),
    openVector('outer type differs from signed type', 'Signed by alice, but the header says command and the document message (type confusion).', await resign(/** @type {Envelope} */ (withField(base, 'payload.type', 'command')), alice), open(HEADER, 'payload.type')),
    openVector('outer id differs from signed id', 'Header id rewritten and re-signed by the sender.', await resign(/** @type {Envelope} */ (withField(base, 'envelope_id', ID.other)), alice), open(HEADER, 'envelope_id')),
    openVector('outer timestamp differs', 'Header timestamp one second later than the signed created_at.', await resign(/** @type {Envelope} */ (withField(base, 'timestamp', '2025-06-01T12:00:01.000Z')), alice), open(HEADER, 'timestamp')),
    openVector('outer recipient name differs', 'to.name rewritten.', await resign(/** @type {Envelope} */ (withField(base, 'to.name', 'robert')), alice), open(HEADER, 'to.name')),
    openVector('outer thread id not signed', 'metadata.thread_id present outside only.', await resign(/** @type {Envelope} */ (withField(base, 'metadata.thread_id', 'injected')), alice), open(HEADER, 'metadata.thread_id')),
    openVector('signed document for another context', 'ctx "skcomm/ack/v1" instead of "skcomm/envelope/v1".', await openWithContent(openMessage, canonicalJson({ ...baseDocument, ctx: 'skcomm/ack/v1' })), open(HEADER, 'document.ctx')),
    openVector('signed document without id', 'The signed document lacks envelope_id.', await openWithContent(openMessage, canonicalJson({ ...baseDocument, envelope_id: undefined })), open(HEADER, 'document.envelope_id')),
    openVector('signed document not JSON', 'payload.content is not a JSON document.', await openWithContent(openMessage, 'hello bob'), open(HEADER, 'document.(json)')),
  ],
});

const vectors = {
  description: 'SKComm envelope wire format 1.0.0 test vectors. Format and use: docs/envelope-spec.md, docs/test-vectors/README.md.',
  wire_format: '1.0.0',
  generator: 'packages/core/scripts/generate-envelope-vectors.mjs',
  passphrase: PASSPHRASE,
  keys: Object.fromEntries(
    PEOPLE.map((name) => [
      name,
      { fingerprint: /** @type {Identity} */ (keys[name]).fingerprint, public_key: `keys/${name}.public.asc`, private_key: `keys/${name}.private.asc` },
    ]),
  ),
  valid,
  invalid,
};

const output = `${JSON.stringify(vectors, null, 2)}\n`;
writeFileSync(join(vectorsDir, 'envelope-vectors.json'), output);
const count = (/** @type {Record<string, unknown[]>} */ groups) => Object.values(groups).reduce((sum, group) => sum + group.length, 0);
console.log(`wrote ${count(valid)} valid and ${count(invalid)} invalid vectors`);
console.log(`sha256 ${createHash('sha256').update(output).digest('hex')}  (put this in docs/envelope-spec.md)`);
