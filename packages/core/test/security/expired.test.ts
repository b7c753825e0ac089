/**
 * T11/T22, expiry. Freshness comes from the signed created_at and ttl: the unsigned
 * routing ttl and a rewritten outer timestamp cannot extend a message's life.
 */
import { afterAll, beforeAll, describe, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol']);
});
afterAll(() => agents.cleanup());

const twoMinutesAgo = () => new Date(Date.now() - 120_000);

describe('expired envelope', () => {
  test('created two minutes ago with a 60 s ttl: E_EXPIRED', async () => {
    await expectRejected(agents.carol, await agents.opus.seal(agents.carol, { createdAt: twoMinutesAgo(), ttlSeconds: 60 }), ErrorCode.Expired);
  });

  test('the same with a 300 s ttl is accepted (control)', async () => {
    await expectAccepted(agents.carol, await agents.opus.seal(agents.carol, { createdAt: twoMinutesAgo(), ttlSeconds: 300 }));
  });

  test('a longer routing ttl does not help: E_EXPIRED', async () => {
    const envelope = await agents.opus.seal(agents.carol, { createdAt: twoMinutesAgo(), ttlSeconds: 60 });
    await expectRejected(agents.carol, mutate(envelope, (copy) => void (copy.routing.ttl_seconds = 30 * 24 * 3600)), ErrorCode.Expired);
  });

  test('a refreshed outer timestamp: E_SIGNATURE_INVALID, re-signed by the sender: E_HEADER_MISMATCH', async () => {
    const envelope = await agents.opus.seal(agents.carol, { createdAt: twoMinutesAgo(), ttlSeconds: 60 });
    const refreshed = mutate(envelope, (copy) => void (copy.timestamp = new Date().toISOString()));
    await expectRejected(agents.carol, refreshed, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(refreshed, agents.opus.identity), ErrorCode.HeaderMismatch);
  });

  test('a replay of an expired, once-delivered envelope is rejected as expired', async () => {
    const createdAt = twoMinutesAgo();
    const envelope = await agents.opus.seal(agents.carol, { createdAt, ttlSeconds: 150 });
    await expectAccepted(agents.carol, envelope);
    await expectRejected(agents.carol, envelope, ErrorCode.Expired, { now: () => new Date(createdAt.getTime() + 151_000) });
  });
});
