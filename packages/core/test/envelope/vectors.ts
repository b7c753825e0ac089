/** Reading docs/test-vectors/envelope-vectors.json, for the vector and property tests. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IdentityHandle, type PublicKeyHandle, readPublicKey, unlockIdentity } from '../../src/crypto/index.js';
import type { SignedDocument } from '../../src/envelope/schema.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
export const VECTORS_FILE = join(REPO_ROOT, 'docs/test-vectors/envelope-vectors.json');

export interface Vector {
  name: string;
  description: string;
  /** The envelope as UTF-8 text, or, when the bytes matter exactly, base64. */
  envelope?: string;
  envelope_base64?: string;
  /** Parse with this size limit instead of the default. */
  max_bytes?: number;
  /** Key names: who opens it, and whose public key is pinned for the claimed sender. */
  open_as?: string;
  sender_key?: string;
  expected: {
    /** Invalid vectors: where the rejection happens, with which code and field. */
    stage?: 'parse' | 'open';
    code?: string;
    field?: string;
    /** Valid vectors: what openEnvelope returns. */
    mode?: 'secured' | 'open';
    document?: SignedDocument;
    document_sha256?: string;
  };
}

export interface VectorsFile {
  passphrase: string;
  keys: Record<string, { fingerprint: string; public_key: string; private_key: string }>;
  valid: Record<string, Vector[]>;
  invalid: Record<string, Vector[]>;
}

export function loadVectors(): VectorsFile {
  return JSON.parse(readFileSync(VECTORS_FILE, 'utf8')) as VectorsFile;
}

export function vectorBytes(vector: Vector): Uint8Array {
  if (vector.envelope_base64 !== undefined) return new Uint8Array(Buffer.from(vector.envelope_base64, 'base64'));
  if (vector.envelope !== undefined) return new TextEncoder().encode(vector.envelope);
  throw new Error(`vector "${vector.name}" has no envelope`);
}

/** The test identities, unlocked, and their public keys, by name (alice, bob, carol, mallory). */
export async function loadVectorKeys(file: VectorsFile = loadVectors()) {
  const keysDir = join(REPO_ROOT, 'docs/test-vectors');
  const identities = new Map<string, IdentityHandle>();
  const publicKeys = new Map<string, PublicKeyHandle>();
  for (const [name, entry] of Object.entries(file.keys)) {
    identities.set(name, await unlockIdentity(readFileSync(join(keysDir, entry.private_key), 'utf8'), file.passphrase));
    publicKeys.set(name, await readPublicKey(readFileSync(join(keysDir, entry.public_key), 'utf8')));
  }
  return { identities, publicKeys };
}
