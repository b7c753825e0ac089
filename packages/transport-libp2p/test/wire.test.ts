/** What a misbehaving peer can put on the wire, spoken by a bare libp2p node to a real transport. */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, TransportError } from '@skcomm/core';
import { MAX_FRAME_BYTES, PROTOCOL, type Libp2pTransport } from '../src/index.js';
import { decodeFrame, encodeEnvelopeFrame } from '../src/frames.js';
import type { SkcommNode } from '../src/node.js';
import { addressOf, bytesOf, FINGERPRINT_B, libp2pTransport, randomPeerId, rawNode, text } from './support.js';

describe('wire', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function started(transport: Libp2pTransport): Promise<Libp2pTransport> {
    await transport.start();
    cleanups.push(() => transport.stop());
    return transport;
  }

  async function bare(): Promise<SkcommNode> {
    const node = await rawNode();
    cleanups.push(async () => node.stop());
    return node;
  }

  async function rawStream(node: SkcommNode, receiver: Libp2pTransport) {
    const stream = await node.dialProtocol(multiaddr(addressOf(receiver)), PROTOCOL);
    return lpStream(stream, { maxDataLength: MAX_FRAME_BYTES * 2 });
  }

  it('resets a stream that announces a frame larger than any envelope, and keeps serving others', async () => {
    const receiver = await started(libp2pTransport());
    const framed = await rawStream(await bare(), receiver);
    await framed.write(new Uint8Array(MAX_FRAME_BYTES + 1));
    await expect(framed.read()).rejects.toThrow();
    expect(await receiver.receive()).toEqual([]);

    const sender = await started(libp2pTransport({}, 'A'.repeat(40)));
    await sender.send(bytesOf('after the reset'), { fingerprint: FINGERPRINT_B, address: addressOf(receiver) });
    expect((await receiver.receive()).map((envelope) => text(envelope.bytes))).toEqual(['after the reset']);
  });

  it('answers an envelope over its own limit with a non-retryable refusal', async () => {
    const receiver = await started(libp2pTransport({ maxEnvelopeBytes: 1000 }));
    const sender = await started(libp2pTransport({ maxEnvelopeBytes: 5000 }, 'A'.repeat(40)));
    const refusal = await sender.send(new Uint8Array(1001), { fingerprint: FINGERPRINT_B, address: addressOf(receiver) }).catch((error: unknown) => error);
    expect(TransportError.isTransportError(refusal)).toBe(true);
    expect(refusal).toMatchObject({ code: ErrorCode.EnvelopeTooLarge, retryable: false });
    await sender.send(new Uint8Array(1000), { fingerprint: FINGERPRINT_B, address: addressOf(receiver) });
    expect((await receiver.receive()).map((envelope) => envelope.bytes.length)).toEqual([1000]);
  });

  it('resets a stream that sends an ack where envelopes belong', async () => {
    const receiver = await started(libp2pTransport());
    const framed = await rawStream(await bare(), receiver);
    await framed.write(new Uint8Array([2, 0, 0, 0, 1, 0]));
    await expect(framed.read()).rejects.toThrow();
    expect(await receiver.receive()).toEqual([]);
  });

  it('acks each envelope frame with its own sequence number once it is queued', async () => {
    const receiver = await started(libp2pTransport());
    const framed = await rawStream(await bare(), receiver);
    await framed.write(encodeEnvelopeFrame(41, bytesOf('one')));
    await framed.write(encodeEnvelopeFrame(42, bytesOf('two')));
    expect(decodeFrame((await framed.read()).subarray())).toEqual({ type: 'ack', sequence: 41, status: 0 });
    expect(decodeFrame((await framed.read()).subarray())).toEqual({ type: 'ack', sequence: 42, status: 0 });
    expect((await receiver.receive()).map((envelope) => text(envelope.bytes))).toEqual(['one', 'two']);
  });

  it('answers "busy" (retryable) while its receive queue is full, and takes envelopes again after a commit', async () => {
    const receiver = await started(libp2pTransport({ maxQueuedEnvelopes: 1 }));
    const sender = await started(libp2pTransport({}, 'A'.repeat(40)));
    const target = { fingerprint: FINGERPRINT_B, address: addressOf(receiver) };
    await sender.send(bytesOf('first'), target);
    await expect(sender.send(bytesOf('second'), target)).rejects.toMatchObject({ retryable: true, transport: 'libp2p' });
    const [first] = await receiver.receive();
    await first?.commit();
    await sender.send(bytesOf('second'), target);
    expect((await receiver.receive()).map((envelope) => text(envelope.bytes))).toEqual(['second']);
  });

  it('fails a send whose ack never comes with a retryable error, and honours an abort while waiting', async () => {
    const silent = await bare();
    // Reads envelope frames and never acks them.
    await silent.handle(PROTOCOL, async (stream) => {
      const framed = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES });
      for (;;) await framed.read();
    });
    const address = `${silent.getMultiaddrs()[0]?.toString()}`;
    const sender = await started(libp2pTransport({ ackTimeoutMs: 200 }, 'A'.repeat(40)));
    await expect(sender.send(bytesOf('unacked'), { fingerprint: FINGERPRINT_B, address })).rejects.toMatchObject({
      retryable: true,
      message: expect.stringContaining('no hop ack'),
    });
    const controller = new AbortController();
    const sending = sender.send(bytesOf('aborted'), { fingerprint: FINGERPRINT_B, address }, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(sending).rejects.toThrow('caller gave up');
  });

  it('gives up on a peer that accepts TCP but never completes the handshake, retryably', async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const port = (server.address() as AddressInfo).port;
    const sender = await started(libp2pTransport({ dialTimeoutMs: 200 }, 'A'.repeat(40)));
    const address = `/ip4/127.0.0.1/tcp/${port}/p2p/${await randomPeerId()}`;
    await expect(sender.send(bytesOf('x'), { fingerprint: FINGERPRINT_B, address })).rejects.toMatchObject({ retryable: true, transport: 'libp2p' });
  });
});
