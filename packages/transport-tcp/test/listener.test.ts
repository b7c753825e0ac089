/**
 * The listener against hostile or broken peers on real sockets (threat model (d) 10):
 * garbage, oversize and 100 MB frames, truncated length prefixes, slowloris trickle,
 * idle connections, connection floods, a full receive queue. After each, the listener
 * still accepts a good envelope.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpTransport, TcpTransportInit } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_B, rawClient, startedTransport, tcpTransport, text, until } from './support.js';

const running: TcpTransport[] = [];

async function listener(init: Partial<TcpTransportInit> = {}): Promise<TcpTransport> {
  const transport = await startedTransport(init);
  running.push(transport);
  return transport;
}

afterEach(async () => {
  for (const transport of running.splice(0)) await transport.stop();
});

/** A second transport sends one good envelope: the listener survived whatever came before. */
async function expectStillServing(transport: TcpTransport): Promise<void> {
  const sender = tcpTransport({}, 'C'.repeat(40));
  const bytes = envelopeBytes('still-serving');
  try {
    await sender.send(bytes, { fingerprint: FINGERPRINT_B, address: transport.address });
  } finally {
    await sender.stop();
  }
  const received = await transport.receive();
  expect(received.map((envelope) => text(envelope.bytes))).toContain(text(bytes));
  for (const envelope of received) await envelope.commit();
}

describe('tcp listener: bad input', () => {
  it('answers garbage with ERR not-json-object, closes that connection, and keeps serving', async () => {
    const transport = await listener();
    const client = await rawClient(transport.address);
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.closed;
    expect(client.replies()).toMatch(/^ERR not-json-object 1 /);
    expect(await transport.receive()).toEqual([]);
    await expectStillServing(transport);
  });

  it('acks the good frames before a bad one, and refuses the bad one by number', async () => {
    const transport = await listener();
    const client = await rawClient(transport.address);
    client.socket.write(`${text(envelopeBytes('one'))}\n${text(envelopeBytes('two'))}\nnot json\n`);
    await client.closed;
    expect(client.replies()).toMatch(/^OK 1\nOK 2\nERR not-json-object 3 /);
    expect(await transport.receive()).toHaveLength(2);
  });

  it('refuses an ndjson frame over maxEnvelopeBytes as soon as it passes the limit', async () => {
    const transport = await listener({ maxEnvelopeBytes: 1000 });
    const client = await rawClient(transport.address);
    client.socket.write(`{"pad":"${'x'.repeat(5000)}`);
    await client.closed;
    expect(client.replies()).toMatch(/^ERR frame-too-large 1 /);
    await expectStillServing(transport);
  });

  it('refuses a 100 MB length-prefixed frame from its prefix, without reading it', async () => {
    const transport = await listener();
    const client = await rawClient(transport.address);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(100_000_000);
    client.socket.write(prefix);
    await client.closed;
    expect(client.replies()).toMatch(/^ERR frame-too-large 1 a frame of 100000000 bytes exceeds 1048576/);
    await expectStillServing(transport);
  });

  it.each([1, 2, 3])('drops a connection that ends after %i byte(s) of a length prefix, and queues nothing', async (length) => {
    const transport = await listener();
    const client = await rawClient(transport.address);
    client.socket.end(Buffer.alloc(length));
    await client.closed;
    expect(client.replies()).toMatch(/^ERR truncated 1 the stream ended inside a length prefix/);
    expect(await transport.receive()).toEqual([]);
  });

  it('drops a frame cut off by the end of the stream, and acks the complete ones', async () => {
    const transport = await listener();
    const client = await rawClient(transport.address);
    client.socket.end(`${text(envelopeBytes('whole'))}\n{"envelope_id":"cut`);
    await client.closed;
    expect(client.replies()).toMatch(/^OK 1\nERR truncated 2 /);
    expect((await transport.receive()).map((envelope) => text(envelope.bytes))).toEqual([text(envelopeBytes('whole'))]);
  });
});

describe('tcp listener: slow and idle peers', () => {
  it('closes a slowloris peer that trickles one frame past frameTimeoutMs', async () => {
    const transport = await listener({ frameTimeoutMs: 300 });
    const client = await rawClient(transport.address);
    const frame = text(envelopeBytes('trickle'));
    let offset = 0;
    const trickle = setInterval(() => {
      if (!client.socket.destroyed && offset < frame.length) client.socket.write(frame[offset++]!);
    }, 20);
    await client.closed;
    clearInterval(trickle);
    expect(client.replies()).toMatch(/^ERR frame-timeout 1 a frame did not complete within 300 ms/);
    expect(offset).toBeLessThan(frame.length);
    expect(await transport.receive()).toEqual([]);
    await expectStillServing(transport);
  });

  it('closes a connection that sends nothing for idleTimeoutMs', async () => {
    const transport = await listener({ idleTimeoutMs: 200 });
    const client = await rawClient(transport.address);
    await client.closed;
    expect(client.replies()).toMatch(/^ERR idle-timeout 1 /);
  });
});

describe('tcp listener: limits and backpressure', () => {
  it('refuses connections over maxConnectionsPerHost with ERR too-many-connections', async () => {
    const transport = await listener({ maxConnectionsPerHost: 2 });
    const held = [await rawClient(transport.address), await rawClient(transport.address)];
    await until(async () => (await transport.healthCheck()).detail?.includes('2 connection(s)') === true, 'two connections');
    const third = await rawClient(transport.address);
    await third.closed;
    expect(third.replies()).toMatch(/^ERR too-many-connections /);
    for (const client of held) client.socket.destroy();
    await until(async () => (await transport.healthCheck()).detail?.includes('0 connection(s)') === true, 'connections closed');
    await expectStillServing(transport);
  });

  it('pauses senders while the receive queue is full, and acks them once envelopes are committed', async () => {
    const transport = await listener({ maxQueuedEnvelopes: 2 });
    const sender = tcpTransport({}, 'C'.repeat(40));
    const acked: number[] = [];
    const sends = [0, 1, 2, 3].map((index) =>
      sender.send(envelopeBytes(`queued-${index}`), { fingerprint: FINGERPRINT_B, address: transport.address }).then(() => acked.push(index)),
    );
    await until(() => acked.length === 2, 'the first two acks');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(acked).toHaveLength(2);
    const first = await transport.receive();
    expect(first).toHaveLength(2);
    for (const envelope of first) await envelope.commit();
    await Promise.all(sends);
    expect((await transport.receive()).map((envelope) => text(envelope.bytes))).toEqual([
      text(envelopeBytes('queued-2')),
      text(envelopeBytes('queued-3')),
    ]);
    await sender.stop();
  });
});
