/**
 * @skcomm/core: contracts. Types, errors, the envelope schema and strict parser, canonical
 * JSON, the transport contract and the small helpers transports share (config options, the
 * receive queue, the in-flight window, subscriber fan-out). Implementations live behind subpaths:
 * `@skcomm/core/crypto`, `/store`, `/receive`, `/router`, `/agent`, `/files`, `/testing`.
 */
export * from './errors.js';
export * from './envelope/schema.js';
export { parseEnvelope, parseSignedDocument, serializeEnvelope, type ParseEnvelopeOptions } from './envelope/parse.js';
export { canonicalBytes, canonicalJson, detachedSignatureInput } from './envelope/canonical.js';
export { MAX_JSON_DEPTH } from './envelope/json.js';
export * from './transport/contract.js';
export { booleanOption, numberOption, parseTransportConfig } from './transport/options.js';
export { type QueuedEnvelope, type QueueLimits, ReceiveQueue } from './transport/receive-queue.js';
export { attachmentChunkCount, attachmentChunkLength } from './transport/attachment-layout.js';
export { InflightWindow } from './transport/inflight-window.js';
export { type EnvelopeSubscriber, Subscribers } from './transport/subscribers.js';
export * from './message.js';
export { type RandomSource, seededRandom } from './seeded-random.js';
