/** What the remote folder's state makes of a send or a pull: typed, with an honest `retryable`. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@skcomm/core';
import { makeRemoteDirectory } from '../src/testing/index.js';
import { addressOn, envelopeFor, expectFailure, FINGERPRINT_B, rejection, sharedServer, transportOn } from './support.js';

describe('remote folder errors', () => {
  it('a missing parent folder is retryable (not created yet, or an unmounted disk), and nothing is created above it', async () => {
    const { host, port } = sharedServer();
    const parent = join(await makeRemoteDirectory(host), 'not-mounted');
    const transport = await transportOn(host, port, { pullFolder: join(parent, 'mine') });
    await transport.start();
    const send = transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, join(parent, FINGERPRINT_B)) });
    expect(expectFailure(await rejection(send), 'remote-path', true).code).toBe(ErrorCode.TransportUnavailable);
    expectFailure(await rejection(transport.receive()), 'remote-path', true);
    await transport.stop();
  });

  it('a folder the account may not write in is refused, not retried', async () => {
    const { host, port } = sharedServer();
    const foreign = join(await makeRemoteDirectory(host), 'root-owned');
    await mkdir(foreign, { mode: 0o755 });
    const transport = await transportOn(host, port);
    await transport.start();
    const error = expectFailure(
      await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, join(foreign, FINGERPRINT_B)) })),
      'remote-refused',
      false,
    );
    expect(error.message).toMatch(/permission denied/);
    await transport.stop();
  });

  it('refuses envelopes it cannot carry before connecting', async () => {
    const { host, port } = sharedServer();
    const transport = await transportOn(host, port, { maxEnvelopeBytes: 1000 });
    await transport.start();
    const address = addressOn(host, port, '/nowhere');
    expect(expectFailure(await rejection(transport.send(envelopeFor(FINGERPRINT_B, { totalBytes: 1001 }).bytes, { fingerprint: FINGERPRINT_B, address })), 'envelope', false).code).toBe(
      ErrorCode.EnvelopeTooLarge,
    );
    expect(expectFailure(await rejection(transport.send(new TextEncoder().encode('not json'), { fingerprint: FINGERPRINT_B, address })), 'envelope', false).code).toBe(
      ErrorCode.EnvelopeInvalid,
    );
    await transport.stop();
  });

  it('refuses to send or receive before start() and after stop(), retryably', async () => {
    const { host, port } = sharedServer();
    const transport = await transportOn(host, port, { pullFolder: '/srv/inbox' });
    const address = addressOn(host, port, '/srv/inbox');
    expectFailure(await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address })), 'not-started', true);
    await transport.start();
    await transport.stop();
    expectFailure(await rejection(transport.receive()), 'not-started', true);
  });
});
