/** One connection per host, reused; closed when idle and on stop(). Counted in sshd's own log. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSshd, type SshdProcess } from '../src/testing/index.js';
import { addressOn, envelopeFor, expectFailure, FINGERPRINT_B, remoteInbox, sharedServer, transportOn } from './support.js';

let sshd: SshdProcess;
beforeEach(async () => {
  sshd = await startSshd(sharedServer().host);
});
afterEach(() => sshd.stop());

const logins = () => sshd.log().match(/Accepted publickey for /g)?.length ?? 0;
const disconnects = () => sshd.log().match(/Disconnected from user /g)?.length ?? 0;

/** Waits for sshd to log what it logs asynchronously (no timing is asserted). */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error(`sshd never logged it; log:\n${sshd.log()}`);
    await sleep(10);
  }
}

async function transportWithInbox(init: Parameters<typeof transportOn>[2] = {}) {
  const { host } = sharedServer();
  const inbox = await remoteInbox(host);
  const transport = await transportOn(host, sshd.port, { pullFolder: inbox, ...init });
  await transport.start();
  const send = () => transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, sshd.port, inbox) });
  return { transport, send };
}

describe('connection reuse', () => {
  it('sends, receives, commits and checks health over a single login', async () => {
    const { transport, send } = await transportWithInbox();
    for (let index = 0; index < 10; index++) await send();
    await Promise.all(Array.from({ length: 10 }, send));
    for (const envelope of await transport.receive()) await envelope.commit();
    expect((await transport.healthCheck()).status).toBe('up');
    await until(() => logins() >= 1);
    expect(logins()).toBe(1);
    await transport.stop();
    await until(() => disconnects() === 1);
  });

  it('closes an idle connection and logs in again on the next use', async () => {
    const { transport, send } = await transportWithInbox({ idleTimeoutMs: 100 });
    await send();
    await until(() => disconnects() === 1);
    await send();
    await until(() => logins() === 2);
    await transport.stop();
  });

  it('with idleTimeoutMs=0, closes each connection as soon as nothing uses it', async () => {
    const { transport, send } = await transportWithInbox({ idleTimeoutMs: 0 });
    for (let index = 0; index < 3; index++) await send();
    await until(() => disconnects() === 3);
    expect(logins()).toBe(3);
    await transport.stop();
  });

  it('reconnects after the server dropped the connection', async () => {
    const { transport, send } = await transportWithInbox();
    await send();
    await sshd.stop();
    await sshd.start();
    // The first use may still find the dead connection: a retryable failure, after which the pool forgets it.
    const first = await send().then(
      () => undefined,
      (error: unknown) => error,
    );
    if (first !== undefined) expectFailure(first, 'unreachable', true);
    await send();
    expect((await transport.healthCheck()).status).toBe('up');
    await transport.stop();
  });
});
