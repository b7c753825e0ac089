/** Reconnect and resume against a real relay that is stopped and started again. */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEnvelope } from '@skcomm/compliance-tests';
import { TransportError, type InboundEnvelope } from '@skcomm/core';
import type { WebsocketTransport } from '../src/index.js';
import { envelopeIdOf, TestRelay, testIdentities, transportFor, waitFor } from './support.js';

let relay: TestRelay | undefined;
const transports: WebsocketTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await relay?.destroy();
  relay = undefined;
});

async function started(...list: WebsocketTransport[]): Promise<void> {
  transports.push(...list);
  await Promise.all(list.map((transport) => transport.start()));
}

describe('reconnect and resume', () => {
  it('after a relay restart, uncommitted deliveries come back once and committed ones never', async () => {
    const [alice, bob] = await testIdentities();
    relay = await TestRelay.start();
    const a = transportFor(alice, relay.url);
    const b = transportFor(bob, relay.url);
    await started(a, b);
    const envelopes = Array.from({ length: 5 }, () => createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint }));
    for (const envelope of envelopes) await a.send(envelope.bytes, { fingerprint: bob.fingerprint });
    let arrived: InboundEnvelope[] = [];
    await waitFor(async () => (arrived = await b.receive()).length === 5, 'five envelopes');
    const committed = arrived.slice(0, 2);
    for (const inbound of committed) await inbound.commit();
    await waitFor(() => relay!.current.mailbox.stats().messages === 3, 'the two acknowledgements to reach the relay');

    await relay.down();
    await relay.up();
    // b reconnects on its own (no send, no health check) and the relay redelivers what was not acknowledged.
    await waitFor(() => relay!.current.metrics.connectionsCurrent === 2, 'both clients to reconnect');
    await waitFor(() => relay!.current.metrics.envelopesDelivered >= 3, 'the redelivery');
    const again = await b.receive();
    const ids = again.map((inbound) => envelopeIdOf(inbound.bytes)).sort();
    expect(ids).toEqual(envelopes.slice(2).map((envelope) => envelope.envelopeId).sort());
    for (const inbound of again) await inbound.commit();
    await waitFor(() => relay!.current.mailbox.stats().messages === 0, 'an empty mailbox');
  });

  it('an envelope sent while the recipient is offline is there on its first poll after connecting', async () => {
    const [alice, bob] = await testIdentities();
    relay = await TestRelay.start();
    const a = transportFor(alice, relay.url);
    await started(a);
    const envelope = createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint });
    expect(await a.send(envelope.bytes, { fingerprint: bob.fingerprint })).toEqual({ transport: 'websocket', detail: relay.url });
    await relay.down();
    await relay.up();
    const b = transportFor(bob, relay.url);
    await started(b);
    // One poll right after start(), as `skcomm receive` does: it waits for the connection
    // and the relay's first batch.
    const arrived = await b.receive();
    expect(arrived.map((inbound) => envelopeIdOf(inbound.bytes))).toEqual([envelope.envelopeId]);
  });

  it('restarting the relay mid-stream loses nothing when the sender retries what failed', async () => {
    const [alice, bob] = await testIdentities();
    relay = await TestRelay.start();
    const a = transportFor(alice, relay.url, { sendTimeoutMs: 2_000 });
    const b = transportFor(bob, relay.url);
    await started(a, b);
    const received = new Map<string, number>();
    b.subscribe(async (inbound) => {
      const id = envelopeIdOf(inbound.bytes) ?? 'unidentifiable';
      received.set(id, (received.get(id) ?? 0) + 1);
      await inbound.commit();
    });
    const total = 300;
    const envelopes = Array.from({ length: total }, () => createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint }));
    let failures = 0;
    const sending = (async () => {
      for (const envelope of envelopes) {
        // The router's outbox does this: a retryable failure means "try again later".
        for (;;) {
          try {
            await a.send(envelope.bytes, { fingerprint: bob.fingerprint });
            break;
          } catch (error) {
            if (!TransportError.isTransportError(error) || !error.retryable) throw error;
            failures++;
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      }
    })();
    for (let restart = 0; restart < 3; restart++) {
      await waitFor(() => received.size >= (restart + 1) * 60, `progress before restart ${restart + 1}`);
      await relay.down();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await relay.up();
    }
    await sending;
    await waitFor(() => received.size === total, `all ${total} envelopes`, 20_000);
    expect([...received.keys()].sort()).toEqual(envelopes.map((envelope) => envelope.envelopeId).sort());
    expect(failures).toBeGreaterThan(0);
    await waitFor(() => relay!.current.mailbox.stats().messages === 0, 'an empty mailbox');
  });
});
