/** What an attacker on the wire can do to an envelope, and what only a key holder can. */
import { signDetached, type IdentityHandle } from '../../src/crypto/index.js';
import { detachedSignatureInput, type Envelope } from '../../src/index.js';

export function cloneEnvelope(envelope: Envelope): Envelope {
  return structuredClone(envelope);
}

/** A copy with `change` applied; the detached signature is left as it was. */
export function mutate(envelope: Envelope, change: (copy: Envelope) => void): Envelope {
  const copy = cloneEnvelope(envelope);
  change(copy);
  return copy;
}

/** Replaces the detached signature with one by `signer` over the (changed) envelope. */
export async function resign(envelope: Envelope, signer: IdentityHandle): Promise<Envelope> {
  const signature = await signDetached(detachedSignatureInput(envelope), signer);
  return { ...envelope, payload: { ...envelope.payload, signature } };
}

/**
 * Changes one base64 letter or digit in the body of an armored block, the first one at
 * or before `fromEnd` characters from the end (so never in the armor lines).
 */
export function flipArmoredCharacter(armored: string, fromEnd = 200): string {
  let index = armored.length - fromEnd;
  while (index > 0 && !/[A-Za-z0-9]/.test(armored[index] ?? '')) index--;
  const replacement = armored[index] === 'A' ? 'B' : 'A';
  return `${armored.slice(0, index)}${replacement}${armored.slice(index + 1)}`;
}
