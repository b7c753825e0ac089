/**
 * The agent's delivery path end to end over real homes: durable outbox, honest states,
 * signed acks, retries with backoff, dead letters, expiry, exactly-once to the inbox.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { agentPair, type AgentPair } from '../helpers/agents.js';

let pair: AgentPair;
afterEach(async () => {
  await pair?.cleanup();
});

/** Polls `check` until it returns true; bounded by attempts, never by assumed speed. */
async function until(check: () => Promise<boolean>, what: string, attempts = 500): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Agent delivery', () => {
  test('send is durable and handed off, the ack makes it delivered, the inbox has it once', async () => {
    pair = await agentPair();
    const { alice, bob } = pair;
    const { envelopeId, report } = await alice.send('bob', { body: 'hello bob' });
    expect(report).toMatchObject({ state: 'handed-off', transport: 'loop' });
    expect((await alice.outbox()).get(envelopeId)).toMatchObject({ state: 'handed-off', via: 'loop' });

    const received = await bob.receive();
    expect(received.messages.map((message) => message.body)).toEqual(['hello bob']);
    const acked = await alice.receive();
    expect(acked).toMatchObject({ acks: 1, messages: [], rejected: [] });
    expect((await alice.outbox()).get(envelopeId)).toMatchObject({ state: 'delivered', via: 'loop' });
    expect((await bob.unread()).map((message) => message.envelopeId)).toEqual([envelopeId]);
  });

  test('send --wait: the report says delivered once the ack came back', async () => {
    pair = await agentPair();
    const { alice, bob } = pair;
    const stop = new AbortController();
    const receiving = (async () => {
      while (!stop.signal.aborted) {
        await bob.receive();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const { report } = await alice.send('bob', { body: 'wait for me' }, { waitMs: 30_000 });
    stop.abort();
    await receiving;
    expect(report.state).toBe('delivered');
    expect(report.reason).toMatch(/^acked via loop/);
  });

  test('duplicates are re-acked, never re-delivered; a lost ack is answered by a retry', async () => {
    pair = await agentPair();
    const { alice, bob, bobTransport } = pair;
    bobTransport.drop = () => true; // every ack Bob sends is lost
    const { envelopeId } = await alice.send('bob', { body: 'once only' });
    await bob.receive();
    await until(async () => (await alice.retryDue()) > 0, 'a retry');
    const second = await bob.receive();
    expect(second).toMatchObject({ messages: [], duplicates: 1 });
    bobTransport.drop = undefined;
    await until(async () => {
      await alice.retryDue();
      await bob.receive();
      await alice.receive();
      return (await alice.outbox()).get(envelopeId)?.state === 'delivered';
    }, 'the ack');
    expect((await bob.unread()).length).toBe(1);
  });

  test('every transport down: queued with a retry time, then handed off by a retry', async () => {
    pair = await agentPair();
    const { alice, aliceTransport } = pair;
    aliceTransport.down = true;
    const { envelopeId, report } = await alice.send('bob', { body: 'later' });
    expect(report.state).toBe('queued');
    expect(report.next_attempt_at).toBeDefined();
    expect((await alice.outbox()).get(envelopeId)).toMatchObject({ state: 'queued', retryCount: 1, transports: { loop: { outcome: 'skipped', detail: 'not available' } } });
    aliceTransport.down = false;
    await until(async () => {
      await alice.retryDue();
      return (await alice.outbox()).get(envelopeId)?.state === 'handed-off';
    }, 'the retry');
  });

  test('out of retries: a dead letter with its reason, kept and listed; outbox retry revives it', async () => {
    pair = await agentPair();
    const { alice, aliceTransport } = pair;
    aliceTransport.down = true;
    const { envelopeId } = await alice.send('bob', { body: 'doomed', maxRetries: 2 });
    await until(async () => {
      await alice.retryDue();
      return (await alice.outbox()).get(envelopeId)?.state === 'dead';
    }, 'the dead letter');
    const dead = (await alice.outbox()).get(envelopeId);
    expect(dead?.reason).toMatch(/^out of retries after 2 \(last round: loop: not available\)$/);
    expect((await alice.outbox()).list().map((entry) => entry.envelopeId)).toContain(envelopeId);
    aliceTransport.down = false;
    const report = await alice.retryNow(envelopeId);
    expect(report.state).toBe('handed-off');
  });

  test('a message whose ttl passed expires with a reason instead of being sent', async () => {
    pair = await agentPair();
    const { alice, aliceTransport } = pair;
    aliceTransport.down = true;
    const { envelopeId } = await alice.send('bob', { body: 'short-lived', ttlSeconds: 1, createdAt: new Date(Date.now() - 5000) });
    await alice.retryDue();
    await until(async () => {
      await alice.retryDue();
      return (await alice.outbox()).get(envelopeId)?.state === 'expired';
    }, 'expiry');
    expect((await alice.outbox()).get(envelopeId)?.reason).toMatch(/ttl of 1 s passed without an ack/);
  });

  test('a restarted agent finds the pending message and delivers it', async () => {
    pair = await agentPair();
    const { alice, aliceTransport, bob } = pair;
    aliceTransport.down = true;
    const { envelopeId } = await alice.send('bob', { body: 'survives a restart' });
    await alice.close();
    aliceTransport.down = false;
    const { Agent } = await import('../../src/agent/index.js');
    const { silentLogger } = await import('../../src/transport/contract.js');
    const reopened = await Agent.open({
      home: pair.testAgents.alice.home,
      passphrase: async () => pair.testAgents.alice.passphrase,
      logger: silentLogger,
      transports: [aliceTransport],
    });
    try {
      await until(async () => (await reopened.retryDue()) > 0, 'the retry after restart');
      expect((await bob.receive()).messages.map((message) => message.envelopeId)).toEqual([envelopeId]);
      await reopened.receive();
      expect((await reopened.outbox()).get(envelopeId)?.state).toBe('delivered');
    } finally {
      await reopened.close();
    }
  });
});
