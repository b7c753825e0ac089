/** send() errors, backpressure from a full receive queue, and many chunked envelopes at once under flow control. */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@skcomm/core';
import type { WebrtcTransport } from '../src/webrtc-transport.js';
import { type Broker, startBroker, testIdentities, transportFor, waitFor } from './support.js';

let broker: Broker | undefined;
const transports: WebrtcTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await broker?.destroy();
  broker = undefined;
});

async function pair(init: Parameters<typeof transportFor>[2] = {}, receiverInit: Parameters<typeof transportFor>[2] = {}) {
  const [alice, bob] = await testIdentities();
  broker = await startBroker();
  const a = transportFor(alice!, broker.url, init);
  const b = transportFor(bob!, broker.url, receiverInit);
  transports.push(a, b);
  await Promise.all([a.start(), b.start()]);
  return { a, b, alice: alice!, bob: bob! };
}

const envelope = (id: string, padding = 0) => Buffer.from(JSON.stringify({ envelope_id: id, pad: randomBytes(padding).toString('base64') }));

describe('send', () => {
  it('refuses bad targets without retry, and an unreachable peer at once with a retryable error', async () => {
    const { a, alice } = await pair();
    const [, , carol] = await testIdentities();
    await expect(a.send(envelope('x'), { fingerprint: 'not-a-fingerprint' })).rejects.toMatchObject({ retryable: false, transport: 'webrtc' });
    await expect(a.send(envelope('x'), { fingerprint: alice.fingerprint })).rejects.toMatchObject({ retryable: false });
    const started = Date.now();
    await expect(a.send(envelope('x'), { fingerprint: carol!.fingerprint })).rejects.toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
    // The broker says carol is not connected: no waiting for the connect timeout.
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('acknowledges only what fits the receive queue: the next send waits until the receiver commits', async () => {
    const { a, b, bob } = await pair({}, { maxQueuedEnvelopes: 2 });
    await a.send(envelope('one'), { fingerprint: bob.fingerprint });
    await a.send(envelope('two'), { fingerprint: bob.fingerprint });
    let thirdDone = false;
    const third = a.send(envelope('three'), { fingerprint: bob.fingerprint }).then(() => (thirdDone = true));
    await waitFor(async () => (await b.receive()).length === 3, 'the third envelope to be queued');
    expect(thirdDone).toBe(false);
    const [first] = await b.receive({ limit: 1 });
    await first!.commit();
    await third;
    expect(thirdDone).toBe(true);
  });

  it('carries 40 envelopes of 200 KiB sent at once, chunked, through a small window', async () => {
    const { a, b, bob } = await pair({ maxInflightEnvelopes: 4, chunkBytes: 8_192 });
    const sent = Array.from({ length: 40 }, (_, index) => envelope(`big-${index}`, 150_000));
    await Promise.all(sent.map((bytes) => a.send(bytes, { fingerprint: bob.fingerprint })));
    const arrived = new Map<string, Buffer>();
    await waitFor(async () => {
      for (const inbound of await b.receive()) {
        arrived.set(JSON.parse(Buffer.from(inbound.bytes).toString('utf8')).envelope_id, Buffer.from(inbound.bytes));
        await inbound.commit();
      }
      return arrived.size === sent.length;
    }, 'all 40 envelopes');
    sent.forEach((bytes, index) => expect(arrived.get(`big-${index}`)?.equals(bytes)).toBe(true));
  });

  it('reports the link in healthCheck() and connections(): open, with a measured RTT', async () => {
    const { a, bob } = await pair();
    await a.send(envelope('ping me'), { fingerprint: bob.fingerprint });
    await waitFor(() => a.connections()[0]?.rttMs !== undefined, 'a first RTT');
    const health = await a.healthCheck();
    expect(health).toMatchObject({ status: 'up', detail: expect.stringContaining('1 peer link(s) open') });
    expect(health.latencyMs).toBeGreaterThanOrEqual(0);
  });
});

describe('incoming offers', () => {
  it('ignores offers beyond maxLinks, so strangers cannot make it open connections without bound', async () => {
    const [alice, bob, carol] = await testIdentities();
    broker = await startBroker();
    const b = transportFor(bob!, broker.url, { maxLinks: 1 });
    const a = transportFor(alice!, broker.url);
    const c = transportFor(carol!, broker.url, { connectTimeoutMs: 1_000 });
    transports.push(a, b, c);
    await Promise.all([a.start(), b.start(), c.start()]);
    await a.send(envelope('first'), { fingerprint: bob!.fingerprint });
    await expect(c.send(envelope('second'), { fingerprint: bob!.fingerprint })).rejects.toMatchObject({ retryable: true });
    expect(b.connections().map((link) => link.peer)).toEqual([alice!.fingerprint]);
  });
});
