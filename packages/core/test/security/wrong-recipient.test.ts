/** Wrong recipient: an envelope for Bob that reaches Carol is never delivered to Carol. */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'bob' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'bob', 'carol']);
});
afterAll(() => agents.cleanup());

describe('wrong recipient', () => {
  test('secured, for Bob, delivered to Carol: E_DECRYPT_FAILED', async () => {
    await expectRejected(agents.carol, await agents.opus.seal(agents.bob), ErrorCode.DecryptFailed);
  });

  test('open mode, for Bob, delivered to Carol: E_RECIPIENT_MISMATCH', async () => {
    await expectRejected(agents.carol, await agents.opus.seal(agents.bob, {}, 'open'), ErrorCode.RecipientMismatch);
  });

  test('open mode with the outer recipient changed to Carol: E_SIGNATURE_INVALID; re-signed by Opus: E_RECIPIENT_MISMATCH', async () => {
    const envelope = await agents.opus.seal(agents.bob, {}, 'open');
    const redirected = mutate(envelope, (copy) => {
      copy.to = { name: 'carol', fingerprint: agents.carol.identity.fingerprint };
    });
    await expectRejected(agents.carol, redirected, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(redirected, agents.opus.identity), ErrorCode.RecipientMismatch);
  });
});
