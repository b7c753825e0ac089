import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode, TRANSPORT_SPECIFICATION_VERSION } from '@skcomm/core';
import plugin, { file, FileTransport } from '../src/index.js';
import { FINGERPRINT_B, recordingLogger } from './support.js';

describe('plugin and factory', () => {
  it('is a TransportPlugin with id "file"', () => {
    expect(plugin.id).toBe('file');
    expect(plugin.specificationVersion).toBe(TRANSPORT_SPECIFICATION_VERSION);
  });

  it('parses raw config with defaults, including strings from --set', () => {
    expect(plugin.parseOptions({ root: '/media/usb/skcomm/' })).toEqual({
      root: '/media/usb/skcomm/',
      pollIntervalMs: 2000,
      maxEnvelopeBytes: 1024 * 1024,
      watch: true,
      expectedLatencyMs: 30_000,
      emptyFileGraceMs: 10_000,
    });
    expect(plugin.parseOptions({ root: '~/shared', pollIntervalMs: '250', watch: 'no', maxEnvelopeBytes: '65536' })).toMatchObject({
      root: `${homedir()}/shared`,
      pollIntervalMs: 250,
      watch: false,
      maxEnvelopeBytes: 65_536,
    });
  });

  it.each([
    [{}, 'root', /is required/],
    [{ root: 'relative/path' }, 'root', /absolute path/],
    [{ root: '   ' }, 'root', /must not be empty/],
    [{ root: '/x', pollIntervalMs: 10 }, 'pollIntervalMs', /at least 50/],
    [{ root: '/x', maxEnvelopeBytes: 2 * 1024 * 1024 }, 'maxEnvelopeBytes', /at most 1048576/],
    [{ root: '/x', watch: 'maybe' }, 'watch', /true or false/],
    [{ root: '/x', pollInterval: 100 }, 'pollInterval', /not an option/],
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
    const transport = plugin.create({ ...plugin.parseOptions({ root: '/srv/shared' }), name: 'usb', priority: 10 }, { selfFingerprint: FINGERPRINT_B, logger: recordingLogger() });
    expect(transport).toBeInstanceOf(FileTransport);
    expect([transport.name, transport.priority]).toEqual(['usb', 10]);
    expect(transport.traits).toMatchObject({ delivery: 'store-and-forward', stealth: 'high', hopAck: false, expectedLatencyMs: 30_000 });
    expect((transport as FileTransport).inbox).toBe(`/srv/shared/${FINGERPRINT_B}`);
  });

  it('validates init when the factory is called, and the fingerprint when the context arrives', () => {
    expect(() => file({ root: 'relative' })).toThrow(ConfigError);
    expect(() => file({ root: '/srv/shared' })({ selfFingerprint: '../x', logger: recordingLogger() })).toThrow(ConfigError);
  });
});
