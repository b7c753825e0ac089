/** Several relays for redundancy, and how auth refusals surface, against real relays. */
import { afterEach, describe, expect, it } from 'vitest';
import { createTestEnvelope } from '@skcomm/compliance-tests';
import { TransportError, type InboundEnvelope } from '@skcomm/core';
import { websocket, type WebsocketTransport } from '../src/index.js';
import { contextFor, envelopeIdOf, FAST, recordingLogger, TestRelay, testIdentities, transportFor, waitFor } from './support.js';

const relays: TestRelay[] = [];
const transports: WebsocketTransport[] = [];
afterEach(async () => {
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await Promise.all(relays.splice(0).map((relay) => relay.destroy()));
});

async function relay(options: Parameters<typeof TestRelay.start>[0] = {}): Promise<TestRelay> {
  const started = await TestRelay.start(options);
  relays.push(started);
  return started;
}

async function started<T extends WebsocketTransport>(transport: T): Promise<T> {
  transports.push(transport);
  await transport.start();
  return transport;
}

describe('several relays', () => {
  it('sends through the first relay that takes the envelope, and receives from all of them', async () => {
    const [alice, bob] = await testIdentities();
    const [first, second] = [await relay(), await relay()];
    const a = await started(transportFor(alice, [first.url, second.url]));
    const b = await started(transportFor(bob, `${first.url}, ${second.url}`));
    const viaFirst = createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint });
    expect((await a.send(viaFirst.bytes, { fingerprint: bob.fingerprint })).detail).toBe(first.url);

    await first.down();
    const health = await a.healthCheck();
    expect(health.status).toBe('degraded');
    expect(health.detail).toContain('1 of 2 relays up');
    const viaSecond = createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint });
    expect((await a.send(viaSecond.bytes, { fingerprint: bob.fingerprint })).detail).toBe(second.url);

    let arrived: InboundEnvelope[] = [];
    await waitFor(async () => (arrived = await b.receive()).length === 2, 'both envelopes');
    expect(arrived.map((inbound) => envelopeIdOf(inbound.bytes)).sort()).toEqual([viaFirst.envelopeId, viaSecond.envelopeId].sort());
    expect(arrived.map((inbound) => inbound.source).sort()).toEqual([first.url, second.url].sort());

    await second.down();
    await expect(a.send(viaSecond.bytes, { fingerprint: bob.fingerprint })).rejects.toMatchObject({ retryable: true, code: 'E_TRANSPORT_UNAVAILABLE' });
    expect((await a.healthCheck()).status).toBe('down');
  });
});

describe('auth as the transport sees it', () => {
  it('a relay that does not allow this agent fails the send as not retryable, saying 403', async () => {
    const [alice, bob, carol] = await testIdentities();
    const closed = await relay({ allow: new Set([alice.fingerprint, bob.fingerprint]) });
    const intruder = await started(transportFor(carol, closed.url));
    const failure = await intruder.send(createTestEnvelope({ from: carol.fingerprint, to: bob.fingerprint }).bytes, { fingerprint: bob.fingerprint }).catch((error: unknown) => error);
    expect(TransportError.isTransportError(failure)).toBe(true);
    expect(failure).toMatchObject({ retryable: false, transport: 'websocket' });
    expect((failure as Error).message).toContain('HTTP 403');
    expect((await intruder.healthCheck()).detail).toContain('not allowed');
  });

  it('a host that signs with the wrong key gets 401', async () => {
    const [alice, bob] = await testIdentities();
    const open = await relay();
    const aliceContext = contextFor(alice);
    // Bob's transport presenting Alice's token with Bob's key: the key is not the token's fingerprint.
    const mixed = websocket({ ...FAST, url: open.url })({
      ...contextFor(bob),
      authToken: async () => ({ token: (await aliceContext.authToken!()).token, armoredPublicKey: bob.armored }),
    });
    await started(mixed);
    await expect(mixed.send(createTestEnvelope({ from: bob.fingerprint, to: alice.fingerprint }).bytes, { fingerprint: alice.fingerprint })).rejects.toThrow(/HTTP 401/);
  });

  it('without a signing capability it connects only to a SKCOMM_DEV_AUTH relay, and says so', async () => {
    const [alice, bob] = await testIdentities();
    const logger = recordingLogger();
    const strict = await relay();
    const unsigned = await started(websocket({ ...FAST, url: strict.url })({ selfFingerprint: alice.fingerprint, logger }));
    expect(logger.lines.some((line) => line.level === 'warn' && line.message.includes('SKCOMM_DEV_AUTH'))).toBe(true);
    await expect(unsigned.send(createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint }).bytes, { fingerprint: bob.fingerprint })).rejects.toThrow(/HTTP 401/);

    const dev = await relay({ devAuth: true });
    const sender = await started(websocket({ ...FAST, url: dev.url })({ selfFingerprint: alice.fingerprint, logger }));
    const receiver = await started(websocket({ ...FAST, url: dev.url })({ selfFingerprint: bob.fingerprint, logger }));
    const envelope = createTestEnvelope({ from: alice.fingerprint, to: bob.fingerprint });
    await sender.send(envelope.bytes, { fingerprint: bob.fingerprint });
    let arrived: InboundEnvelope[] = [];
    await waitFor(async () => (arrived = await receiver.receive()).length === 1, 'the envelope');
    expect(envelopeIdOf(arrived[0]!.bytes)).toBe(envelope.envelopeId);
  });
});
