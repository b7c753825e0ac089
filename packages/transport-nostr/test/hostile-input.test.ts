/**
 * Threat model A6 / (d) item 10 through a live subscription: events with a valid
 * signature but the wrong kind, a pubkey mismatch between the seal and the rumor, stale
 * and future created_at, events for other keys, and relay messages that are not Nostr
 * at all. None may be delivered, none may stop the subscription, and each is counted
 * under a typed reason.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { wrapEvent as nip17Wrap } from 'nostr-tools/nip17';
import { AbstractRelay } from 'nostr-tools/abstract-relay';
import { verifyEvent } from 'nostr-tools/pure';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { wrapEnvelope, type NostrTransport } from '../src/index.js';
import { handWrap, nowSeconds, party, signedNote } from './crafted-events.js';
import { RelayProcess } from './relay/relay-process.js';
import { endpoint, envelopeFor, FINGERPRINT_B, receiveCount, receiveFor, recordingLogger, TempDirs, text, waitFor } from './support.js';

const HOUR = 3600;
const alice = party();
const mallory = party();
const directories = new TempDirs();

afterAll(() => directories.cleanup());

describe('through a real relay', () => {
  let relay: RelayProcess;
  let publisher: AbstractRelay;
  let bob: NostrTransport;
  const logger = recordingLogger();

  beforeAll(async () => {
    relay = await RelayProcess.start();
    // A plain nostr-tools client publishing what an attacker would.
    publisher = new AbstractRelay(relay.url, { verifyEvent, websocketImplementation: WebSocket as unknown as typeof globalThis.WebSocket });
    await publisher.connect();
    bob = endpoint(FINGERPRINT_B, await directories.make(), { relays: relay.url }, logger);
    await bob.start();
    await waitFor(async () => (await bob.healthCheck()).status === 'up', 'bob connected');
  });

  afterAll(async () => {
    publisher?.close();
    await bob?.stop();
    await relay?.kill();
  });

  it('rejects a seal whose signer is not the rumor\u2019s author (NIP-17 impersonation), with a typed reason', async () => {
    await publisher.publish(handWrap({ sender: alice, recipient: bob.publicKey, sealSigner: mallory, rumor: { pubkey: alice.publicKey } }));
    await waitFor(() => bob.stats().rejected['pubkey-mismatch'] === 1, 'the pubkey-mismatch rejection');
    expect(await receiveFor(bob, 200)).toEqual([]);
    const warning = logger.lines.find((line) => line.fields?.reason === 'pubkey-mismatch');
    expect(warning?.level).toBe('warn');
  });

  it('ignores validly signed events of the wrong kind, at the wrap, seal and rumor layers', async () => {
    await publisher.publish(signedNote(mallory, bob.publicKey, 1));
    await publisher.publish(signedNote(mallory, bob.publicKey, 4));
    await publisher.publish(handWrap({ sender: alice, recipient: bob.publicKey, sealKind: 1 }));
    await publisher.publish(handWrap({ sender: alice, recipient: bob.publicKey, rumor: { kind: 1 } }));
    // The relay filters the first two out by kind; the transport rejects the other two.
    await waitFor(() => bob.stats().rejected['wrong-kind'] === 2, 'two wrong-kind rejections');
    expect(await receiveFor(bob, 200)).toEqual([]);
  });

  it('receives a gift wrap dated 47 hours back (NIP-59 randomises created_at up to two days)', async () => {
    const bytes = envelopeFor().bytes;
    await publisher.publish(handWrap({ sender: alice, recipient: bob.publicKey, bytes, wrapCreatedAt: nowSeconds() - 47 * HOUR }));
    const [arrived] = await receiveCount(bob, 1);
    expect(text(arrived!.bytes)).toBe(text(bytes));
  });

  it('ignores events for unknown recipients and chat messages to the same key, and keeps receiving', async () => {
    const stranger = party();
    // This relay broadcasts every new gift wrap to every gift-wrap subscription, so the
    // stranger's wrap reaches bob, and bob's own check has to drop it.
    await publisher.publish(wrapEnvelope(envelopeFor().bytes, alice, stranger.publicKey));
    await publisher.publish(nip17Wrap(alice.secretKey, { publicKey: bob.publicKey }, 'hi bob, just chatting'));
    await waitFor(() => bob.stats().rejected['not-skcomm'] === 1 && bob.stats().rejected['not-for-us'] === 1, 'both rejected');
    const after = envelopeFor().bytes;
    await publisher.publish(wrapEnvelope(after, alice, bob.publicKey));
    const arrived = await receiveCount(bob, 1);
    expect(arrived.map((envelope) => text(envelope.bytes))).toEqual([text(after)]);
  });

  it('also picks up wraps published before it subscribed, inside the window', async () => {
    const late = endpoint(FINGERPRINT_B, await directories.make(), { relays: relay.url });
    const bytes = envelopeFor().bytes;
    await publisher.publish(handWrap({ sender: alice, recipient: late.publicKey, bytes, wrapCreatedAt: nowSeconds() - 40 * HOUR }));
    await late.start();
    try {
      const [arrived] = await receiveCount(late, 1);
      expect(text(arrived!.bytes)).toBe(text(bytes));
    } finally {
      await late.stop();
    }
  });
});

/**
 * A relay that answers our subscription with whatever the test scripts: the hostile
 * relay of the threat model. Probe subscriptions get a plain EOSE.
 */
