/** Key-based login only; each way it can fail is a typed error with an honest `retryable`. */
import { chmod, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '@skcomm/core';
import plugin from '../src/index.js';
import { startSshd } from '../src/testing/index.js';
import { addressOn, envelopeFor, expectFailure, FINGERPRINT_B, knownHostsFile, rejection, remoteInbox, sharedServer, transportOn } from './support.js';

async function keyFile(name: string, contents: string, mode = 0o600): Promise<string> {
  const path = `${sharedServer().host.directory}/${name}`;
  await writeFile(path, contents, { mode });
  await chmod(path, mode);
  return path;
}

describe('authentication', () => {
  it('refuses a client key the server does not authorize, non-retryably', async () => {
    const { host, port } = sharedServer();
    const identity = await keyFile('stranger_ed25519', ssh2.utils.generateKeyPairSync('ed25519').private);
    const transport = await transportOn(host, port, { identity, pullFolder: await remoteInbox(host) });
    await transport.start();
    try {
      const error = await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, await remoteInbox(host)) }));
      expectFailure(error, 'authentication', false);
      expect(await transport.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/refused our key/) });
    } finally {
      await transport.stop();
    }
  });

  it.each([
    ['readable by others', async () => keyFile('open_ed25519', ssh2.utils.generateKeyPairSync('ed25519').private, 0o644), /chmod 600/],
    ['passphrase-protected', async () => keyFile('locked_ed25519', ssh2.utils.generateKeyPairSync('ed25519', { passphrase: 'secret', cipher: 'aes256-ctr', rounds: 4 }).private), /passphrase/],
    ['not a key', async () => keyFile('garbage', 'hello\n'), /not a private key/],
    ['missing', async () => `${sharedServer().host.directory}/no-such-key`, /cannot be read \(ENOENT\)/],
  ])('refuses an identity that is %s at start(), non-retryably', async (_what, makePath, message) => {
    const { host, port } = sharedServer();
    const transport = await transportOn(host, port, { identity: await makePath() });
    const error = expectFailure(await rejection(transport.start()), 'identity', false);
    expect(error.message).toMatch(message);
  });

  it('reports a refused connection as retryable, and recovers when sshd is back', async () => {
    const { host } = sharedServer();
    const sshd = await startSshd(host);
    try {
      const inbox = await remoteInbox(host);
      const transport = await transportOn(host, sshd.port, { pullFolder: inbox });
      await transport.start();
      await sshd.stop();
      const error = expectFailure(
        await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, sshd.port, inbox) })),
        'connection-refused',
        true,
      );
      expect(error.code).toBe(ErrorCode.TransportUnavailable);
      await sshd.start();
      await transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, sshd.port, inbox) });
      await transport.stop();
    } finally {
      await sshd.stop();
    }
  });

  it('times out, retryably, on a server that accepts TCP but never speaks SSH', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const { host } = sharedServer();
      const transport = await transportOn(host, port, { connectTimeoutMs: 300 });
      await transport.start();
      const error = await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, '/srv/inbox') }));
      expectFailure(error, 'timeout', true);
      await transport.stop();
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('config', () => {
  const identity = '/home/me/.ssh/skcomm_ed25519';

  it('parses --set strings into options, with defaults', () => {
    const options = plugin.parseOptions({
      identity,
      knownHosts: '/home/me/.ssh/known_hosts',
      trustOnFirstUse: 'true',
      pull: 'me@mail.example.org:2222:/srv/skcomm/me/',
      connectTimeoutMs: '5000',
    });
    expect(options).toEqual({
      identity,
      hostKeyPolicy: { kind: 'known-hosts', path: '/home/me/.ssh/known_hosts', trustOnFirstUse: true },
      pull: { user: 'me', host: 'mail.example.org', port: 2222, path: '/srv/skcomm/me' },
      connectTimeoutMs: 5000,
      operationTimeoutMs: 30_000,
      idleTimeoutMs: 30_000,
      pollIntervalMs: 2000,
      maxEnvelopeBytes: 1024 * 1024,
      expectedLatencyMs: 5000,
    });
  });

  it.each([
    [{}, 'identity', /is required/],
    [{ identity }, 'knownHosts', /host keys are always checked/],
    [{ identity, knownHosts: '/k', hostKey: `SHA256:${'A'.repeat(43)}` }, 'hostKey', /alternatives/],
    [{ identity, hostKey: 'MD5:aa:bb' }, 'hostKey', /SHA256:/],
    [{ identity, hostKey: `SHA256:${'A'.repeat(43)}`, trustOnFirstUse: true }, 'trustOnFirstUse', /needs knownHosts/],
    [{ identity, knownHosts: '/k', pull: 'me@host:inbox' }, 'pull', /must be absolute/],
    [{ identity, knownHosts: '/k', pull: 'me@host:/a/../b' }, 'pull', /"\.\." segment/],
    [{ identity: 'relative', knownHosts: '/k' }, 'identity', /absolute path/],
    [{ identity, knownHosts: '/k', password: 'hunter2' }, 'password', /not an option/],
    [{ identity, knownHosts: '/k', idleTimeoutMs: -1 }, 'idleTimeoutMs', /at least 0/],
  ])('rejects %j with a ConfigError naming %s', (raw, field, message) => {
    try {
      plugin.parseOptions(raw);
      expect.unreachable('parseOptions accepted invalid config');
    } catch (error) {
      expect(ConfigError.hasCode(error, ErrorCode.ConfigInvalid)).toBe(true);
      expect((error as ConfigError).field).toBe(field);
      expect((error as ConfigError).message).toMatch(message);
    }
  });

  it.each([
    ['known_hosts', 'knownHosts'],
    ['host_key', 'hostKey'],
    ['trust_on_first_use', 'trustOnFirstUse'],
    ['connect_timeout_ms', 'connectTimeoutMs'],
    ['operation_timeout_ms', 'operationTimeoutMs'],
    ['idle_timeout_ms', 'idleTimeoutMs'],
    ['poll_interval_ms', 'pollIntervalMs'],
    ['max_envelope_bytes', 'maxEnvelopeBytes'],
    ['expected_latency_ms', 'expectedLatencyMs'],
  ])('refuses the old key %s, naming %s to use instead', (oldKey, newKey) => {
    try {
      plugin.parseOptions({ identity, knownHosts: '/k', [oldKey]: '1' });
      expect.unreachable('parseOptions accepted a renamed key');
    } catch (error) {
      expect(ConfigError.hasCode(error, ErrorCode.ConfigInvalid)).toBe(true);
      expect((error as ConfigError).field).toBe(oldKey);
      expect((error as ConfigError).message).toContain(`use ${newKey} instead`);
    }
  });

  it('declares honest traits', async () => {
    const { host, port } = sharedServer();
    const transport = plugin.create({ ...plugin.parseOptions({ identity: host.identityPath, knownHosts: await knownHostsFile(host, port) }), name: 'mailhost', priority: 5 }, {
      selfFingerprint: FINGERPRINT_B,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    expect([transport.name, transport.priority]).toEqual(['mailhost', 5]);
    expect(transport.traits).toMatchObject({ delivery: 'store-and-forward', stealth: 'medium', hopAck: true, duplex: true, maxEnvelopeBytes: 1024 * 1024 });
  });
});
