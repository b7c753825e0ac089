/** Open mode: the content travels in the clear, so only the detached signature protects it. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { canonicalJson, ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'carol' | 'mallory'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol', 'mallory']);
});
afterAll(() => agents.cleanup());

function rewriteBody(content: string, body: string): string {
  return canonicalJson({ ...(JSON.parse(content) as object), body });
}

describe('open-mode envelope tampered', () => {
  test('body changed in transit: E_SIGNATURE_INVALID', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'pay 10' }, 'open');
    const tampered = mutate(envelope, (copy) => void (copy.payload.content = rewriteBody(copy.payload.content!, 'pay 10000')));
    await expectRejected(agents.carol, tampered, ErrorCode.SignatureInvalid);
  });

  test('body changed and re-signed by Mallory: E_SIGNATURE_INVALID', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'pay 10' }, 'open');
    const tampered = mutate(envelope, (copy) => void (copy.payload.content = rewriteBody(copy.payload.content!, 'pay 10000')));
    await expectRejected(agents.carol, await resign(tampered, agents.mallory.identity), ErrorCode.SignatureInvalid);
  });

  test('content that does not match the header, even signed by the sender: E_HEADER_MISMATCH', async () => {
    const envelope = await agents.opus.seal(agents.carol, { body: 'hello' }, 'open');
    const retyped = mutate(envelope, (copy) => {
      copy.payload.content = canonicalJson({ ...(JSON.parse(copy.payload.content!) as object), type: 'command' });
    });
    const outcome = await expectRejected(agents.carol, await resign(retyped, agents.opus.identity), ErrorCode.HeaderMismatch);
    expect(outcome.error.field).toBe('payload.type');
    const garbled = mutate(envelope, (copy) => void (copy.payload.content = 'not a signed document'));
    await expectRejected(agents.carol, await resign(garbled, agents.opus.identity), ErrorCode.HeaderMismatch);
  });
});
