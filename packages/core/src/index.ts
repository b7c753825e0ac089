/**
 * @skcomm/core: contracts only. Types, errors, the envelope schema and strict parser,
 * canonical JSON and the transport contract. Implementations live behind subpaths:
 * `@skcomm/core/crypto`, `/store`, `/receive`, `/router`, `/testing`.
 */
export * from './errors.js';
export * from './envelope/schema.js';
export { parseEnvelope, parseSignedDocument, serializeEnvelope, type ParseEnvelopeOptions } from './envelope/parse.js';
export { canonicalBytes, canonicalJson, detachedSignatureInput } from './envelope/canonical.js';
export { MAX_JSON_DEPTH } from './envelope/json.js';
export * from './transport/contract.js';
export * from './message.js';
