import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TRANSPORT_SPECIFICATION_VERSION, silentLogger } from '@skcomm/core';
import plugin, { DEFAULT_LISTEN, Libp2pTransport, libp2p } from '../src/index.js';
import { addressOf, bytesOf, FINGERPRINT_A, FINGERPRINT_B, libp2pTransport, temporaryDirectory } from './support.js';

describe('plugin and config', () => {
  it('declares the contract version and id, and creates a transport from raw config strings', () => {
    expect(plugin.specificationVersion).toBe(TRANSPORT_SPECIFICATION_VERSION);
    expect(plugin.id).toBe('libp2p');
    const options = plugin.parseOptions({ maxInFlight: '16', ackTimeoutMs: '2000' });
    expect(options).toMatchObject({ listen: DEFAULT_LISTEN, maxInFlight: 16, ackTimeoutMs: 2000 });
    const transport = plugin.create({ ...options, name: 'p2p', priority: 3 }, { selfFingerprint: FINGERPRINT_A, stateDir: temporaryDirectory(), logger: silentLogger });
    expect(transport).toBeInstanceOf(Libp2pTransport);
    expect(transport).toMatchObject({ name: 'p2p', priority: 3, traits: { delivery: 'realtime', hopAck: true, duplex: true } });
  });

  it.each([
    ['listen', { listen: '127.0.0.1:4001' }],
    ['listen', { listen: '/ip4/127.0.0.1/udp/4001' }],
    ['maxInFlight', { maxInFlight: 257 }],
    ['maxInFlight', { maxInFlight: 0 }],
    ['maxEnvelopeBytes', { maxEnvelopeBytes: 2 * 1024 * 1024 }],
    ['relay', { relay: true }],
  ])('refuses a bad %s with a ConfigError naming it', (field, raw) => {
    const error = (() => {
      try {
        plugin.parseOptions(raw);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(ConfigError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCode.ConfigInvalid, field });
  });

  it('needs a key file or a state directory to keep its peer id in', async () => {
    const transport = libp2p()({ selfFingerprint: FINGERPRINT_A, logger: silentLogger });
    await expect(transport.start()).rejects.toMatchObject({ code: ErrorCode.ConfigInvalid, field: 'keyFile' });
  });

  it('reports health down before start, up with the connection RTT once a peer is connected', async () => {
    const a = libp2pTransport({}, FINGERPRINT_A);
    const b = libp2pTransport({}, FINGERPRINT_B);
    expect(await a.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringContaining('not started') });
    await Promise.all([a.start(), b.start()]);
    try {
      expect((await a.healthCheck()).latencyMs).toBeUndefined();
      await a.send(bytesOf('hello'), { fingerprint: FINGERPRINT_B, address: addressOf(b) });
      const health = await a.healthCheck();
      expect(health).toMatchObject({ status: 'up', detail: expect.stringContaining('1 connection(s), rtt') });
      expect(health.latencyMs).toBeGreaterThanOrEqual(0);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
