/** RFC 8785 (JCS) canonical JSON: the exact bytes SKComm signs. */
import canonicalizeImport from 'canonicalize';
import type { Envelope } from './schema.js';

// canonicalize ships CommonJS typings with `export default`; under NodeNext the callable
// sits on `.default` at type level only.
const canonicalize = canonicalizeImport as unknown as (value: unknown) => string | undefined;

const encoder = new TextEncoder();

export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

export function canonicalBytes(value: unknown): Uint8Array {
  return encoder.encode(canonicalJson(value));
}

/**
 * What `payload.signature` covers: the envelope without `routing` (hops may change it)
 * and without the signature itself, in canonical form. Unknown top-level fields are
 * included, so nobody can add them in transit without breaking the signature.
 */
export function detachedSignatureInput(envelope: Envelope): Uint8Array {
  const { routing: _routing, payload, ...rest } = envelope;
  const { signature: _signature, ...unsignedPayload } = payload;
  return canonicalBytes({ ...rest, payload: unsignedPayload });
}
