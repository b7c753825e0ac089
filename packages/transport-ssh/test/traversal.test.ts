/**
 * Nothing a peer or a planted file can do steers a write or a read outside the folder:
 * crafted envelope ids and addresses are refused before any connection, symbolic links
 * and special files in the remote folders are never followed, opened or deleted.
 */
import { execFile } from 'node:child_process';
import { chown, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makeRemoteDirectory } from '../src/testing/index.js';
import { addressOn, envelopeFor, expectFailure, FINGERPRINT_A, FINGERPRINT_B, recordingLogger, rejection, remoteInbox, sharedServer, transportOn } from './support.js';

const run = promisify(execFile);
const encoder = new TextEncoder();
const withId = (id: unknown) => encoder.encode(JSON.stringify({ skcomm_version: '1.0.0', envelope_id: id }));
const VALID_ID = '3f1c9a2e-5b7d-4c1e-9a8b-2d4f6e8a0c1e';

const TRAVERSAL_IDS = [
  '../../x',
  '../../../../tmp/pwned',
  '/etc/passwd',
  '..\\..\\x',
  '%2e%2e%2fx',
  `${VALID_ID}\u0000../../x`,
  `${VALID_ID}/../../x`,
  VALID_ID.toUpperCase(),
  '.',
  '..',
  '',
  'a'.repeat(4096),
];

async function tree(directory: string): Promise<string[]> {
  return (await readdir(directory, { recursive: true })).map(String).sort();
}

describe('traversal-safe names', () => {
  it.each(TRAVERSAL_IDS.map((id) => [id.length > 60 ? `${id.slice(0, 20)}... (${id.length} characters)` : JSON.stringify(id), id]))(
    'refuses envelope_id %s without connecting or writing',
    async (_label, id) => {
    const { host, port } = sharedServer();
    const inbox = await remoteInbox(host);
    const before = await tree(dirname(dirname(inbox)));
    const transport = await transportOn(host, port);
    await transport.start();
    const error = expectFailure(await rejection(transport.send(withId(id), { fingerprint: FINGERPRINT_B, address: addressOn(host, port, inbox) })), 'envelope', false);
    expect(error.message).toMatch(/cannot name the file/);
    await transport.stop();
    expect(await tree(dirname(dirname(inbox)))).toEqual(before);
    },
  );

  it.each([
    ['skcomm-test@127.0.0.1:2222:/srv/../etc'],
    ['skcomm-test@127.0.0.1:2222:relative/inbox'],
    ['skcomm-test@127.0.0.1:2222:/srv/inbox/\u0000x'],
    ['../../etc'],
    [`skcomm-test@127.0.0.1:2222:/srv/${FINGERPRINT_A}`],
  ])('refuses the peer address %j', async (address) => {
    const { host, port } = sharedServer();
    const transport = await transportOn(host, port);
    await transport.start();
    expectFailure(await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address })), 'address', false);
    expectFailure(await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B })), 'address', false);
    await transport.stop();
  });

  it.each([
    ['the inbox', ''],
    ['its .tmp', '.tmp'],
  ])('refuses to write through %s when it is a symbolic link', async (_what, below) => {
    const { host, port } = sharedServer();
    const inbox = await remoteInbox(host);
    const elsewhere = await makeRemoteDirectory(host);
    if (below !== '') {
      await mkdir(inbox);
      await chown(inbox, host.uid, host.gid);
    }
    await symlink(elsewhere, join(inbox, below));
    const transport = await transportOn(host, port);
    await transport.start();
    const error = expectFailure(await rejection(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B, address: addressOn(host, port, inbox) })), 'remote-refused', false);
    expect(error.message).toMatch(/symbolic link/);
    await transport.stop();
    expect(await readdir(elsewhere)).toEqual([]);
  });
});

describe('pulling from a folder with planted entries', () => {
  it('reads only regular, readable envelope files within the size limit, and leaves the rest alone', async () => {
    const { host, port } = sharedServer();
    const inbox = await makeRemoteDirectory(host);
    const secret = join(await makeRemoteDirectory(host), 'secret.txt');
    await writeFile(secret, '{"envelope_id":"not yours"}');
    const planted = {
      link: '11111111-1111-4111-8111-111111111111.skc.json',
      fifo: '22222222-2222-4222-8222-222222222222.skc.json',
      directory: '33333333-3333-4333-8333-333333333333.skc.json',
      oversize: '44444444-4444-4444-8444-444444444444.skc.json',
      empty: '55555555-5555-4555-8555-555555555555.skc.json',
      unreadable: '66666666-6666-4666-8666-666666666666.skc.json',
    };
    await symlink(secret, join(inbox, planted.link));
    await run('mkfifo', [join(inbox, planted.fifo)]);
    await mkdir(join(inbox, planted.directory));
    const oversize = `{"envelope_id":"${'x'.repeat(5000)}"}`;
    await writeFile(join(inbox, planted.oversize), oversize);
    await writeFile(join(inbox, planted.empty), '');
    await writeFile(join(inbox, planted.unreadable), '{}', { mode: 0o600 });
    for (const foreign of ['evil.skc.json', `${VALID_ID}.skc.json.part`, `${VALID_ID.toUpperCase()}.skc.json`, 'notes.txt']) await writeFile(join(inbox, foreign), '{}');
    const good = envelopeFor();
    await writeFile(join(inbox, `${good.envelopeId}.skc.json`), good.bytes);

    const logger = recordingLogger();
    const transport = await transportOn(host, port, { pullFolder: inbox, maxEnvelopeBytes: 4096 }, logger);
    await transport.start();
    const before = await tree(inbox);
    const arrived = await transport.receive();
    expect(arrived.map((envelope) => Buffer.from(envelope.bytes).toString())).toEqual([Buffer.from(good.bytes).toString()]);
    await arrived[0]?.commit();
    await transport.receive();
    await transport.stop();

    expect(await tree(inbox)).toEqual(before.filter((name) => name !== `${good.envelopeId}.skc.json`));
    expect(await readFile(secret, 'utf8')).toBe('{"envelope_id":"not yours"}');
    const warnings = logger.lines.filter((line) => line.level === 'warn').map((line) => `${String(line.fields?.name)}: ${String(line.fields?.reason)}`);
    expect(warnings.sort()).toEqual(
      [
        `${planted.link}: a symbolic link (never followed)`,
        `${planted.fifo}: not a regular file (a FIFO, socket or device)`,
        `${planted.directory}: a directory named like an envelope`,
        `${planted.oversize}: ${oversize.length} bytes, over the limit of 4096`,
        `${planted.unreadable}: could not be read (Permission denied)`,
      ].sort(),
    );
  });
});
