/** Host keys are always checked against the real sshd's key: no blind trust, no silent TOFU. */
import { lstat, readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { hostKeyFingerprint } from '../src/index.js';
import { publicKeyBlob } from '../src/key-blob.js';
import { knownHostsLine } from '../src/testing/index.js';
import { addressOn, envelopeFor, expectFailure, FINGERPRINT_B, knownHostsFile, recordingLogger, rejection, remoteInbox, sharedServer, transportOn } from './support.js';

const otherKey = () => ssh2.utils.generateKeyPairSync('ed25519').public.trim().split(/\s+/).slice(0, 2).join(' ');

async function sendWith(init: Parameters<typeof transportOn>[2]) {
  const { host, port } = sharedServer();
  const inbox = await remoteInbox(host);
  const transport = await transportOn(host, port, init);
  await transport.start();
  try {
    const envelope = envelopeFor();
    const outcome = await transport.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, inbox) }).then(
      (result) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    const created = await lstat(inbox).then(
      () => true,
      () => false,
    );
    return { ...outcome, created, health: await transport.healthCheck() };
  } finally {
    await transport.stop();
  }
}

describe('host key checking', () => {
  it('accepts the host known_hosts lists', async () => {
    const { host, port } = sharedServer();
    const outcome = await sendWith({ knownHosts: await knownHostsFile(host, port) });
    expect(outcome.error).toBeUndefined();
    expect(outcome.created).toBe(true);
  });

  it('refuses an unknown host, non-retryably, before logging in or writing anything', async () => {
    const { host, port } = sharedServer();
    const outcome = await sendWith({ knownHosts: await knownHostsFile(host, port, `[127.0.0.1]:${port + 1} ${host.hostPublicKey}\n`) });
    const error = expectFailure(outcome.error, 'host-key-unknown', false);
    expect(error.message).toContain(host.hostKeyFingerprint);
    expect(outcome.created).toBe(false);
  });

  it('treats a missing known_hosts file as listing nobody', async () => {
    const { host } = sharedServer();
    const outcome = await sendWith({ knownHosts: `${host.directory}/no-such-known_hosts` });
    expectFailure(outcome.error, 'host-key-unknown', false);
  });

  it('refuses a changed host key, non-retryably', async () => {
    const { host, port } = sharedServer();
    const outcome = await sendWith({ knownHosts: await knownHostsFile(host, port, `[127.0.0.1]:${port} ${otherKey()}\n`) });
    const error = expectFailure(outcome.error, 'host-key-changed', false);
    expect(error.message).toMatch(/someone in the middle/);
    expect(outcome.created).toBe(false);
    expect(outcome.health).toMatchObject({ status: 'down', detail: expect.stringMatching(/lists other keys/) });
  });

  it('refuses a revoked host key even when it is also listed', async () => {
    const { host, port } = sharedServer();
    const outcome = await sendWith({ knownHosts: await knownHostsFile(host, port, `@revoked * ${host.hostPublicKey}\n${knownHostsLine(host, port)}`) });
    expectFailure(outcome.error, 'host-key-revoked', false);
  });

  it('accepts the pinned fingerprint and refuses any other', async () => {
    expect((await sendWith({ hostKey: sharedServer().host.hostKeyFingerprint })).error).toBeUndefined();
    const wrong = hostKeyFingerprint(publicKeyBlob(otherKey()));
    const outcome = await sendWith({ hostKey: wrong });
    expect(expectFailure(outcome.error, 'host-key-changed', false).message).toContain(wrong);
    expect(outcome.created).toBe(false);
  });

  it('trusts on first use only when asked, records the key, and still refuses a changed one', async () => {
    const { host, port } = sharedServer();
    const path = await knownHostsFile(host, port, '');
    const logger = recordingLogger();
    const first = await transportOn(host, port, { knownHosts: path, trustOnFirstUse: true }, logger);
    await first.start();
    const inbox = await remoteInbox(host);
    await first.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, inbox) });
    await first.stop();
    expect(await readFile(path, 'utf8')).toBe(knownHostsLine(host, port));
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/first use/) }));

    const changed = await knownHostsFile(host, port, `[127.0.0.1]:${port} ${otherKey()}\n`);
    const outcome = await sendWith({ knownHosts: changed, trustOnFirstUse: true });
    expectFailure(outcome.error, 'host-key-changed', false);
    expect(await readFile(changed, 'utf8')).not.toContain(host.hostPublicKey);
  });
});
