/** Optional UDP: small envelopes travel as one acked datagram, the rest (and unanswered peers) over TCP. */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpTransport, TcpTransportInit } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_B, splitAddress, startedTransport, text, until } from './support.js';

const running: TcpTransport[] = [];
async function started(init: Partial<TcpTransportInit>): Promise<TcpTransport> {
  const transport = await startedTransport(init);
  running.push(transport);
  return transport;
}
afterEach(async () => {
  for (const transport of running.splice(0)) await transport.stop();
});

describe('udp', () => {
  it('sends an envelope that fits udpMaxBytes as one datagram, acked, and a larger one over TCP', async () => {
    const receiver = await started({ udp: true });
    const sender = await started({ udp: true, udpMaxBytes: 500 });
    const small = envelopeBytes('small', 400);
    const large = envelopeBytes('large', 2000);
    const target = { fingerprint: FINGERPRINT_B, address: receiver.address };
    expect((await sender.send(small, target)).detail).toBe(`udp:${receiver.address}`);
    expect((await sender.send(large, target)).detail).toBe(`tcp:${receiver.address}`);
    const received = await receiver.receive();
    expect(received.map((envelope) => text(envelope.bytes)).sort()).toEqual([text(large), text(small)].sort());
    expect(received.find((envelope) => envelope.bytes.length === small.length)?.source).toMatch(/^udp:127\.0\.0\.1:\d+$/);
  });

  it('falls back to TCP when the peer does not answer datagrams, and then skips UDP for that peer', async () => {
    const receiver = await started({ udp: false });
    const sender = await started({ udp: true, udpAckTimeoutMs: 100 });
    // A silent UDP socket on the receiver's port counts the datagrams that reach it.
    const [host, port] = splitAddress(receiver.address);
    const silent = createSocket('udp4');
    let datagrams = 0;
    silent.on('message', () => datagrams++);
    await new Promise<void>((resolve) => silent.bind(port, host, () => resolve()));
    try {
      const target = { fingerprint: FINGERPRINT_B, address: receiver.address };
      expect((await sender.send(envelopeBytes('first'), target)).detail).toBe(`tcp:${receiver.address}`);
      expect((await sender.send(envelopeBytes('second'), target)).detail).toBe(`tcp:${receiver.address}`);
      expect(datagrams).toBe(1);
      expect(await receiver.receive()).toHaveLength(2);
    } finally {
      silent.close();
    }
  });

  it('ignores empty and oversized datagrams and acks a good one from a raw socket', async () => {
    const receiver = await started({ udp: true, maxEnvelopeBytes: 1000 });
    const [host, port] = splitAddress(receiver.address);
    const socket = createSocket('udp4');
    const replies: string[] = [];
    socket.on('message', (message) => replies.push(message.toString()));
    try {
      for (const datagram of [Buffer.alloc(0), Buffer.alloc(1001, 0x7b), Buffer.from(text(envelopeBytes('raw')))]) {
        socket.send(datagram, port, host);
      }
      await until(() => replies.length === 1, 'one ack');
      expect(replies[0]).toMatch(/^OK [0-9a-f]{32}$/);
      expect((await receiver.receive()).map((envelope) => text(envelope.bytes))).toEqual([text(envelopeBytes('raw'))]);
    } finally {
      socket.close();
    }
  });
});
