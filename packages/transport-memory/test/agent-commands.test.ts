/**
 * Remote commands through whole agents (DESIGN §2, threat model T12): a command runs once,
 * through the handler the receiving agent registered for its verb, only from a peer it
 * trusts `trusted` or more and only while fresh; every other command is refused with a
 * typed code, quarantined, and reaches neither a handler nor the inbox.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@skcomm/core';
import { Agent, type CommandHandler } from '@skcomm/core/agent';
import { makeTestAgents, type TestAgents } from '@skcomm/core/testing';
import { memory, MemoryNetwork } from '../src/index.js';

let agents: TestAgents<'alice' | 'bob'> | undefined;
const opened: Agent[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((agent) => agent.close()));
  await agents?.cleanup();
  agents = undefined;
});

async function setUp(handlers: ReadonlyMap<string, CommandHandler>) {
  agents = await makeTestAgents(['alice', 'bob']);
  const network = new MemoryNetwork({ seed: 3 });
  const open = async (test: TestAgents<'alice' | 'bob'>['alice'], commandHandlers?: ReadonlyMap<string, CommandHandler>) => {
    const transport = memory({ network })({ selfFingerprint: test.identity.fingerprint, logger: silentLogger });
    const agent = await Agent.open({ home: test.home, passphrase: async () => test.passphrase, transports: [transport], ...(commandHandlers ? { commandHandlers } : {}) });
    await agent.activeTransports();
    opened.push(agent);
    return agent;
  };
  return { alice: await open(agents.alice), bob: await open(agents.bob, handlers) };
}

const status = (createdAt = new Date()) => ({ type: 'command', contentType: 'application/json', body: '{"verb":"status","args":{"verbose":true}}', createdAt, ttlSeconds: 3600 });

describe('remote commands between agents', () => {
  it('run once through the registered handler, from a trusted peer, while fresh', async () => {
    const handler = vi.fn<CommandHandler>();
    const { alice, bob } = await setUp(new Map([['status', handler]]));
    await agents!.bob.peers.setTrust('alice', 'trusted');
    const { envelopeId } = await alice.send('bob', status());
    const received = await bob.receive();
    expect(received.messages.map((message) => message.envelopeId)).toEqual([envelopeId]);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]?.[1]).toEqual({ verb: 'status' });
    expect(handler.mock.calls[0]?.[0]).toMatchObject({ envelopeId, type: 'command', trust: 'trusted' });
    // Acked like any message.
    await alice.receive();
    expect((await alice.outbox()).get(envelopeId)?.state).toBe('delivered');
  });

  it('are refused with a typed code from a peer not trusted enough, without a handler, or when stale', async () => {
    const handler = vi.fn<CommandHandler>();
    const { alice, bob } = await setUp(new Map([['status', handler]]));
    await agents!.bob.peers.setTrust('alice', 'verified');
    await alice.send('bob', status());
    const fromVerified = await bob.receive();
    await agents!.bob.peers.setTrust('alice', 'trusted');
    await alice.send('bob', { ...status(), body: '{"verb":"reboot"}' });
    await alice.send('bob', status(new Date(Date.now() - 6 * 60_000)));
    const fromTrusted = await bob.receive();
    expect([...fromVerified.messages, ...fromTrusted.messages]).toEqual([]);
    expect(fromVerified.rejected.map((rejection) => rejection.code)).toEqual(['E_TRUST_DENIED']);
    expect(fromTrusted.rejected.map((rejection) => rejection.code).sort()).toEqual(['E_STALE', 'E_TRUST_DENIED']);
    expect(handler).not.toHaveBeenCalled();
    expect(await bob.unread()).toEqual([]);
  });
});
