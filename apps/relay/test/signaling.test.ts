/** The WebRTC signaling broker: SIGNAL frames between authenticated /signal connections, never stored. */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeSend, encodeSignal, SignalFailure, SIGNALING_PATH } from '@skcomm/relay-protocol';
import { connect, envelopeBytes, handshake, type RawClient, type TempRelay, tempRelay, testIdentities, waitFor } from './support.js';

let relay: TempRelay | undefined;
afterEach(async () => {
  await relay?.destroy();
  relay = undefined;
});

const signalUrl = () => `${relay!.relay.url}${SIGNALING_PATH}`;
const signalsOf = (client: RawClient) => client.frames.filter((frame) => frame.type === 'signal');

describe('signaling broker', () => {
  it('forwards a signal at once to the named fingerprint, with the authenticated sender, byte-exact', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const sender = await connect(signalUrl(), alice!);
    const recipient = await connect(signalUrl(), bob!);
    const payload = Buffer.from('{"kind":"offer","sdp":"v=0"}');
    sender.socket.send(encodeSignal(bob!.fingerprint, payload));
    await waitFor(() => signalsOf(recipient).length === 1, 'the signal');
    expect(signalsOf(recipient)[0]).toEqual({ type: 'signal', sender: alice!.fingerprint, payload });
    expect(relay.relay.mailbox.stats().messages).toBe(0);
    expect(relay.relay.metrics.signalsForwarded).toBe(1);
    await sender.close();
    await recipient.close();
  });

  it('tells the sender when the recipient has no signaling connection, and stores nothing', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const sender = await connect(signalUrl(), alice!);
    // A mailbox connection of bob does not receive signals.
    const mailboxOnly = await connect(relay.relay.url, bob!);
    sender.socket.send(encodeSignal(bob!.fingerprint, Buffer.from('offer')));
    await waitFor(() => sender.frames.some((frame) => frame.type === 'signal-unreachable'), 'the unreachable notice');
    expect(sender.frames.find((frame) => frame.type === 'signal-unreachable')).toEqual({
      type: 'signal-unreachable',
      recipient: bob!.fingerprint,
      reason: SignalFailure.NotConnected,
    });
    expect(signalsOf(mailboxOnly)).toEqual([]);
    expect(relay.relay.mailbox.stats().messages).toBe(0);
    await sender.close();
    await mailboxOnly.close();
  });

  it('never pushes mail to a signaling connection, and closes one that sends anything but SIGNAL', async () => {
    const [alice, bob] = await testIdentities();
    relay = await tempRelay();
    const mailSender = await connect(relay.relay.url, alice!);
    expect((await mailSender.send(bob!.fingerprint, envelopeBytes('mail'))).type).toBe('accepted');
    const signaling = await connect(signalUrl(), bob!);
    const mailbox = await connect(relay.relay.url, bob!);
    await waitFor(() => mailbox.deliveries().length === 1, 'the delivery on the mailbox connection');
    expect(signaling.deliveries()).toEqual([]);
    signaling.socket.send(encodeSend(1, alice!.fingerprint, envelopeBytes('not here')));
    await waitFor(() => signaling.closed !== undefined, 'the close');
    expect(signaling.closed?.code).toBe(1002);
    await mailSender.close();
    await mailbox.close();
  });

  it('refuses an unauthenticated signaling connection like any other', async () => {
    relay = await tempRelay();
    const result = await handshake(signalUrl(), {});
    expect(result.status).toBe(401);
  });
});
