/**
 * T7 and T8, replay. A delivered envelope re-injected later, on another transport,
 * after a restart, or with its unsigned routing changed is never delivered again; an
 * envelope under a new id breaks the signatures. Garbage carrying a victim's id first
 * does not poison the seen-set.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgent, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'carol' | 'mallory'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol', 'mallory']);
});
afterAll(() => agents.cleanup());

async function expectReplayRefused(agent: TestAgent, input: Parameters<typeof inboundEnvelope>[0], transport = 'memory'): Promise<void> {
  const inboxBefore = (await agent.inbox.list()).length;
  const inbound = inboundEnvelope(input, { transport });
  const outcome = await agent.pipeline().process(inbound);
  expect(outcome.status).toBe('duplicate');
  expect(outcome.status === 'duplicate' && outcome.error.code).toBe(ErrorCode.Replay);
  expect((await agent.inbox.list()).length).toBe(inboxBefore);
  expect(inbound.commits).toBe(1);
}

describe('replay (T7, T8)', () => {
  test('a delivered envelope replayed at once, and over another transport: E_REPLAY, not delivered again', async () => {
    const envelope = await agents.opus.seal(agents.carol);
    await expectAccepted(agents.carol, envelope);
    await expectReplayRefused(agents.carol, envelope);
    await expectReplayRefused(agents.carol, envelope, 'nostr');
  });

  test('replayed after a restart (every store re-opened from disk): E_REPLAY', async () => {
    const envelope = await agents.opus.seal(agents.carol);
    await expectAccepted(agents.carol, envelope);
    const restarted = await agents.carol.restart();
    await expectReplayRefused(restarted, envelope);
  });

  test('replayed with the unsigned routing changed (retry_count, transports): E_REPLAY', async () => {
    const envelope = await agents.opus.seal(agents.carol);
    await expectAccepted(agents.carol, envelope);
    const rerouted = mutate(envelope, (copy) => {
      copy.routing.retry_count = 3;
      copy.routing.priority_transports = ['email'];
    });
    await expectReplayRefused(agents.carol, rerouted);
  });

  test('replayed under a new envelope id: E_SIGNATURE_INVALID; even re-signed by the sender: E_HEADER_MISMATCH', async () => {
    const envelope = await agents.opus.seal(agents.carol);
    await expectAccepted(agents.carol, envelope);
    const renamed = mutate(envelope, (copy) => {
      copy.envelope_id = '0f0e0d0c-0b0a-4908-8706-050403020100';
    });
    await expectRejected(agents.carol, renamed, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(renamed, agents.opus.identity), ErrorCode.HeaderMismatch);
  });

  test('garbage carrying the victim id first does not stop the genuine envelope (dedup poisoning)', async () => {
    const genuine = await agents.opus.seal(agents.carol, { body: 'the real one' });
    const poison = mutate(await agents.mallory.seal(agents.carol, { envelopeId: genuine.envelope_id, body: 'poison' }), (copy) => {
      copy.from = genuine.from;
    });
    await expectRejected(agents.carol, poison, ErrorCode.SignatureInvalid);
    const outcome = await expectAccepted(agents.carol, genuine);
    expect(outcome.message.body).toBe('the real one');
  });

  test("another sender's envelope with the same id is its own message (replay is keyed by sender + id)", async () => {
    const fromOpus = await agents.opus.seal(agents.carol);
    await expectAccepted(agents.carol, fromOpus);
    const fromMallory = await agents.mallory.seal(agents.carol, { envelopeId: fromOpus.envelope_id });
    await expectAccepted(agents.carol, fromMallory);
  });
});