class HostileRelay {
  readonly server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  script: (subscriptionId: string) => Array<string | Buffer> = () => [];

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async listen(): Promise<this> {
    if (!this.server.address()) await once(this.server, 'listening');
    this.server.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as unknown[];
        if (message[0] === 'REQ') {
          const id = String(message[1]);
          const frames = id === 'skcomm-inbox' ? this.script(id) : [];
          for (const frame of frames) socket.send(frame);
          socket.send(JSON.stringify(['EOSE', id]));
        } else if (message[0] === 'EVENT') {
          socket.send(JSON.stringify(['OK', (message[1] as { id: string }).id, true, '']));
        }
      });
    });
    return this;
  }

  async close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('through a hostile relay', () => {
  let hostile: HostileRelay;
  let bob: NostrTransport | undefined;

  beforeAll(async () => {
    hostile = await new HostileRelay().listen();
  });

  afterEach(async () => {
    await bob?.stop();
    vi.restoreAllMocks();
  });

  afterAll(() => hostile.close());

  it('survives malformed frames and events that break the filter, and still delivers the one valid wrap, once', async () => {
    const warn = vi.spyOn(console, 'warn');
    const debug = vi.spyOn(console, 'debug');
    bob = endpoint(FINGERPRINT_B, await directories.make(), { relays: hostile.url });
    const bobKey = bob.publicKey;
    const valid = envelopeFor().bytes;
    const validWrap = wrapEnvelope(valid, alice, bobKey);
    const event = (subscription: string, body: unknown) => JSON.stringify(['EVENT', subscription, body]);
    hostile.script = (id) => [
      'this is not json',
      Buffer.from([0xff, 0x00, 0x01]),
      '{"not":"an array"}',
      '[]',
      event(id, null),
      event(id, 'a string'),
      event(id, { kind: 1059, tags: 5 }),
      event(id, { kind: 1059, tags: [5] }),
      event('someone-elses-subscription', validWrap),
      event(id, signedNote(mallory, bobKey, 1)),
      event(id, wrapEnvelope(envelopeFor().bytes, alice, party().publicKey)),
      event(id, handWrap({ sender: alice, recipient: bobKey, wrapCreatedAt: nowSeconds() - 30 * 24 * HOUR })),
      event(id, handWrap({ sender: alice, recipient: bobKey, wrapCreatedAt: nowSeconds() + 24 * HOUR })),
      // Forged copies carrying the genuine wrap's id, sent first: they must not get that id blocked.
      event(id, { ...validWrap, sig: '0'.repeat(128) }),
      event(id, { ...validWrap, created_at: validWrap.created_at - 365 * 24 * HOUR }),
      event(id, { ...validWrap, content: 'A'.repeat(200_000) }),
      event(id, validWrap),
      event(id, validWrap),
    ];
    await bob.start();
    const [arrived] = await receiveCount(bob, 1);
    expect(text(arrived!.bytes)).toBe(text(valid));
    await waitFor(() => Object.values(bob!.stats().rejected).reduce((sum, count) => sum + (count ?? 0), 0) >= 16, 'every hostile input counted');
    expect(await receiveFor(bob, 200)).toEqual([]);
    expect(bob.stats()).toEqual({
      accepted: 1,
      duplicates: 1,
      rejected: { malformed: 9, 'wrong-kind': 1, 'not-for-us': 1, stale: 2, 'from-future': 1, 'bad-signature': 2 },
    });
    expect((await bob.healthCheck()).status).toBe('up');
    expect(warn).not.toHaveBeenCalled();
    expect(debug).not.toHaveBeenCalled();
  });
});
