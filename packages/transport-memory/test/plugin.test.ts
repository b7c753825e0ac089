import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TRANSPORT_SPECIFICATION_VERSION } from '@skcomm/core';
import plugin, { memory, MemoryNetwork, MemoryTransport } from '../src/index.js';
import { contextFor, FINGERPRINT_A, FINGERPRINT_B } from './support.js';

describe('plugin and factory', () => {
  it('is a TransportPlugin with id "memory"', () => {
    expect(plugin.id).toBe('memory');
    expect(plugin.specificationVersion).toBe(TRANSPORT_SPECIFICATION_VERSION);
  });

  it('parses raw config, including strings from --set', () => {
    expect(plugin.parseOptions({})).toEqual({ network: 'default', maxEnvelopeBytes: 1024 * 1024, maxAttachmentBytes: 8 * 1024 ** 3 });
    expect(plugin.parseOptions({ network: 'lab', maxEnvelopeBytes: '4096', maxAttachmentBytes: '65536', priority: '5', name: 'mem-1' })).toEqual({
      network: 'lab',
      maxEnvelopeBytes: 4096,
      maxAttachmentBytes: 65536,
      priority: 5,
      name: 'mem-1',
    });
  });

  it.each([
    [{ maxEnvelopeBytes: 0 }, 'maxEnvelopeBytes', /at least 1/],
    [{ maxEnvelopeBytes: 2 * 1024 * 1024 }, 'maxEnvelopeBytes', /at most/],
    [{ maxEnvelopeBytes: 'lots' }, 'maxEnvelopeBytes', /must be a number/],
    [{ network: '../x' }, 'network', /network name/],
    [{ latency: 5 }, 'latency', /not an option/],
  ])('rejects %j with a ConfigError naming the key', (raw, field, message) => {
    try {
      plugin.parseOptions(raw);
      expect.unreachable('parseOptions accepted invalid config');
    } catch (error) {
      expect(ConfigError.hasCode(error, ErrorCode.ConfigInvalid)).toBe(true);
      expect((error as ConfigError).field).toBe(field);
      expect((error as ConfigError).message).toMatch(message);
    }
  });

  it('creates transports on the named network, so config-loaded transports reach each other', async () => {
    const a = plugin.create({ ...plugin.parseOptions({ network: 'plugin-test' }), name: 'mem', priority: 3 }, contextFor(FINGERPRINT_A));
    const b = memory({ network: 'plugin-test' })(contextFor(FINGERPRINT_B));
    expect(a).toBeInstanceOf(MemoryTransport);
    expect([a.name, a.priority, b.name, b.priority]).toEqual(['mem', 3, 'memory', 100]);
    expect((b as MemoryTransport).network).toBe(MemoryNetwork.named('plugin-test'));
    await b.start();
    await a.send(new Uint8Array([1, 2, 3]), { fingerprint: FINGERPRINT_B });
    expect((await b.receive()).map((envelope) => [...envelope.bytes])).toEqual([[1, 2, 3]]);
    await b.stop();
  });

  it('validates init when the factory is called, before any context exists', () => {
    expect(() => memory({ maxEnvelopeBytes: -1 })).toThrow(ConfigError);
  });
});
