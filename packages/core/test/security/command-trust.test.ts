/**
 * T12, remote commands. A `command` runs only from a peer trusted >= `trusted`, only
 * through a handler the user registered for its verb, only while fresh (created at most
 * 5 minutes ago: E_STALE) and only once; anything else reaches neither the inbox nor a
 * handler. Unknown types are delivered, never run.
 */
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ErrorCode, type TrustLevel } from '../../src/index.js';
import type { CommandHandler } from '../../src/receive/index.js';
import { inboundEnvelope, makeTestAgents, type TestAgents } from '../../src/testing/index.js';
import { expectAccepted, expectRejected } from '../helpers/outcomes.js';

let agents: TestAgents<'opus' | 'carol'>;

beforeAll(async () => {
  agents = await makeTestAgents(['opus', 'carol']);
});
afterAll(() => agents.cleanup());

const statusCommand = { type: 'command', body: '{"verb":"status","args":{}}', contentType: 'application/json' };

function handlers(handler: CommandHandler): Map<string, CommandHandler> {
  return new Map([['status', handler]]);
}

describe('command trust (T12)', () => {
  const matrix: Array<[TrustLevel, boolean, 'accepted' | 'denied']> = [
    ['untrusted', true, 'denied'],
    ['verified', true, 'denied'],
    ['trusted', true, 'accepted'],
    ['sovereign', true, 'accepted'],
    ['trusted', false, 'denied'],
    ['sovereign', false, 'denied'],
  ];

  test.each(matrix)('from a %s peer, handler registered: %s -> %s', async (trust, registered, expected) => {
    await agents.carol.peers.setTrust('opus', trust);
    const handler = vi.fn();
    const options = registered ? { commandHandlers: handlers(handler) } : {};
    const envelope = await agents.opus.seal(agents.carol, statusCommand);
    if (expected === 'accepted') {
      const outcome = await expectAccepted(agents.carol, envelope, options);
      expect(handler).toHaveBeenCalledTimes(1);
      expect(handler).toHaveBeenCalledWith(outcome.message, { verb: 'status' });
    } else {
      await expectRejected(agents.carol, envelope, ErrorCode.TrustDenied, options);
      expect(handler).not.toHaveBeenCalled();
    }
  });

  const minutes = 60_000;
  test.each([
    [4, 'accepted'],
    [6, 'stale'],
    [60, 'stale'],
  ] as const)('a command created %i minutes ago by a trusted peer with a handler -> %s', async (age, expected) => {
    await agents.carol.peers.setTrust('opus', 'trusted');
    const handler = vi.fn();
    const envelope = await agents.opus.seal(agents.carol, { ...statusCommand, createdAt: new Date(Date.now() - age * minutes), ttlSeconds: 3600 * 24 });
    if (expected === 'accepted') {
      await expectAccepted(agents.carol, envelope, { commandHandlers: handlers(handler) });
      expect(handler).toHaveBeenCalledTimes(1);
    } else {
      const rejection = await expectRejected(agents.carol, envelope, ErrorCode.Stale, { commandHandlers: handlers(handler) });
      expect(rejection.error.field).toBe('document.created_at');
      expect(handler).not.toHaveBeenCalled();
    }
  });

  test('a command is sealed with a 5-minute ttl unless one is given; other types keep the 7-day default', async () => {
    expect((await agents.opus.seal(agents.carol, statusCommand)).routing.ttl_seconds).toBe(300);
    expect((await agents.opus.seal(agents.carol, { ...statusCommand, ttlSeconds: 900 })).routing.ttl_seconds).toBe(900);
    expect((await agents.opus.seal(agents.carol, { type: 'message', body: 'hi', contentType: 'text/plain' })).routing.ttl_seconds).toBe(7 * 24 * 3600);
  });

  test('a replayed command runs once', async () => {
    await agents.carol.peers.setTrust('opus', 'trusted');
    const handler = vi.fn();
    const pipeline = agents.carol.pipeline({ commandHandlers: handlers(handler) });
    const envelope = await agents.opus.seal(agents.carol, statusCommand);
    expect((await pipeline.process(inboundEnvelope(envelope))).status).toBe('accepted');
    expect((await pipeline.process(inboundEnvelope(envelope))).status).toBe('duplicate');
    expect(handler).toHaveBeenCalledTimes(1);
  });

  test.each(['not json', '{"args":{}}', '{"verb":"../../bin/sh"}', '{"verb":42}'])('a command body %j without a valid verb is denied', async (body) => {
    await agents.carol.peers.setTrust('opus', 'sovereign');
    const handler = vi.fn();
    await expectRejected(agents.carol, await agents.opus.seal(agents.carol, { ...statusCommand, body }), ErrorCode.TrustDenied, {
      commandHandlers: handlers(handler),
    });
    expect(handler).not.toHaveBeenCalled();
  });

  test('an unknown type is delivered from any peer and never executed', async () => {
    await agents.carol.peers.setTrust('opus', 'untrusted');
    const handler = vi.fn();
    const outcome = await expectAccepted(agents.carol, await agents.opus.seal(agents.carol, { ...statusCommand, type: 'exec' }), {
      commandHandlers: new Map([['status', handler], ['exec', handler]]),
    });
    expect(outcome.message.trust).toBe('untrusted');
    expect(handler).not.toHaveBeenCalled();
  });

  test('a failing handler does not undo the accepted command', async () => {
    await agents.carol.peers.setTrust('opus', 'trusted');
    const handler = vi.fn(() => {
      throw new Error('handler crashed');
    });
    await expectAccepted(agents.carol, await agents.opus.seal(agents.carol, statusCommand), { commandHandlers: handlers(handler) });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
