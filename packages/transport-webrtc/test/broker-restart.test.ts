/**
 * The signaling broker goes away: a negotiation it cuts fails at once (not at
 * connectTimeoutMs) on both sides, open links carry on without it, and after it comes
 * back both sides converge on one link, even in glare with a stale offer of ours.
 */
import { ErrorCode } from '@skcomm/core';
import type { IdentityHandle } from '@skcomm/core/crypto';
import { RTCPeerConnection } from 'werift';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWebrtcOptions } from '../src/config.js';
import { peerConnectionConfig, withholdDefaultStun } from '../src/ice-config.js';
import { decodeSignalMessage, encodeSignalMessage, SIGNAL_TYPE } from '../src/signal-message.js';
import type { SignalingClient } from '../src/signaling-client.js';
import type { WebrtcTransport } from '../src/webrtc-transport.js';
import { type Broker, signalingOnly, startBroker, testIdentities, transportFor, waitFor } from './support.js';

/** Far beyond anything these tests wait for: a link that waits it out fails the test (its timeout is 30 s). */
const CONNECT_TIMEOUT_MS = 60_000;

let broker: Broker | undefined;
const transports: WebrtcTransport[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await Promise.all(transports.splice(0).map((transport) => transport.stop()));
  await broker?.destroy();
  broker = undefined;
});

const envelope = (id: string) => Buffer.from(JSON.stringify({ envelope_id: id }));
const idsOf = async (transport: WebrtcTransport) => {
  const ids: string[] = [];
  for (const inbound of await transport.receive()) {
    ids.push(JSON.parse(Buffer.from(inbound.bytes).toString('utf8')).envelope_id);
    await inbound.commit();
  }
  return ids.sort();
};

async function started(identity: IdentityHandle): Promise<WebrtcTransport> {
  const transport = transportFor(identity, broker!.url, { connectTimeoutMs: CONNECT_TIMEOUT_MS });
  transports.push(transport);
  await transport.start();
  return transport;
}

async function silentPeer(identity: IdentityHandle, onSignal: (sender: string, payload: Uint8Array) => void): Promise<SignalingClient> {
  const client = await signalingOnly(identity, broker!.url, onSignal);
  cleanups.push(() => client.stop());
  return client;
}

/** The two identities ordered by fingerprint: in glare, the lower one's offer wins. */
async function lowerAndHigher(): Promise<[IdentityHandle, IdentityHandle]> {
  const [alice, bob] = await testIdentities();
  return alice!.fingerprint < bob!.fingerprint ? [alice!, bob!] : [bob!, alice!];
}

