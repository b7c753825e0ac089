/**
 * Reads just the `envelope_id` out of envelope bytes, to name the file. The bytes are
 * otherwise opaque here: the receive pipeline does the real, strict parsing.
 */
import { ENVELOPE_ID_PATTERN } from '@skcomm/core';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export type EnvelopeIdReading = { id: string } | { problem: string };

/** The caller has already bounded the size of `bytes`. */
export function readEnvelopeId(bytes: Uint8Array): EnvelopeIdReading {
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(bytes));
  } catch {
    return { problem: 'the envelope is not UTF-8 JSON' };
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return { problem: 'the envelope is not a JSON object' };
  if (!Object.hasOwn(document, 'envelope_id')) return { problem: 'the envelope has no envelope_id' };
  const id = (document as { envelope_id: unknown }).envelope_id;
  if (typeof id !== 'string' || !ENVELOPE_ID_PATTERN.test(id)) return { problem: 'envelope_id is not a lowercase UUID v4' };
  return { id };
}
