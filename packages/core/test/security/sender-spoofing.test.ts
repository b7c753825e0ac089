/**
 * T2 and T4, sender spoofing. Mallory, a peer Carol knows, signs with her own key and
 * claims to be Opus in the outer envelope and in the signed document. Only the key
 * pinned for the claimed sender may verify, never any key Carol knows.
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { sealEnvelope } from '../../src/crypto/index.js';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'bob' | 'carol' | 'mallory'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'bob', 'carol', 'mallory']);
});
afterAll(() => agents.cleanup());

describe('sender spoofing (T2, T4)', () => {
  test.each(['opus', 'bob'] as const)('outer from rewritten to %s, signed by Mallory: E_SIGNATURE_INVALID', async (victim) => {
    const genuine = await agents.mallory.seal(agents.carol, { body: `I am ${victim}` });
    const spoofed = mutate(genuine, (copy) => {
      copy.from = { name: victim, fingerprint: agents[victim].identity.fingerprint };
    });
    await expectRejected(agents.carol, spoofed, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(spoofed, agents.mallory.identity), ErrorCode.SignatureInvalid);
  });

  test('signed document and outer header both claim Opus, every signature by Mallory: E_SIGNATURE_INVALID', async () => {
    const impostor = { ...agents.mallory.identity, name: 'opus', fingerprint: agents.opus.identity.fingerprint };
    const spoofed = await sealEnvelope({ body: 'wire the money' }, { sender: impostor, recipient: agents.carol.publicKey });
    await expectRejected(agents.carol, spoofed, ErrorCode.SignatureInvalid);
    const spoofedOpen = await sealEnvelope({ body: 'wire the money' }, { sender: impostor, recipient: agents.carol.publicKey, mode: 'open' });
    await expectRejected(agents.carol, spoofedOpen, ErrorCode.SignatureInvalid);
  });

  test('the genuine sender is accepted (control)', async () => {
    await expectAccepted(agents.carol, await agents.opus.seal(agents.carol, { body: 'really opus' }));
  });
});
