import { ConfigError, ErrorCode, silentLogger } from '@skcomm/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import plugin, { DEVICE_ID_PATTERN, syncthing } from '../src/index.js';

const DEVICE = 'KC6J3SI-IGKDPEL-RWBZMPD-YHEYBN2-WRZMNEV-UMUUVDM-WBWORSY-GNZ2FAY';
const minimal = { root: '/srv/sync/skcomm', folder: 'skcomm', apiKeyFile: '/etc/skcomm/syncthing-key' };

function configError(raw: Record<string, unknown>): ConfigError {
  try {
    plugin.parseOptions(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`);
}

describe('config', () => {
  it('fills in the defaults: loopback API, 1 s expected latency, peer required', () => {
    expect(plugin.parseOptions(minimal)).toMatchObject({
      api: 'http://127.0.0.1:8384',
      expectedLatencyMs: 1000,
      requireConnectedPeer: true,
      requestTimeoutMs: 5000,
      pollIntervalMs: 2000,
    });
    const transport = syncthing(minimal)({ selfFingerprint: 'A1'.repeat(20), logger: silentLogger });
    expect(transport.traits).toMatchObject({ delivery: 'store-and-forward', expectedLatencyMs: 1000, hopAck: false, duplex: true });
    expect(transport.name).toBe('syncthing');
  });

  it('takes strings from --set: numbers, booleans, a lowercase device ID, a trailing slash', () => {
    const options = plugin.parseOptions({ ...minimal, device: DEVICE.toLowerCase(), requireConnectedPeer: 'no', requestTimeoutMs: '2500', api: 'http://localhost:9090/' });
    expect(options).toMatchObject({ device: DEVICE, requireConnectedPeer: false, requestTimeoutMs: 2500, api: 'http://localhost:9090' });
  });

  it.each([
    [{ root: '/x', folder: 'f' }, 'apiKey'],
    [{ ...minimal, apiKey: 'k' }, 'apiKey'],
    [{ ...minimal, folder: '' }, 'folder'],
    [{ ...minimal, device: 'KC6J3SI' }, 'device'],
    [{ ...minimal, api: 'http://192.168.1.5:8384' }, 'api'],
    [{ ...minimal, api: 'ftp://127.0.0.1' }, 'api'],
    [{ ...minimal, apiKeyFile: 'relative/key' }, 'apiKeyFile'],
    [{ ...minimal, apiToken: 'k' }, 'apiToken'],
  ])('refuses %j naming %s', (raw, field) => {
    const error = configError(raw);
    expect(error.code).toBe(ErrorCode.ConfigInvalid);
    expect(error.field).toBe(field);
  });

  it.each([
    ['api_key', 'apiKey'],
    ['api_key_file', 'apiKeyFile'],
  ])('refuses the old key %s, naming %s to use instead', (oldKey, newKey) => {
    const error = configError({ root: minimal.root, folder: minimal.folder, [oldKey]: '/etc/skcomm/secret-key-do-not-print' });
    expect(error.code).toBe(ErrorCode.ConfigInvalid);
    expect(error.field).toBe(oldKey);
    expect(error.message).toContain(`use ${newKey} instead`);
    expect(error.message).not.toContain('secret-key-do-not-print');
  });

  it('allows a remote API over https only', () => {
    expect(plugin.parseOptions({ ...minimal, api: 'https://nas.example:8384' }).api).toBe('https://nas.example:8384');
  });

  it('turns any device string into a normalized ID or a ConfigError naming device, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z2-7]{7}(-[A-Za-z2-7]{7}){7}$/)), (device) => {
        let accepted: string | undefined;
        try {
          accepted = plugin.parseOptions({ ...minimal, device }).device;
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).field).toBe('device');
          return;
        }
        expect(accepted).toMatch(DEVICE_ID_PATTERN);
        expect(accepted).toBe(device.trim().toUpperCase());
      }),
    );
  });

  it('never puts the API key into an error message', () => {
    const key = 'secret-key-do-not-print';
    const error = configError({ ...minimal, apiKey: key });
    expect(error.message).not.toContain(key);
  });
});
