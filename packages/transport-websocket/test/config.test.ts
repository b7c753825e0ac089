import { describe, expect, it } from 'vitest';
import { ConfigError, TRANSPORT_SPECIFICATION_VERSION } from '@skcomm/core';
import plugin, { configSchema, WEBSOCKET_TRANSPORT_ID } from '../src/index.js';

describe('websocket config', () => {
  it('takes one relay URL or several, comma-separated, and numbers as strings', () => {
    expect(plugin.parseOptions({ url: 'ws://127.0.0.1:8765' }).url).toEqual(['ws://127.0.0.1:8765']);
    const options = plugin.parseOptions({ url: ' ws://127.0.0.1:8765 ,wss://relay.example:443/skcomm', connectTimeoutMs: '1500' });
    expect(options.url).toEqual(['ws://127.0.0.1:8765', 'wss://relay.example:443/skcomm']);
    expect(options.connectTimeoutMs).toBe(1500);
    expect(options.maxEnvelopeBytes).toBe(1024 * 1024);
  });

  it('refuses bad values with a ConfigError naming the key', () => {
    for (const [raw, field] of [
      [{}, 'url'],
      [{ url: 'http://127.0.0.1:8765' }, 'url'],
      [{ url: 'ws://user:secret@127.0.0.1:8765' }, 'url'],
      [{ url: 'ws://127.0.0.1:1,ws://127.0.0.1:1' }, 'url'],
      [{ url: 'ws://127.0.0.1:1', reconnectBaseMs: 'soon' }, 'reconnectBaseMs'],
      [{ url: 'ws://127.0.0.1:1', maxEnvelopeBytes: 2 * 1024 * 1024 }, 'maxEnvelopeBytes'],
      [{ url: 'ws://127.0.0.1:1', token: 'x' }, 'token'],
    ] as const) {
      let thrown: unknown;
      try {
        plugin.parseOptions(raw as Record<string, unknown>);
      } catch (error) {
        thrown = error;
      }
      expect(ConfigError.hasCode(thrown, 'E_CONFIG_INVALID'), JSON.stringify(raw)).toBe(true);
      expect((thrown as ConfigError).field).toBe(field);
    }
  });

  it('is a plugin the CLI can load by package name', () => {
    expect(plugin.id).toBe(WEBSOCKET_TRANSPORT_ID);
    expect(plugin.specificationVersion).toBe(TRANSPORT_SPECIFICATION_VERSION);
    expect(configSchema).toBeDefined();
    const transport = plugin.create({ ...plugin.parseOptions({ url: 'ws://127.0.0.1:1' }), name: 'relay-eu', priority: 5 }, {
      selfFingerprint: 'A'.repeat(40),
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    expect(transport).toMatchObject({ name: 'relay-eu', priority: 5, traits: { delivery: 'store-and-forward', hopAck: true, duplex: true } });
  });
});
