/**
 * Atomic delivery: a reader of the remote folder (here a real @skcomm/transport-file on
 * the same host) never sees a partial envelope, only nothing or the whole file.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { file } from '@skcomm/transport-file';
import { openConnection, type SshConnection } from '../src/connection.js';
import { deliverEnvelope } from '../src/remote-delivery.js';
import { addressOn, envelopeFor, FINGERPRINT_B, recordingLogger, remoteInbox, sharedServer, transportOn, knownHostsFile } from './support.js';

let connection: SshConnection | undefined;
afterEach(() => connection?.close());

async function connect(): Promise<SshConnection> {
  const { host, port } = sharedServer();
  connection = await openConnection(
    { user: host.user, host: '127.0.0.1', port },
    {
      identity: await readFile(host.identityPath),
      hostKeyPolicy: { kind: 'known-hosts', path: await knownHostsFile(host, port), trustOnFirstUse: false },
      connectTimeoutMs: 10_000,
      operationTimeoutMs: 10_000,
      transport: 'ssh',
      logger: recordingLogger(),
    },
  );
  return connection;
}

/** Makes the next write() stop halfway, with the first half really on the server, until released. */
function pauseHalfway(files: SshConnection['files']) {
  const write = files.write.bind(files);
  let reachedHalfway!: () => void;
  let release!: () => void;
  const halfway = new Promise<void>((resolve) => (reachedHalfway = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  files.write = async (handle, bytes) => {
    const half = Math.floor(bytes.length / 2);
    await write(handle, bytes.subarray(0, half), 0);
    reachedHalfway();
    await released;
    await write(handle, bytes.subarray(half), half);
  };
  return { halfway, release };
}

describe('atomic delivery', () => {
  it('shows only .tmp/<id>.<random>.part while writing, and the whole file once renamed', async () => {
    const { host } = sharedServer();
    const inbox = await remoteInbox(host);
    const envelope = envelopeFor(FINGERPRINT_B, { totalBytes: 200_000 });
    const live = await connect();
    const pause = pauseHalfway(live.files);

    const delivery = deliverEnvelope(live, { directory: inbox, envelopeId: envelope.envelopeId, bytes: envelope.bytes, transport: 'ssh' });
    await Promise.race([pause.halfway, delivery.then(() => expect.unreachable('delivered without pausing'))]);
    // Started only now: its start() would create the inbox as root, where the SSH user may not write.
    const reader = file({ root: dirname(inbox), watch: false })({ selfFingerprint: FINGERPRINT_B, logger: recordingLogger() });
    await reader.start();
    const [part, ...others] = await readdir(join(inbox, '.tmp'));
    expect(others).toEqual([]);
    expect(part).toMatch(new RegExp(`^${envelope.envelopeId}\\.[0-9a-f]{12}\\.part$`));
    expect((await lstat(join(inbox, '.tmp', part as string))).size).toBe(100_000);
    expect(await readdir(inbox)).toEqual(['.tmp']);
    expect(await reader.receive()).toEqual([]);

    pause.release();
    const finalPath = await delivery;
    expect(finalPath).toBe(`${inbox}/${envelope.envelopeId}.skc.json`);
    expect(await readdir(join(inbox, '.tmp'))).toEqual([]);
    const [arrived] = await reader.receive();
    expect(Buffer.from(arrived?.bytes ?? []).equals(Buffer.from(envelope.bytes))).toBe(true);
    await reader.stop();
  });

  it('leaves nothing behind when the send is aborted mid-write', async () => {
    const { host } = sharedServer();
    const inbox = await remoteInbox(host);
    const envelope = envelopeFor(FINGERPRINT_B, { totalBytes: 50_000 });
    const live = await connect();
    const pause = pauseHalfway(live.files);
    const controller = new AbortController();
    const delivery = deliverEnvelope(live, { directory: inbox, envelopeId: envelope.envelopeId, bytes: envelope.bytes, transport: 'ssh', signal: controller.signal });
    await Promise.race([pause.halfway, delivery.then(() => expect.unreachable('delivered without pausing'))]);
    controller.abort();
    pause.release();
    await expect(delivery).rejects.toThrow(/abort/i);
    expect(await readdir(inbox)).toEqual(['.tmp']);
    expect(await readdir(join(inbox, '.tmp'))).toEqual([]);
  });

  it('a reader polling the folder during 40 concurrent 256 KiB sends only ever sees complete files', async () => {
    const { host, port } = sharedServer();
    const inbox = await remoteInbox(host);
    const transport = await transportOn(host, port);
    await transport.start();
    const envelopes = Array.from({ length: 40 }, () => envelopeFor(FINGERPRINT_B, { totalBytes: 256 * 1024 }));
    const sizes = new Map(envelopes.map((envelope) => [`${envelope.envelopeId}.skc.json`, envelope.bytes.length]));
    let sending = true;
    const seen = new Set<string>();
    const problems: string[] = [];
    const look = async () => {
      for (const name of (await readdir(inbox).catch(() => [] as string[])).filter((entry) => entry.endsWith('.skc.json'))) {
        const bytes = await readFile(join(inbox, name));
        if (bytes.length !== sizes.get(name)) problems.push(`${name}: ${bytes.length} of ${sizes.get(name)} bytes`);
        seen.add(name);
      }
    };
    const watcher = (async () => {
      while (sending) await look();
    })();
    await Promise.all(envelopes.map((envelope) => transport.send(envelope.bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, inbox) })));
    sending = false;
    await watcher;
    await look();
    await transport.stop();
    expect(problems).toEqual([]);
    expect(seen.size).toBe(envelopes.length);
  });
});
