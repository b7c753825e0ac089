/** An envelope from a key Carol never pinned is rejected before any cryptography runs. */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectRejected } from '../helpers/outcomes.js';
import { mutate } from '../helpers/tamper.js';

let agents: TestAgents<'carol' | 'dave'>;

beforeAll(async () => {
  agents = await makeTestAgents(['carol', 'dave'], { connect: false });
});
afterAll(() => agents.cleanup());

describe('unknown sender', () => {
  test('a validly signed envelope from an unpinned key: E_UNKNOWN_SENDER', async () => {
    await expectRejected(agents.carol, await agents.dave.seal(agents.carol), ErrorCode.UnknownSender);
    await expectRejected(agents.carol, await agents.dave.seal(agents.carol, {}, 'open'), ErrorCode.UnknownSender);
  });

  test('a 16-hex key id instead of a fingerprint is not an identity: E_ENVELOPE_INVALID', async () => {
    const envelope = await agents.dave.seal(agents.carol);
    const keyId = mutate(envelope, (copy) => void (copy.from.fingerprint = copy.from.fingerprint.slice(-16)));
    await expectRejected(agents.carol, keyId, ErrorCode.EnvelopeInvalid);
  });
});