describe('the signaling broker goes away', () => {
  it('fails a send whose offer the broker took before it stopped at once, retryably; once it is back the next send connects', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const a = await started(alice!);
    let brokerStopped: Promise<void> | undefined;
    // Bob's signaling connection takes the offer, and the broker stops before anything answers it.
    const silentBob = await silentPeer(bob!, (_, payload) => {
      expect(decodeSignalMessage(payload).kind).toBe('offer');
      brokerStopped ??= broker!.stop();
    });
    const sentAt = Date.now();
    await expect(a.send(envelope('cut'), { fingerprint: bob!.fingerprint })).rejects.toMatchObject({
      retryable: true,
      code: ErrorCode.TransportUnavailable,
      message: expect.stringContaining('signaling broker connection closed'),
    });
    expect(Date.now() - sentAt).toBeLessThan(CONNECT_TIMEOUT_MS / 2);
    expect(brokerStopped).toBeDefined();
    expect(a.connections()).toEqual([]);
    await brokerStopped;
    await silentBob.stop();
    await broker.start();
    const b = await started(bob!);
    await a.send(envelope('after'), { fingerprint: bob!.fingerprint });
    expect(await idsOf(b)).toEqual(['after']);
  });

  it('drops an answering link at once when the broker stops after taking its answer', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const b = await started(bob!);
    // Alice is a bare peer connection that offers and never takes the answer.
    const options = parseWebrtcOptions({ signal: broker.url });
    const offerer = new RTCPeerConnection(peerConnectionConfig(options));
    cleanups.push(() => offerer.close());
    offerer.createDataChannel('skcomm', { negotiated: true, id: 0, ordered: true });
    const offer = await offerer.createOffer();
    withholdDefaultStun(offerer, options);
    await offerer.setLocalDescription(offer);
    let brokerStopped: Promise<void> | undefined;
    let answererWhenStopped: unknown;
    const silentAlice = await silentPeer(alice!, (_, payload) => {
      expect(decodeSignalMessage(payload).kind).toBe('answer');
      answererWhenStopped = b.connections();
      brokerStopped ??= broker!.stop();
    });
    const session = 'a'.repeat(32);
    await silentAlice.send(bob!.fingerprint, encodeSignalMessage({ type: SIGNAL_TYPE, kind: 'offer', session, sdp: offerer.localDescription!.sdp }));
    await waitFor(() => brokerStopped !== undefined, "bob's answer to reach alice");
    expect(answererWhenStopped).toEqual([expect.objectContaining({ peer: alice!.fingerprint, role: 'answerer', state: 'connecting' })]);
    await waitFor(() => b.connections().length === 0, 'bob to drop the half-negotiated link', CONNECT_TIMEOUT_MS / 2);
    await brokerStopped;
  });

  it('keeps an open link working while the broker is down, both ways', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const [a, b] = await Promise.all([started(alice!), started(bob!)]);
    await a.send(envelope('before'), { fingerprint: bob!.fingerprint });
    await broker.stop();
    await a.send(envelope('while-down-1'), { fingerprint: bob!.fingerprint });
    await b.send(envelope('while-down-2'), { fingerprint: alice!.fingerprint });
    expect(await idsOf(b)).toEqual(['before', 'while-down-1']);
    expect(await idsOf(a)).toEqual(['while-down-2']);
    expect(a.connections()).toEqual([expect.objectContaining({ peer: bob!.fingerprint, state: 'open' })]);
    expect(await a.healthCheck()).toMatchObject({ status: 'degraded' });
  });

  it('converges on one link after a restart that cut negotiations in glare', async () => {
    const [alice, bob] = await testIdentities();
    broker = await startBroker();
    const [a, b] = await Promise.all([started(alice!), started(bob!)]);
    // Both dial at once and the broker stops under them: each send either got its link open or fails retryably.
    const cut = await Promise.allSettled([
      a.send(envelope('a-1'), { fingerprint: bob!.fingerprint }),
      b.send(envelope('b-1'), { fingerprint: alice!.fingerprint }),
      broker.stop(),
    ]);
    for (const outcome of cut) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ retryable: true });
    await broker.start();
    // Both back on the broker (a peer not yet reconnected is reported unreachable, a retryable failure of its own).
    expect(await Promise.all([a.isAvailable(), b.isAvailable()])).toEqual([true, true]);
    await Promise.all([a.send(envelope('a-2'), { fingerprint: bob!.fingerprint }), b.send(envelope('b-2'), { fingerprint: alice!.fingerprint })]);
    expect(await idsOf(b)).toContain('a-2');
    expect(await idsOf(a)).toContain('b-2');
    expect(a.connections()).toEqual([expect.objectContaining({ state: 'open' })]);
    expect(b.connections()).toEqual([expect.objectContaining({ state: 'open' })]);
  });

  it('in glare, sends our stale offer again when the peer dials, so it is answered instead of both waiting out connectTimeoutMs', async () => {
    const [lower, higher] = await lowerAndHigher();
    broker = await startBroker();
    const low = await started(lower);
    // Our offer reaches a process of the peer that then stops without answering.
    let offerSeen = false;
    const previousHigher = await silentPeer(higher, () => (offerSeen = true));
    const lowSend = low.send(envelope('from-lower'), { fingerprint: higher.fingerprint });
    await waitFor(() => offerSeen, 'our offer to reach the peer');
    await previousHigher.stop();
    expect(low.connections()).toEqual([expect.objectContaining({ role: 'offerer', state: 'connecting' })]);
    // The peer's next process dials: its offer loses the glare, ours is sent again and answered.
    const high = await started(higher);
    await Promise.all([lowSend, high.send(envelope('from-higher'), { fingerprint: lower.fingerprint })]);
    expect(await idsOf(high)).toEqual(['from-lower']);
    expect(await idsOf(low)).toEqual(['from-higher']);
    expect(low.connections()).toEqual([expect.objectContaining({ role: 'offerer', state: 'open' })]);
    expect(high.connections()).toEqual([expect.objectContaining({ role: 'answerer', state: 'open' })]);
  });
});
