import { describe, expect, it } from 'vitest';
import { startSshd } from '../src/testing/index.js';
import { addressOn, envelopeFor, FINGERPRINT_B, remoteInbox, sharedServer, transportOn } from './support.js';

describe('healthCheck()', () => {
  it('is down before start(), and up with a latency once the pull folder is reachable', async () => {
    const { host, port } = sharedServer();
    const transport = await transportOn(host, port, { pullFolder: await remoteInbox(host) });
    expect(await transport.healthCheck()).toMatchObject({ status: 'down', detail: 'not started' });
    await transport.start();
    const health = await transport.healthCheck();
    expect(health).toMatchObject({ status: 'up', detail: expect.stringMatching(/does not exist yet/) });
    expect(health.latencyMs).toBeGreaterThan(0);
    await transport.receive();
    expect((await transport.healthCheck()).detail).toBeUndefined();
    await transport.stop();
  });

  it('without a pull folder, probes the folder last delivered to', async () => {
    const { host } = sharedServer();
    const sshd = await startSshd(host);
    try {
      const transport = await transportOn(host, sshd.port);
      await transport.start();
      expect(await transport.healthCheck()).toMatchObject({ status: 'up', detail: expect.stringMatching(/nothing sent yet/) });
      await transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, sshd.port, await remoteInbox(host)) });
      expect(await transport.healthCheck()).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
      await sshd.stop();
      expect(await transport.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/connection refused/) });
      expect(await transport.isAvailable()).toBe(false);
      await transport.stop();
    } finally {
      await sshd.stop();
    }
  });
});
