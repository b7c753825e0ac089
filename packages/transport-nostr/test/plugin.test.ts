import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TRANSPORT_SPECIFICATION_VERSION } from '@skcomm/core';
import plugin, { MAX_CARRIED_ENVELOPE_BYTES, NostrTransport, NostrTransportError } from '../src/index.js';
import { FINGERPRINT_A, FINGERPRINT_B, recordingLogger, TempDirs } from './support.js';

describe('plugin and config', () => {
  it('is a TransportPlugin with id "nostr"', () => {
    expect(plugin.id).toBe('nostr');
    expect(plugin.specificationVersion).toBe(TRANSPORT_SPECIFICATION_VERSION);
  });

  it('parses relays from --set (comma-separated) or YAML (a list), with defaults', () => {
    expect(plugin.parseOptions({ relays: 'ws://127.0.0.1:7001, ws://127.0.0.1:7002,,ws://127.0.0.1:7001' })).toEqual({
      relays: ['ws://127.0.0.1:7001', 'ws://127.0.0.1:7002'],
      publishTimeoutMs: 5000,
      connectTimeoutMs: 3000,
      reconnectMaxDelayMs: 30_000,
      maxEnvelopeBytes: MAX_CARRIED_ENVELOPE_BYTES,
      expectedLatencyMs: 500,
    });
    expect(plugin.parseOptions({ relays: ['wss://relay.example.org'], secretKeyFile: '/etc/skcomm/nostr.key', publishTimeoutMs: '1500' })).toMatchObject({
      relays: ['wss://relay.example.org'],
      secretKeyFile: '/etc/skcomm/nostr.key',
      publishTimeoutMs: 1500,
    });
  });

  it.each([
    [{}, 'relays', /is required/],
    [{ relays: '' }, 'relays', /at least one relay/],
    [{ relays: 'https://relay.example.org' }, 'relays.0', /ws:\/\/ or wss:\/\//],
    [{ relays: 'ws://127.0.0.1:7001,not a url' }, 'relays.1', /ws:\/\/ or wss:\/\//],
    [{ relays: 'ws://a', secretKeyFile: 'relative.key' }, 'secretKeyFile', /absolute path/],
    [{ relays: 'ws://a', maxEnvelopeBytes: MAX_CARRIED_ENVELOPE_BYTES + 1 }, 'maxEnvelopeBytes', /at most/],
    [{ relays: 'ws://a', secret_key_file: '/x' }, 'secret_key_file', /not an option/],
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

  it('creates a transport with honest traits', async () => {
    const directories = new TempDirs();
    try {
      const transport = plugin.create(
        { ...plugin.parseOptions({ relays: 'ws://127.0.0.1:7001' }), name: 'nostr-eu', priority: 30 },
        { selfFingerprint: FINGERPRINT_A, stateDir: await directories.make(), logger: recordingLogger() },
      );
      expect(transport).toBeInstanceOf(NostrTransport);
      expect([transport.name, transport.priority]).toEqual(['nostr-eu', 30]);
      expect(transport.traits).toMatchObject({ delivery: 'store-and-forward', stealth: 'medium', hopAck: true, duplex: true });
    } finally {
      await directories.cleanup();
    }
  });

  it('refuses to send without a usable nostr address, non-retryably', async () => {
    const directories = new TempDirs();
    const transport = plugin.create(plugin.parseOptions({ relays: 'ws://127.0.0.1:1' }), {
      selfFingerprint: FINGERPRINT_A,
      stateDir: await directories.make(),
      logger: recordingLogger(),
    });
    await transport.start();
    try {
      for (const address of [undefined, 'not-a-key', 'ff'.repeat(32)]) {
        const target = address === undefined ? { fingerprint: FINGERPRINT_B } : { fingerprint: FINGERPRINT_B, address };
        const error = await transport.send(new Uint8Array([1]), target).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(NostrTransportError);
        expect((error as NostrTransportError).retryable).toBe(false);
      }
    } finally {
      await transport.stop();
      await directories.cleanup();
    }
  });
});

describe('signature backend', () => {
  it('loads libsecp256k1 (WASM) in this environment, rather than silently staying on pure JS', async () => {
    const { loadFastSignatures } = await import('../src/signatures.js');
    expect(await loadFastSignatures()).toBe('wasm');
  });
});
