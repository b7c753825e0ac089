/**
 * The cheap look at an arriving body that decides where it is stored: it must be UTF-8
 * JSON with a valid `envelope_id` and a recipient fingerprint. The receive pipeline in
 * @skcomm/core does the strict parsing and the cryptography later; this only keeps
 * non-envelopes out of the spool (threat model T23: cheap checks first).
 */
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN } from '@skcomm/core';

// ignoreBOM keeps a leading BOM in the text, so JSON.parse refuses it: an envelope is UTF-8 JSON without one (RFC 8259 §8.1).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export type EnvelopeRouting = { envelopeId: string; recipient: string } | { problem: string };

/** The caller has already bounded the size of `bytes`. */
export function readEnvelopeRouting(bytes: Uint8Array): EnvelopeRouting {
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(bytes));
  } catch {
    return { problem: 'the body is not UTF-8 JSON' };
  }
  if (!isPlainObject(document)) return { problem: 'the body is not a JSON object' };
  const envelopeId = Object.hasOwn(document, 'envelope_id') ? document.envelope_id : undefined;
  if (typeof envelopeId !== 'string' || !ENVELOPE_ID_PATTERN.test(envelopeId)) return { problem: 'envelope_id is missing or not a lowercase UUID v4' };
  const to = Object.hasOwn(document, 'to') ? document.to : undefined;
  const recipient = isPlainObject(to) && Object.hasOwn(to, 'fingerprint') ? to.fingerprint : undefined;
  if (typeof recipient !== 'string' || !FINGERPRINT_PATTERN.test(recipient)) return { problem: 'to.fingerprint is missing or not a full uppercase fingerprint' };
  return { envelopeId, recipient };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
