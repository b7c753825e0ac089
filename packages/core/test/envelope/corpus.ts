/**
 * Valid signed envelopes for property tests: the committed valid vectors, parsed and
 * opened once, with the keys to open them again.
 */
import { type IdentityHandle, openEnvelope, type OpenedEnvelope, type PublicKeyHandle } from '../../src/crypto/index.js';
import { parseEnvelope } from '../../src/envelope/parse.js';
import type { Envelope } from '../../src/envelope/schema.js';
import { SkcommError } from '../../src/errors.js';
import { loadVectorKeys, loadVectors, vectorBytes } from './vectors.js';

export interface CorpusEnvelope {
  name: string;
  text: string;
  bytes: Uint8Array;
  envelope: Envelope;
  opened: OpenedEnvelope;
}

export interface Corpus {
  envelopes: CorpusEnvelope[];
  bob: IdentityHandle;
  alice: PublicKeyHandle;
}

export async function loadCorpus(): Promise<Corpus> {
  const file = loadVectors();
  const { identities, publicKeys } = await loadVectorKeys(file);
  const bob = identities.get('bob');
  const alice = publicKeys.get('alice');
  if (bob === undefined || alice === undefined) throw new Error('test vector keys for alice and bob are missing');
  const envelopes: CorpusEnvelope[] = [];
  for (const vector of Object.values(file.valid).flat()) {
    const bytes = vectorBytes(vector);
    const envelope = parseEnvelope(bytes);
    envelopes.push({
      name: vector.name,
      text: new TextDecoder().decode(bytes),
      bytes,
      envelope,
      opened: await openEnvelope(envelope, { self: bob, senderKey: alice }),
    });
  }
  return { envelopes, bob, alice };
}

export type Verdict = { accepted: false; error: SkcommError } | { accepted: true; envelope: Envelope; opened: OpenedEnvelope };

/**
 * Runs bytes through the parser and, when they parse, through openEnvelope as bob with
 * alice's key pinned. Anything thrown that is not a SkcommError is rethrown: the
 * property tests treat it as a failure.
 */
export async function judge(bytes: Uint8Array | string, corpus: Corpus): Promise<Verdict> {
  try {
    const envelope = parseEnvelope(bytes);
    const opened = await openEnvelope(envelope, { self: corpus.bob, senderKey: corpus.alice });
    return { accepted: true, envelope, opened };
  } catch (error) {
    if (SkcommError.is(error)) return { accepted: false, error };
    throw error;
  }
}

/** The envelope without what may change in transit: routing, and the armor of payload.signature. */
export function signedPart(envelope: Envelope): unknown {
  const { routing: _routing, payload, ...rest } = envelope;
  const { signature: _signature, ...content } = payload;
  return { ...rest, payload: content };
}
