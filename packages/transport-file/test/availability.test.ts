/** A USB stick comes and goes: every failure while it is gone is retryable and health says why. */
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, TransportError } from '@skcomm/core';
import { envelopeFor, FINGERPRINT_A, FINGERPRINT_B, recordingLogger, sandbox, transportFor } from './support.js';

let folder: Awaited<ReturnType<typeof sandbox>>;
beforeEach(async () => {
  folder = await sandbox();
});
afterEach(() => folder.cleanup());

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!TransportError.isTransportError(error)) throw new Error(`expected a TransportError, got ${String(error)}`);
  return error;
}

describe('availability', () => {
  it('a missing root: send and receive fail retryably, health is down, nothing is created; all recover when it returns', async () => {
    const logger = recordingLogger();
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root }, logger);
    const sender = transportFor(FINGERPRINT_A, { root: folder.root });
    await rename(folder.root, `${folder.root}.away`);

    await receiver.start(); // does not throw: the stick may come back
    expect(logger.lines.some((line) => line.level === 'warn' && /inbox not ready/.test(line.message))).toBe(true);
    const sendError = await failure(sender.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B }));
    expect(sendError).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable, transport: 'file' });
    expect(sendError.message).toMatch(/missing \(unmounted, removed, or not synced yet\?\)/);
    expect(await failure(receiver.receive())).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
    expect(await receiver.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/root .* is missing/) });
    expect(await sender.isAvailable()).toBe(false);
    await expect(import('node:fs/promises').then((fs) => fs.access(folder.root))).rejects.toThrow(); // never created

    await rename(`${folder.root}.away`, folder.root);
    const envelope = envelopeFor();
    await sender.send(envelope.bytes, { fingerprint: FINGERPRINT_B });
    expect((await receiver.receive()).map((inbound) => inbound.bytes)).toEqual([envelope.bytes]);
    expect(await receiver.healthCheck()).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });
    await receiver.stop();
  });

  it('a root that is a file: send fails retryably, health is down', async () => {
    const root = join(folder.parent, 'a-file');
    await writeFile(root, 'not a folder');
    const transport = transportFor(FINGERPRINT_A, { root });
    expect(await failure(transport.send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B }))).toMatchObject({ retryable: true });
    expect(await transport.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/not a directory/) });
  });

  it('a root given through a symbolic link is fine (the user chose it)', async () => {
    const linked = join(folder.parent, 'linked-root');
    await symlink(folder.root, linked);
    const receiver = transportFor(FINGERPRINT_B, { root: linked });
    await receiver.start();
    await transportFor(FINGERPRINT_A, { root: linked }).send(envelopeFor().bytes, { fingerprint: FINGERPRINT_B });
    expect(await receiver.receive()).toHaveLength(1);
    expect((await receiver.healthCheck()).status).toBe('up');
    await receiver.stop();
  });

  it('health is down, with the reason, while the own inbox is missing or is a symbolic link', async () => {
    const transport = transportFor(FINGERPRINT_B, { root: folder.root });
    expect(await transport.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/own inbox .* is missing/) });
    await symlink(folder.parent, transport.inbox);
    expect(await transport.healthCheck()).toMatchObject({ status: 'down', detail: expect.stringMatching(/not a real directory/) });
    await rm(transport.inbox);
    await mkdir(transport.inbox);
    expect((await transport.healthCheck()).status).toBe('up');
  });

  it('receive() recreates a deleted own inbox while the root is there', async () => {
    const receiver = transportFor(FINGERPRINT_B, { root: folder.root });
    await receiver.start();
    await rm(receiver.inbox, { recursive: true });
    expect(await receiver.receive()).toEqual([]);
    expect((await receiver.healthCheck()).status).toBe('up');
    await receiver.stop();
  });

  it('receive() before start() is a retryable error', async () => {
    const error = await failure(transportFor(FINGERPRINT_B, { root: folder.root }).receive());
    expect(error).toMatchObject({ retryable: true, code: ErrorCode.TransportUnavailable });
  });
});
