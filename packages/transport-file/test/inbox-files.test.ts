/**
 * Threat model R9 and (d) item 10: what a shared folder, a sync tool or a USB stick leaves
 * in an inbox. Corrupt envelope content is still delivered (the receive pipeline judges
 * and quarantines envelopes); only files that cannot be read as text are quarantined here.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FileTransport } from '../src/index.js';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, recordingLogger, sandbox, transportFor } from './support.js';

let folder: Awaited<ReturnType<typeof sandbox>>;
let receiver: FileTransport;
let inbox: string;
const logger = recordingLogger();

beforeEach(async () => {
  folder = await sandbox();
  logger.lines.length = 0;
  receiver = transportFor(FINGERPRINT_B, { root: folder.root, maxEnvelopeBytes: 4096 }, logger);
  await receiver.start();
  inbox = receiver.inbox;
});
afterEach(async () => {
  await receiver.stop();
  await folder.cleanup();
});

const envelopeName = () => `${randomUUID()}.skc.json`;
const quarantineReasons = async () => {
  const entries = await readdir(join(inbox, '.quarantine')).catch(() => [] as string[]);
  const reasons = entries.filter((entry) => entry.endsWith('.reason.json'));
  return Promise.all(reasons.map(async (entry) => JSON.parse(await readFile(join(inbox, '.quarantine', entry), 'utf8'))));
};

describe('inbox files', () => {
  it('delivers corrupt envelope content byte for byte: judging envelopes is the pipeline’s job', async () => {
    const bitflipped = envelopeFor().bytes;
    bitflipped[40] = (bitflipped[40] ?? 0) ^ 0x04;
    const truncated = envelopeFor().bytes.subarray(0, 100);
    const notJson = new TextEncoder().encode('hello, not an envelope');
    for (const bytes of [bitflipped, truncated, notJson]) await writeFile(join(inbox, envelopeName()), bytes);
    const received = await receiver.receive();
    expect(received.map((inbound) => inbound.bytes).sort((x, y) => x.length - y.length)).toEqual([notJson, truncated, bitflipped]);
    expect(await quarantineReasons()).toEqual([]);
  });

  it('quarantines a file that is not UTF-8 text, with a reason file', async () => {
    const name = envelopeName();
    await writeFile(join(inbox, name), Uint8Array.from([0x7b, 0x22, 0xc3, 0x28, 0xff, 0x7d]));
    expect(await receiver.receive()).toEqual([]);
    expect(await readdir(inbox)).not.toContain(name);
    expect(await quarantineReasons()).toEqual([expect.objectContaining({ name, reason: expect.stringMatching(/not UTF-8/) })]);
  });

  it('quarantines a file over maxEnvelopeBytes without reading it', async () => {
    const name = envelopeName();
    await writeFile(join(inbox, name), 'x'.repeat(4097));
    expect(await receiver.receive()).toEqual([]);
    expect(await quarantineReasons()).toEqual([expect.objectContaining({ name, reason: '4097 bytes, over the limit of 4096' })]);
  });

  it('delivers a file of exactly maxEnvelopeBytes', async () => {
    await writeFile(join(inbox, envelopeName()), 'x'.repeat(4096));
    expect((await receiver.receive()).map((inbound) => inbound.bytes.length)).toEqual([4096]);
  });

  it('leaves a recent empty file alone (it may still be copied in) and quarantines an old one', async () => {
    const recent = envelopeName();
    const old = envelopeName();
    await writeFile(join(inbox, recent), '');
    await writeFile(join(inbox, old), '');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(join(inbox, old), anHourAgo, anHourAgo);
    expect(await receiver.receive()).toEqual([]);
    expect(await readdir(inbox)).toContain(recent);
    expect(await quarantineReasons()).toEqual([expect.objectContaining({ name: old, reason: 'an empty file' })]);
  });

  it('never reads a write in progress: temp files in .tmp are not delivered', async () => {
    const sender = transportFor(FINGERPRINT_A, { root: folder.root });
    await sender.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B }); // creates .tmp
    const half = envelopeFor().bytes.subarray(0, 200);
    await writeFile(join(inbox, '.tmp', `${envelopeName()}.4242.abcdef.tmp`), half);
    const received = await receiver.receive();
    expect(received).toHaveLength(1);
    expect(received[0]!.bytes).not.toEqual(half);
    expect(await readdir(join(inbox, '.tmp'))).toHaveLength(1);
  });

  it('skips Syncthing temp files and leaves them for Syncthing', async () => {
    const names = [`.syncthing.${envelopeName()}.tmp`, `~syncthing~${envelopeName()}.tmp`];
    for (const name of names) await writeFile(join(inbox, name), envelopeFor().bytes);
    expect(await receiver.receive()).toEqual([]);
    expect(await readdir(inbox)).toEqual(expect.arrayContaining(names));
    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('reports a Syncthing conflict copy once, never delivers it, and leaves it for a human', async () => {
    const id = randomUUID();
    const conflict = `${id}.sync-conflict-20260101-120000-ABCDEFG.skc.json`;
    await writeFile(join(inbox, conflict), envelopeFor().bytes);
    expect(await receiver.receive()).toEqual([]);
    expect(await receiver.receive()).toEqual([]);
    expect(await readdir(inbox)).toContain(conflict);
    const reports = logger.lines.filter((line) => line.fields?.name === conflict);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ level: 'warn', message: expect.stringMatching(/conflict copy/) });
  });

  it('ignores names that are not envelope file names', async () => {
    for (const name of ['README.txt', '.DS_Store', 'desktop.ini', `${randomUUID()}.skc.json.part`, `${randomUUID().toUpperCase()}.skc.json`, 'x.skc.json']) {
      await writeFile(join(inbox, name), envelopeFor().bytes);
    }
    await mkdir(join(inbox, 'some-directory'));
    expect(await receiver.receive()).toEqual([]);
    expect(await quarantineReasons()).toEqual([]);
  });

  it('honours limit and returns the rest next time', async () => {
    const sender = transportFor(FINGERPRINT_A, { root: folder.root });
    for (let index = 0; index < 5; index++) await sender.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B });
    const first = await receiver.receive({ limit: 3 });
    expect(first).toHaveLength(3);
    await Promise.all(first.map((inbound) => inbound.commit()));
    expect(await receiver.receive()).toHaveLength(2);
  });
});
