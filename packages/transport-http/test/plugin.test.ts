import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TRANSPORT_SPECIFICATION_VERSION } from '@skcomm/core';
import plugin, { http, HttpTransport } from '../src/index.js';
import { FINGERPRINT_B, recordingLogger, sandbox, transportFor } from './support.js';

describe('plugin and factory', () => {
  it('is a TransportPlugin with id "http"', () => {
    expect(plugin.id).toBe('http');
    expect(plugin.specificationVersion).toBe(TRANSPORT_SPECIFICATION_VERSION);
  });

  it('parses raw config with defaults, including strings from --set', () => {
    expect(plugin.parseOptions({})).toEqual({
      path: '/skcomm',
      maxEnvelopeBytes: 1024 * 1024,
      timeoutMs: 10_000,
      rateLimit: 100,
      rateLimitBurst: 500,
      maxSpooled: 10_000,
      mailbox: false,
      pollIntervalMs: 1000,
      probe: [],
      expectedLatencyMs: 500,
    });
    expect(
      plugin.parseOptions({ listen: '127.0.0.1:8080', path: '/hooks/skcomm/', timeoutMs: '2500', spool: '/var/spool/skcomm/', probe: 'http://10.0.0.2:8080/skcomm, https://peer.example/skcomm' }),
    ).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      path: '/hooks/skcomm',
      timeoutMs: 2500,
      spool: '/var/spool/skcomm/',
      probe: ['http://10.0.0.2:8080/skcomm', 'https://peer.example/skcomm'],
    });
  });

  it.each([
    ['8080', { host: '127.0.0.1', port: 8080 }],
    ['0.0.0.0:8080', { host: '0.0.0.0', port: 8080 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
    ['agent.local:0', { host: 'agent.local', port: 0 }],
  ])('reads listen=%s', (listen, expected) => {
    expect(plugin.parseOptions({ listen }).listen).toEqual(expected);
  });

  it.each([
    [{ listen: '127.0.0.1:99999' }, 'listen', /at most 65535/],
    [{ listen: '::1:8080' }, 'listen', /brackets/],
    [{ listen: 'bad host:80' }, 'listen', /not a host name/],
    [{ path: 'skcomm' }, 'path', /starting with \//],
    [{ spool: 'relative' }, 'spool', /absolute path/],
    [{ poll: 'ftp://x/skcomm', pollToken: 'x'.repeat(16) }, 'poll', /http/],
    [{ poll: 'http://127.0.0.1:8080/skcomm' }, 'pollToken', /required with poll/],
    [{ poll: 'http://127.0.0.1:8080/skcomm', pollToken: 'short' }, 'pollToken', /at least 16/],
    [{ mailbox: 'yes', listen: '8080' }, 'mailboxTokens', /required when mailbox is on/],
    [{ mailbox: 'yes', mailboxTokens: '/etc/skcomm/tokens' }, 'listen', /required when mailbox is on/],
    [{ probe: 'http://ok/skcomm,not a url' }, 'probe.1', /not a URL/],
    [{ timeoutMs: 10 }, 'timeoutMs', /at least 100/],
    [{ maxEnvelopeBytes: 2 * 1024 * 1024 }, 'maxEnvelopeBytes', /at most 1048576/],
    [{ url: 'http://x' }, 'url', /not an option/],
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

  it('creates a transport with honest traits', () => {
    const transport = plugin.create({ ...plugin.parseOptions({ listen: '8080' }), name: 'webhook', priority: 5 }, { selfFingerprint: FINGERPRINT_B, logger: recordingLogger() });
    expect(transport).toBeInstanceOf(HttpTransport);
    expect([transport.name, transport.priority]).toEqual(['webhook', 5]);
    expect(transport.traits).toMatchObject({ delivery: 'realtime', stealth: 'low', hopAck: true, duplex: true, maxEnvelopeBytes: 1024 * 1024 });
    const polling = http({ poll: 'http://127.0.0.1:1/skcomm', pollToken: 'x'.repeat(16) })({ selfFingerprint: FINGERPRINT_B, logger: recordingLogger() });
    expect(polling.traits.delivery).toBe('store-and-forward');
  });

  it('start() with a listen address but neither spool nor a state directory fails with a clear, permanent error', async () => {
    const transport = transportFor(FINGERPRINT_B, { listen: '127.0.0.1:0' });
    await expect(transport.start()).rejects.toMatchObject({ retryable: false, message: expect.stringMatching(/set spool=DIR/) });
  });

  it('uses <state dir>/http-spool/<name> when no spool is configured', async () => {
    const folder = await sandbox();
    const transport = plugin.create({ ...plugin.parseOptions({ listen: '127.0.0.1:0' }), name: 'hook' }, { selfFingerprint: FINGERPRINT_B, logger: recordingLogger(), stateDir: folder.directory });
    try {
      await transport.start();
      expect((await transport.healthCheck()).status).toBe('up');
    } finally {
      await transport.stop();
      await folder.cleanup();
    }
  });

  it('start() on a port already taken fails with a retryable error naming the address', async () => {
    const folder = await sandbox();
    const first = transportFor(FINGERPRINT_B, { listen: '127.0.0.1:0', spool: `${folder.directory}/1` });
    await first.start();
    const port = new URL(first.endpoint as string).port;
    const second = transportFor(FINGERPRINT_B, { listen: `127.0.0.1:${port}`, spool: `${folder.directory}/2` });
    try {
      await expect(second.start()).rejects.toMatchObject({ retryable: true, message: expect.stringContaining(`127.0.0.1:${port}`) });
      expect((await second.healthCheck()).status).toBe('down');
      await first.stop(); // the port is free again: a later start() works
      await second.start();
      expect((await second.healthCheck()).status).toBe('up');
      await second.stop();
    } finally {
      await first.stop();
      await folder.cleanup();
    }
  });
});
