/** Routing, store-and-forward, restart, limits and endpoints of a real relay, spoken to frame by frame. */
import { afterEach, describe, expect, it } from 'vitest';
import { RefusalReason } from '@skcomm/relay-protocol';
import { connect, envelopeBytes, type TempRelay, tempRelay, testIdentities, waitFor } from './support.js';

let relay: TempRelay | undefined;
afterEach(async () => {
  await relay?.destroy();
  relay = undefined;
});

const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

describe('relay routing', () => {
  it('acks the hop and pushes to an online recipient, byte-exact', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const sender = await connect(relay.relay.url, alice!);
    const recipient = await connect(relay.relay.url, bob!);
    const envelope = envelopeBytes('hello bob');
    expect(await sender.send(bob!.fingerprint, envelope)).toMatchObject({ type: 'accepted' });
    await waitFor(() => recipient.deliveries().length === 1, 'the delivery');
    expect(Buffer.compare(Buffer.from(recipient.deliveries()[0]!.envelope), Buffer.from(envelope))).toBe(0);
    expect(sender.deliveries()).toEqual([]);
    await sender.close();
    await recipient.close();
  });

  it('keeps envelopes for an offline recipient through a relay restart, and forgets them once acknowledged', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const sender = await connect(relay.relay.url, alice!);
    for (const label of ['one', 'two', 'three']) expect((await sender.send(bob!.fingerprint, envelopeBytes(label))).type).toBe('accepted');
    await sender.close();
    await relay.restart();

    const first = await connect(relay.relay.url, bob!);
    await waitFor(() => first.deliveries().length === 3, 'three deliveries after the restart');
    expect(first.deliveries().map((frame) => JSON.parse(text(frame.envelope)).label)).toEqual(['one', 'two', 'three']);
    // Acknowledge one; the other two were delivered but not acknowledged, so they come again.
    first.ack([first.deliveries()[0]!.messageId]);
    await waitFor(() => relay!.relay.mailbox.stats().messages === 2, 'the acknowledged envelope to leave the mailbox');
    await first.close();
    await relay.restart();
    const second = await connect(relay.relay.url, bob!);
    await waitFor(() => second.deliveries().length === 2, 'the two unacknowledged envelopes');
    expect(second.deliveries().map((frame) => JSON.parse(text(frame.envelope)).label)).toEqual(['two', 'three']);
    second.ack(second.deliveries().map((frame) => frame.messageId));
    await waitFor(() => relay!.relay.mailbox.stats().messages === 0, 'an empty mailbox');
    await second.close();
  });

  it('only lets a client acknowledge its own mail', async () => {
    const [alice, bob, carol] = await testIdentities();
    relay = await tempRelay();
    const sender = await connect(relay.relay.url, alice!);
    await sender.send(bob!.fingerprint, envelopeBytes('for bob'));
    const recipient = await connect(relay.relay.url, bob!);
    await waitFor(() => recipient.deliveries().length === 1, 'the delivery');
    const intruder = await connect(relay.relay.url, carol!);
    intruder.ack([recipient.deliveries()[0]!.messageId]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(relay.relay.mailbox.stats().messages).toBe(1);
    for (const client of [sender, recipient, intruder]) await client.close();
  });

  it('pushes at most a window of unacknowledged envelopes to one connection', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay({ limits: { windowMessages: 4 } });
    const sender = await connect(relay.relay.url, alice!);
    for (let index = 0; index < 10; index++) await sender.send(bob!.fingerprint, envelopeBytes(`n${index}`));
    const recipient = await connect(relay.relay.url, bob!);
    await waitFor(() => recipient.deliveries().length === 4, 'a full window');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(recipient.deliveries()).toHaveLength(4);
    recipient.ack(recipient.deliveries().map((frame) => frame.messageId));
    await waitFor(() => recipient.deliveries().length === 8, 'the next window');
    await sender.close();
    await recipient.close();
  });
});

describe('relay limits', () => {
  it('refuses an envelope over the size limit as not retryable, and closes a frame over the hard limit', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay({ limits: { maxEnvelopeBytes: 1000 } });
    const sender = await connect(relay.relay.url, alice!);
    expect(await sender.send(bob!.fingerprint, envelopeBytes('fits', 1000))).toMatchObject({ type: 'accepted' });
    expect(await sender.send(bob!.fingerprint, envelopeBytes('too big', 1001))).toMatchObject({
      type: 'refused',
      reason: RefusalReason.TooLarge,
      retryable: false,
    });
    // 100 kB: ws refuses the frame before buffering it (close code 1009, message too big).
    await expect(sender.send(bob!.fingerprint, envelopeBytes('huge', 100_000))).rejects.toThrow(/closed \(1009\)/);
  });

  it('rate-limits each client, retryably', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay({ limits: { sendRatePerSecond: 1, sendBurst: 3 } });
    const sender = await connect(relay.relay.url, alice!);
    const answers = [];
    for (let index = 0; index < 5; index++) answers.push(await sender.send(bob!.fingerprint, envelopeBytes(`r${index}`)));
    expect(answers.slice(0, 3).every((answer) => answer.type === 'accepted')).toBe(true);
    expect(answers[4]).toMatchObject({ type: 'refused', reason: RefusalReason.RateLimited, retryable: true });
    // Another client has its own budget.
    const other = await connect(relay.relay.url, bob!);
    expect(await other.send(alice!.fingerprint, envelopeBytes('mine'))).toMatchObject({ type: 'accepted' });
    await sender.close();
    await other.close();
  });

  it('refuses envelopes for a full mailbox, retryably', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay({ limits: { maxMessagesPerRecipient: 2 } });
    const sender = await connect(relay.relay.url, alice!);
    await sender.send(bob!.fingerprint, envelopeBytes('1'));
    await sender.send(bob!.fingerprint, envelopeBytes('2'));
    expect(await sender.send(bob!.fingerprint, envelopeBytes('3'))).toMatchObject({ type: 'refused', reason: RefusalReason.MailboxFull, retryable: true });
    await sender.close();
  });

  it('closes a connection that sends a malformed frame and keeps serving everyone else', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const bad = await connect(relay.relay.url, alice!);
    bad.socket.send(Buffer.from([0x01, 0, 0]));
    await waitFor(() => bad.closed !== undefined, 'the close');
    expect(bad.closed?.code).toBe(1002);
    const text = await connect(relay.relay.url, alice!);
    text.socket.send('not binary');
    await waitFor(() => text.closed !== undefined, 'the close');
    const good = await connect(relay.relay.url, alice!);
    expect(await good.send(bob!.fingerprint, envelopeBytes('still fine'))).toMatchObject({ type: 'accepted' });
    expect(relay.relay.metrics.malformedFrames).toBe(2);
    await good.close();
  });
});

describe('relay endpoints', () => {
  it('serves /healthz and /metrics over plain HTTP', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const sender = await connect(relay.relay.url, alice!);
    await sender.send(bob!.fingerprint, envelopeBytes('counted'));
    const base = relay.relay.url.replace('ws://', 'http://');
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', connections: 1, mailbox: { envelopes: 1 }, auth: 'capauth' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('skcomm_relay_envelopes_accepted_total 1');
    expect(metrics).toContain('skcomm_relay_mailbox_envelopes 1');
    expect(metrics).toMatch(/skcomm_relay_resident_memory_bytes \d+/);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    await sender.close();
  });

  it('listens on 127.0.0.1 unless told otherwise', async () => {
    relay = await tempRelay();
    expect(relay.relay.host).toBe('127.0.0.1');
    expect(relay.relay.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });
});
