/** Config, errors and life cycle of the TCP transport beyond what the compliance suite checks. */
import { createServer } from 'node:net';
import { ConfigError, ErrorCode, TransportError } from '@skcomm/core';
import { afterEach, describe, expect, it } from 'vitest';
import plugin, { parseHostPort, TcpTransportError, type TcpTransport } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_B, freePort, startedTransport, tcpTransport, text } from './support.js';

const running: TcpTransport[] = [];
afterEach(async () => {
  for (const transport of running.splice(0)) await transport.stop();
});

describe('config', () => {
  it('accepts listen=HOST:PORT, PORT (host 127.0.0.1) and [IPv6]:PORT, and string values from --set', () => {
    expect(plugin.parseOptions({ listen: '9999' }).listen).toEqual({ host: '127.0.0.1', port: 9999 });
    expect(plugin.parseOptions({ listen: '100.64.0.7:9999' }).listen).toEqual({ host: '100.64.0.7', port: 9999 });
    expect(plugin.parseOptions({ listen: '[fd7a:115c:a1e0::1]:9999' }).listen).toEqual({ host: 'fd7a:115c:a1e0::1', port: 9999 });
    const options = plugin.parseOptions({ listen: '127.0.0.1:9999', udp: 'yes', framing: 'length', maxConnections: '10' });
    expect([options.udp, options.framing, options.maxConnections]).toEqual([true, 'length', 10]);
  });

  it.each([
    [{}, 'listen'],
    [{ listen: 'localhost' }, 'listen'],
    [{ listen: '127.0.0.1:70000' }, 'listen'],
    [{ listen: 'fd7a::1:9999' }, 'listen'],
    [{ listen: '9999', framing: 'xml' }, 'framing'],
    [{ listen: '9999', maxEnvelopeBytes: 2 * 1024 * 1024 }, 'maxEnvelopeBytes'],
    [{ listen: '9999', color: 'blue' }, 'color'],
  ])('refuses %j with a ConfigError naming %s', (raw, field) => {
    expect(() => plugin.parseOptions(raw)).toThrow(ConfigError);
    expect(() => plugin.parseOptions(raw)).toThrow(expect.objectContaining({ code: ErrorCode.ConfigInvalid, field }));
  });

  it('parses peer addresses and says what is wrong with bad ones', () => {
    expect(parseHostPort('peer.tailnet.ts.net:9999')).toEqual({ host: 'peer.tailnet.ts.net', port: 9999 });
    for (const bad of ['', ':9999', 'host:', 'host:0', 'a b:1', '[::1]9999', '../x:1']) expect(parseHostPort(bad)).toHaveProperty('problem');
  });
});

describe('send errors', () => {
  it('a peer without a tcp address is a non-retryable E_NO_ROUTE', async () => {
    const transport = tcpTransport();
    await expect(transport.send(envelopeBytes('x'), { fingerprint: FINGERPRINT_B })).rejects.toMatchObject({ code: ErrorCode.NoRoute, retryable: false });
  });

  it('a port nobody listens on is a retryable E_TRANSPORT_UNAVAILABLE (ECONNREFUSED)', async () => {
    const transport = tcpTransport();
    const port = await freePort();
    const error = await transport.send(envelopeBytes('x'), { fingerprint: FINGERPRINT_B, address: `127.0.0.1:${port}` }).catch((caught: unknown) => caught);
    expect(TransportError.isTransportError(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.TransportUnavailable, retryable: true, transport: 'tcp' });
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('ndjson framing refuses bytes that are not one JSON object (non-retryable); length framing carries them', async () => {
    const receiver = await startedTransport();
    running.push(receiver);
    const binary = new Uint8Array([0, 1, 2, 255, 10, 13]);
    const target = { fingerprint: FINGERPRINT_B, address: receiver.address };
    await expect(tcpTransport().send(binary, target)).rejects.toMatchObject({ code: ErrorCode.EnvelopeInvalid, retryable: false });
    const lengthSender = tcpTransport({ framing: 'length' });
    await lengthSender.send(binary, target);
    await lengthSender.stop();
    expect([...(await receiver.receive())[0]!.bytes]).toEqual([...binary]);
  });

  it('a receiver with a smaller frame limit refuses the envelope: non-retryable E_ENVELOPE_TOO_LARGE', async () => {
    const receiver = await startedTransport({ maxEnvelopeBytes: 1000 });
    running.push(receiver);
    const sender = tcpTransport();
    await expect(sender.send(envelopeBytes('big', 5000), { fingerprint: FINGERPRINT_B, address: receiver.address })).rejects.toMatchObject({
      code: ErrorCode.EnvelopeTooLarge,
      retryable: false,
    });
    // The next send opens a new connection and works.
    await sender.send(envelopeBytes('small'), { fingerprint: FINGERPRINT_B, address: receiver.address });
    await sender.stop();
  });
});

describe('life cycle and health', () => {
  it('start() on a taken port throws a retryable TcpTransportError, and health says why', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => resolve()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const transport = tcpTransport({ listen: `127.0.0.1:${port}` });
      const error = await transport.start().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(TcpTransportError);
      expect(error).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
      const health = await transport.healthCheck();
      expect(health.status).toBe('down');
      expect(health.detail).toMatch(/address is in use \(EADDRINUSE\)/);
      expect(await transport.isAvailable()).toBe(false);
    } finally {
      blocker.close();
    }
  });

  it('keeps an ephemeral port across restarts, and uncommitted envelopes across stop/start', async () => {
    const receiver = await startedTransport();
    running.push(receiver);
    const address = receiver.address;
    const sender = tcpTransport();
    await sender.send(envelopeBytes('kept'), { fingerprint: FINGERPRINT_B, address });
    await receiver.stop();
    await receiver.start();
    expect(receiver.address).toBe(address);
    expect((await receiver.receive()).map((envelope) => text(envelope.bytes))).toEqual([text(envelopeBytes('kept'))]);
    await sender.stop();
  });

  it('a subscriber that throws leaves the envelope queued for receive()', async () => {
    const receiver = await startedTransport();
    running.push(receiver);
    let calls = 0;
    receiver.subscribe(() => {
      calls++;
      throw new Error('subscriber broke');
    });
    const sender = tcpTransport();
    await sender.send(envelopeBytes('survives'), { fingerprint: FINGERPRINT_B, address: receiver.address });
    await sender.stop();
    expect(calls).toBe(1);
    expect(await receiver.receive()).toHaveLength(1);
  });
});
