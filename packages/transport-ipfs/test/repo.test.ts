/**
 * Persistence: the libp2p key file (stable peer id, mode 0600) and a file-backed `repo`
 * in which envelopes received but not committed survive a restart of the recipient.
 */
import { chmod, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@skcomm/core';
import { KEY_FILE_NAME, type IpfsTransport } from '../src/index.js';
import { envelopeBytes, FINGERPRINT_A, FINGERPRINT_B, firstAddress, ipfsTransport, sandbox } from './support.js';

let cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function started(transport: IpfsTransport): Promise<IpfsTransport> {
  await transport.start();
  cleanups.push(() => transport.stop());
  return transport;
}

describe('identity', () => {
  it('keeps the peer id in <stateDir>/libp2p-key, mode 0600', async () => {
    const folder = await sandbox();
    cleanups.push(folder.cleanup);
    const first = await started(ipfsTransport(FINGERPRINT_B, folder.directory));
    const peerId = first.peerId;
    await first.stop();
    expect(((await stat(join(folder.directory, KEY_FILE_NAME))).mode & 0o777).toString(8)).toBe('600');
    const second = await started(ipfsTransport(FINGERPRINT_B, folder.directory));
    expect(second.peerId).toBe(peerId);
  });

  it('refuses a key file others can read, and one that is not a key', async () => {
    const folder = await sandbox();
    cleanups.push(folder.cleanup);
    const keyFile = join(folder.directory, 'key');
    await writeFile(keyFile, 'not a key', { mode: 0o600 });
    await expect(ipfsTransport(FINGERPRINT_B, folder.directory, { keyFile }).start()).rejects.toMatchObject({ code: ErrorCode.KeyInvalid });
    await chmod(keyFile, 0o644);
    await expect(ipfsTransport(FINGERPRINT_B, folder.directory, { keyFile }).start()).rejects.toMatchObject({ code: ErrorCode.InsecurePermissions });
  });
});

describe('file-backed repo', () => {
  it('redelivers envelopes that were received but not committed after a restart, and forgets committed ones', async () => {
    const folder = await sandbox();
    cleanups.push(folder.cleanup);
    const repo = join(folder.directory, 'repo');
    const bState = join(folder.directory, 'b');
    const b = await started(ipfsTransport(FINGERPRINT_B, bState, { repo }));
    const address = firstAddress(b);
    const a = await started(ipfsTransport(FINGERPRINT_A, join(folder.directory, 'a')));
    await a.send(envelopeBytes('kept'), { fingerprint: FINGERPRINT_B, address });
    await a.send(envelopeBytes('committed'), { fingerprint: FINGERPRINT_B, address });
    const idOf = (bytes: Uint8Array) => (JSON.parse(new TextDecoder().decode(bytes)) as { envelope_id: string }).envelope_id;
    for (const envelope of await b.receive()) if (idOf(envelope.bytes) === 'committed') await envelope.commit();
    await b.stop();

    // A new transport over the same repo, as after a crash or a restart of the process.
    const restarted = await started(ipfsTransport(FINGERPRINT_B, bState, { repo }));
    const again = await restarted.receive();
    expect(again.map((envelope) => idOf(envelope.bytes))).toEqual(['kept']);
    expect(again[0]?.bytes).toEqual(envelopeBytes('kept'));
    await again[0]?.commit();
    await restarted.stop();

    const third = await started(ipfsTransport(FINGERPRINT_B, bState, { repo }));
    expect(await third.receive()).toEqual([]);
  });
});
