/**
 * Threat model T21: a co-user of the folder plants links, FIFOs, directories and hard
 * links. They are never followed or opened, never delivered, and moved to quarantine
 * with a reason; nothing outside the root is read or changed.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { link, lstat, mkdir, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TransportError } from '@skcomm/core';
import type { FileTransport } from '../src/index.js';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, recordingLogger, sandbox, transportFor } from './support.js';

let folder: Awaited<ReturnType<typeof sandbox>>;
let receiver: FileTransport;
let inbox: string;
let outsideFile: string;
let outsideBytes: Uint8Array;
const logger = recordingLogger();

beforeEach(async () => {
  folder = await sandbox();
  logger.lines.length = 0;
  receiver = transportFor(FINGERPRINT_B, { root: folder.root }, logger);
  await receiver.start();
  inbox = receiver.inbox;
  // A valid-looking envelope outside the root: the prize an attacker wants read or deleted.
  outsideFile = join(folder.parent, 'secret.skc.json');
  outsideBytes = envelopeFor().bytes;
  await writeFile(outsideFile, outsideBytes);
});
afterEach(async () => {
  await receiver.stop();
  await folder.cleanup();
});

const plantedName = () => `${randomUUID()}.skc.json`;

async function expectQuarantined(name: string, reason: RegExp): Promise<void> {
  expect(await receiver.receive()).toEqual([]);
  expect(await readdir(inbox)).not.toContain(name);
  const quarantined = await readdir(join(inbox, '.quarantine'));
  const moved = quarantined.find((entry) => entry.endsWith(name));
  expect(moved, `${name} should be in quarantine`).toBeDefined();
  const record = JSON.parse(await readFile(join(inbox, '.quarantine', `${moved}.reason.json`), 'utf8'));
  expect(record).toMatchObject({ name, transport: 'file' });
  expect(record.reason).toMatch(reason);
  expect(logger.lines.some((line) => line.level === 'warn' && line.fields?.name === name)).toBe(true);
}

async function expectOutsideUntouched(): Promise<void> {
  expect(new Uint8Array(await readFile(outsideFile))).toEqual(outsideBytes);
  expect((await stat(outsideFile)).nlink).toBeGreaterThanOrEqual(1);
}

describe('planted entries (T21)', () => {
  it('a symbolic link to a file outside the root is moved to quarantine, not followed', async () => {
    const name = plantedName();
    await symlink(outsideFile, join(inbox, name));
    await expectQuarantined(name, /symbolic link/);
    const moved = (await readdir(join(inbox, '.quarantine'))).find((entry) => entry.endsWith(name))!;
    expect((await lstat(join(inbox, '.quarantine', moved))).isSymbolicLink()).toBe(true);
    await expectOutsideUntouched();
  });

  it('a symbolic link to a directory outside the root is moved to quarantine', async () => {
    const name = plantedName();
    await symlink(folder.parent, join(inbox, name));
    await expectQuarantined(name, /symbolic link/);
  });

  it('a FIFO is never opened (receive does not hang) and is moved to quarantine', async () => {
    const name = plantedName();
    execFileSync('mkfifo', [join(inbox, name)]);
    await expectQuarantined(name, /not a regular file/);
  });

  it('a directory named like an envelope is moved to quarantine', async () => {
    const name = plantedName();
    await mkdir(join(inbox, name));
    await writeFile(join(inbox, name, 'inner.skc.json'), outsideBytes);
    await expectQuarantined(name, /directory/);
  });

  it('a hard link to a file outside the inbox is moved to quarantine and the original kept', async () => {
    const name = plantedName();
    await link(outsideFile, join(inbox, name));
    await expectQuarantined(name, /hard-linked/);
    await expectOutsideUntouched();
  });

  it('real envelopes beside the planted entries are still delivered', async () => {
    await symlink(outsideFile, join(inbox, plantedName()));
    execFileSync('mkfifo', [join(inbox, plantedName())]);
    const envelope = envelopeFor();
    await transportFor(FINGERPRINT_A, { root: folder.root }).send(envelope.bytes, { fingerprint: FINGERPRINT_B });
    const received = await receiver.receive();
    expect(received.map((inbound) => inbound.bytes)).toEqual([envelope.bytes]);
  });

  it('a symbolic link planted as the recipient inbox makes send refuse, writing nothing outside', async () => {
    const elsewhere = join(folder.parent, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(folder.root, FINGERPRINT_A));
    const error = await transportFor(FINGERPRINT_B, { root: folder.root })
      .send(envelopeFor(FINGERPRINT_A).bytes, { fingerprint: FINGERPRINT_A })
      .catch((caught: unknown) => caught);
    expect(TransportError.isTransportError(error) && error.retryable).toBe(false);
    expect((error as Error).message).toMatch(/not a real directory \(a symbolic link\)/);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('a symbolic link planted as the own inbox makes receive refuse, reading and deleting nothing outside', async () => {
    const elsewhere = join(folder.parent, 'elsewhere');
    await mkdir(elsewhere);
    const name = plantedName();
    await writeFile(join(elsewhere, name), outsideBytes);
    await rm(inbox, { recursive: true });
    await symlink(elsewhere, inbox);
    const error = await receiver.receive().catch((caught: unknown) => caught);
    expect(TransportError.isTransportError(error) && error.retryable).toBe(false);
    expect((error as Error).message).toMatch(/not a real directory \(a symbolic link\)/);
    expect(await readdir(elsewhere)).toEqual([name]);
  });

  it('a symbolic link planted as the temp area makes send refuse, writing nothing outside', async () => {
    const elsewhere = join(folder.parent, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(inbox, '.tmp'));
    const error = await transportFor(FINGERPRINT_A, { root: folder.root })
      .send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B })
      .catch((caught: unknown) => caught);
    expect((error as TransportError).retryable).toBe(false);
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('a symbolic link planted as the quarantine keeps bad entries in place and reports them once', async () => {
    const elsewhere = join(folder.parent, 'elsewhere');
    await mkdir(elsewhere);
    await symlink(elsewhere, join(inbox, '.quarantine'));
    const name = plantedName();
    await symlink(outsideFile, join(inbox, name));
    expect(await receiver.receive()).toEqual([]);
    expect(await receiver.receive()).toEqual([]);
    expect(await readdir(elsewhere)).toEqual([]);
    expect(await readdir(inbox)).toContain(name);
    const reports = logger.lines.filter((line) => line.fields?.name === name);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.message).toMatch(/could not be moved/);
  });
});
