/**
 * Checks the committed test vectors (docs/test-vectors/envelope-vectors.json) against
 * parseEnvelope and openEnvelope, and the file against the SHA-256 pinned in
 * docs/envelope-spec.md. Valid vectors carry fixed 2025 timestamps: openEnvelope does
 * not apply the time window (the receive pipeline does), so they stay valid.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type IdentityHandle, openEnvelope, type PublicKeyHandle } from '../../src/crypto/index.js';
import { parseEnvelope } from '../../src/envelope/parse.js';
import { SkcommError } from '../../src/errors.js';
import { loadVectorKeys, loadVectors, REPO_ROOT, type Vector, vectorBytes, VECTORS_FILE } from './vectors.js';

const vectors = loadVectors();
let identities: Map<string, IdentityHandle>;
let publicKeys: Map<string, PublicKeyHandle>;

beforeAll(async () => {
  ({ identities, publicKeys } = await loadVectorKeys(vectors));
  for (const [name, entry] of Object.entries(vectors.keys)) {
    expect(identities.get(name)?.fingerprint).toBe(entry.fingerprint);
    expect(publicKeys.get(name)?.fingerprint).toBe(entry.fingerprint);
  }
});

function openOptions(vector: Vector) {
  const self = identities.get(vector.open_as ?? '');
  const senderKey = publicKeys.get(vector.sender_key ?? '');
  if (self === undefined || senderKey === undefined) throw new Error(`vector "${vector.name}" names unknown keys`);
  return { self, senderKey };
}

function parseVector(vector: Vector) {
  return parseEnvelope(vectorBytes(vector), vector.max_bytes === undefined ? {} : { maxBytes: vector.max_bytes });
}

async function rejection(action: () => unknown): Promise<SkcommError> {
  let thrown: unknown;
  try {
    await action();
  } catch (error) {
    thrown = error;
  }
  expect(SkcommError.is(thrown), `expected a typed SkcommError, got ${String(thrown)}`).toBe(true);
  return thrown as SkcommError;
}

describe('envelope-vectors.json', () => {
  it('is the file whose SHA-256 docs/envelope-spec.md pins', () => {
    const spec = readFileSync(join(REPO_ROOT, 'docs/envelope-spec.md'), 'utf8');
    const pinned = /envelope-vectors\.json`? SHA-256: `([0-9a-f]{64})`/.exec(spec)?.[1];
    expect(pinned, 'docs/envelope-spec.md must pin the vectors hash').toBeDefined();
    expect(createHash('sha256').update(readFileSync(VECTORS_FILE)).digest('hex')).toBe(pinned);
  });

  it('names every vector uniquely and covers each group the spec lists', () => {
    const names = [...Object.values(vectors.valid), ...Object.values(vectors.invalid)].flat().map((vector) => vector.name);
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(vectors.valid).sort()).toEqual(['open', 'secured']);
    expect(Object.keys(vectors.invalid).sort()).toEqual(
      ['binding', 'bytes', 'identifiers', 'json', 'signature', 'structure', 'timestamps', 'ttl', 'version'].sort(),
    );
  });
});

describe.each(Object.entries(vectors.valid))('valid.%s', (_group, group) => {
  it.each(group.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const envelope = parseVector(vector);
    const opened = await openEnvelope(envelope, openOptions(vector));

    expect(opened.mode).toBe(vector.expected.mode);
    expect(opened.document).toEqual(vector.expected.document);
    expect(opened.documentSha256).toBe(vector.expected.document_sha256);
  });
});

describe.each(Object.entries(vectors.invalid))('invalid.%s', (_group, group) => {
  it.each(group.map((vector) => [vector.name, vector] as const))('%s', async (_name, vector) => {
    const { stage, code, field } = vector.expected;
    if (stage === 'parse') {
      const error = await rejection(() => parseVector(vector));
      expect({ code: error.code, field: error.field }).toEqual({ code, field });
    } else {
      // It must get past the parser, so the rejection is the cryptographic check's.
      const envelope = parseVector(vector);
      const error = await rejection(() => openEnvelope(envelope, openOptions(vector)));
      expect({ code: error.code, field: error.field }).toEqual({ code, field });
    }
  });
});
