/**
 * Tampered content. Any change to content_encrypted or to the detached signature breaks
 * the outer signature; and even with a valid outer signature (as if that layer were
 * bypassed) a modified ciphertext does not decrypt, thanks to SEIPD's integrity check.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectRejected } from '../helpers/outcomes.js';
import { flipArmoredCharacter, mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol']);
});
afterAll(() => agents.cleanup());

describe('tampered ciphertext', () => {
  test('one changed character in content_encrypted: E_SIGNATURE_INVALID', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'x'.repeat(300) });
    const tampered = mutate(envelope, (copy) => {
      copy.payload.content_encrypted = flipArmoredCharacter(copy.payload.content_encrypted!);
    });
    await expectRejected(agents.carol, tampered, ErrorCode.SignatureInvalid);
  });

  test('with a valid outer signature, the modified ciphertext fails its integrity check: E_DECRYPT_FAILED', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'x'.repeat(300) });
    const tampered = mutate(envelope, (copy) => {
      copy.payload.content_encrypted = flipArmoredCharacter(copy.payload.content_encrypted!);
    });
    await expectRejected(agents.carol, await resign(tampered, agents.opus.identity), ErrorCode.DecryptFailed);
  });

  test('truncated ciphertext: E_SIGNATURE_INVALID, and E_DECRYPT_FAILED behind a valid outer signature', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'x'.repeat(300) });
    const truncated = mutate(envelope, (copy) => {
      const armored = copy.payload.content_encrypted!;
      const lines = armored.trimEnd().split('\n');
      copy.payload.content_encrypted = [...lines.slice(0, 3), ...lines.slice(-1)].join('\n');
    });
    await expectRejected(agents.carol, truncated, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(truncated, agents.opus.identity), ErrorCode.DecryptFailed);
  });

  test('a changed detached signature: E_SIGNATURE_INVALID', async () => {
    const envelope = await agents.opus.seal(agents.carol);
    const tampered = mutate(envelope, (copy) => {
      copy.payload.signature = flipArmoredCharacter(copy.payload.signature, 60);
    });
    const outcome = await expectRejected(agents.carol, tampered, ErrorCode.SignatureInvalid);
    expect(outcome.error.field).toBe('payload.signature');
  });

  test('secured content swapped for open content by a relay: E_SIGNATURE_INVALID', async () => {
    const envelope = await agents.opus.seal(agents.carol);
    const downgraded = mutate(envelope, (copy) => {
      delete copy.payload.content_encrypted;
      copy.payload.content = '{"ctx":"skcomm/envelope/v1"}';
    });
    await expectRejected(agents.carol, downgraded, ErrorCode.SignatureInvalid);
  });
});
