/**
 * T15, tampered header. Every signed outer field changed on the wire breaks the detached
 * signature; changed and re-signed by the sender's own key (so the outer layer cannot
 * help) it no longer matches the encrypted signed document. The unsigned routing may
 * change in transit and is never surfaced.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Envelope, ErrorCode } from '../../src/index.js';
import { makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';
import { mutate, resign } from '../helpers/tamper.js';

let agents: TestAgents<'opus' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol']);
});
afterAll(() => agents.cleanup());

const draft = { body: 'the plan', threadId: 'thread-7', inReplyTo: 'message-6', urgency: 'normal' as const, contentType: 'text/plain' };

const signedFieldChanges: Array<[string, (copy: Envelope) => void]> = [
  ['from.name', (copy) => void (copy.from.name = 'opus-the-great')],
  ['to.name', (copy) => void (copy.to.name = 'someone-else')],
  ['payload.type', (copy) => void (copy.payload.type = 'command')],
  ['metadata.content_type', (copy) => void (copy.metadata.content_type = 'application/json')],
  ['metadata.urgency', (copy) => void (copy.metadata.urgency = 'critical')],
  ['metadata.thread_id', (copy) => void (copy.metadata.thread_id = 'thread-8')],
  ['metadata.in_reply_to', (copy) => void (copy.metadata.in_reply_to = 'message-5')],
  ['timestamp', (copy) => void (copy.timestamp = new Date(Date.parse(copy.timestamp) + 1000).toISOString())],
];

describe('tampered header (T15)', () => {
  test.each(signedFieldChanges)('%s changed in transit: E_SIGNATURE_INVALID', async (_field, change) => {
    const envelope = await agents.opus.seal(agents.carol, draft);
    await expectRejected(agents.carol, mutate(envelope, change), ErrorCode.SignatureInvalid);
  });

  test.each(signedFieldChanges)('%s changed and re-signed by the sender: E_HEADER_MISMATCH naming it', async (field, change) => {
    const envelope = await agents.opus.seal(agents.carol, draft);
    const outcome = await expectRejected(agents.carol, await resign(mutate(envelope, change), agents.opus.identity), ErrorCode.HeaderMismatch);
    expect(outcome.error.field).toBe(field);
  });

  test('metadata.thread_id removed: E_SIGNATURE_INVALID, re-signed: E_HEADER_MISMATCH', async () => {
    const envelope = await agents.opus.seal(agents.carol, draft);
    const stripped = mutate(envelope, (copy) => void delete copy.metadata.thread_id);
    await expectRejected(agents.carol, stripped, ErrorCode.SignatureInvalid);
    await expectRejected(agents.carol, await resign(stripped, agents.opus.identity), ErrorCode.HeaderMismatch);
  });

  test('an unknown top-level field added in transit: E_SIGNATURE_INVALID', async () => {
    const envelope = await agents.opus.seal(agents.carol, draft);
    await expectRejected(agents.carol, { ...envelope, priority_override: 'critical' } as Envelope, ErrorCode.SignatureInvalid);
  });

  test('routing changed in transit is accepted and never surfaced: the signed ttl counts', async () => {
    const envelope = await agents.opus.seal(agents.carol, { ...draft, ttlSeconds: 3600 });
    const rerouted = mutate(envelope, (copy) => {
      copy.routing = { priority_transports: ['email'], fallback_transports: ['dns'], retry_count: 4, max_retries: 9, ttl_seconds: 30 * 24 * 3600 };
    });
    const outcome = await expectAccepted(agents.carol, rerouted);
    expect(outcome.message.ttlSeconds).toBe(3600);
    expect(outcome.message).toMatchObject({ threadId: 'thread-7', inReplyTo: 'message-6', urgency: 'normal', contentType: 'text/plain' });
  });
});
