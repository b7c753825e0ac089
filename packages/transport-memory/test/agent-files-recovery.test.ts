/**
 * Streamed files after things go wrong, between two real agent homes over the reference
 * transport: the daemon resumes a cut transfer on the retry schedule (persisted, so a
 * restart does not hammer) and drops one whose file changed or vanished, saying why; a
 * receiver that crashes between saving a file and its inbox write does not save it twice
 * on redelivery; a crash's `.part` leftovers go at the next start.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@skcomm/core';
import { type DroppedFileTransfer, receivedFileOf, runDaemon } from '@skcomm/core/agent';
import { OutgoingTransferStore } from '@skcomm/core/files';
import type { MemoryNetwork } from '../src/index.js';
import { agentPairPerTest, type Side } from './agent-pair.js';

const warnings: Array<{ message: string; fields: Record<string, unknown> | undefined }> = [];

afterEach(() => {
  warnings.length = 0;
});

const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (message, fields) => void warnings.push({ message, fields }),
  error: (message, fields) => void warnings.push({ message, fields }),
};

const { setUp, restart, scratch } = agentPairPerTest({ seed: 7, logger, retrySeconds: [0.02] });

async function writeRandomFile(name: string, size: number): Promise<{ path: string; bytes: Buffer; sha256: string }> {
  const bytes = randomBytes(size);
  const path = join(scratch(), name);
  await writeFile(path, bytes);
  return { path, bytes, sha256: sha256Of(bytes) };
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Sends `path` while the network goes down after about 1 MB: the transfer is queued for a resume. */
async function cutTransfer(network: MemoryNetwork, alice: Side, path: string) {
  const report = await alice.agent.sendFile('bob', path, {
    onProgress: (phase, done) => {
      if (phase === 'sending' && done >= 1_000_000) network.faults.set({ down: true });
    },
  });
  expect(report).toMatchObject({ state: 'queued', file: { method: 'stream' } });
  return report;
}

function stateFile(side: Side, transferId: string): string {
  return join(side.test.home, 'queue', 'files', `${transferId}.state.json`);
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let round = 0; round < 1000; round++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('the daemon resumes pending file transfers', () => {
  it('a cut transfer is listed with its error and next attempt, then resumed by the daemon and forgotten on the ack', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('dataset.bin', 2 * 1024 * 1024);
    const cut = await cutTransfer(network, alice, file.path);
    expect(cut.reason).toMatch(/or let skcomm daemon resume it on the retry schedule/);
    const [pending] = await alice.agent.fileTransfers();
    expect(pending).toMatchObject({
      transfer_id: cut.file.transfer_id,
      envelope_id: cut.envelope_id,
      name: 'dataset.bin',
      path: file.path,
      peer: 'bob',
      size: file.bytes.length,
      state: 'queued',
      rounds: 1,
      last_error: { code: 'E_TRANSPORT_UNAVAILABLE', message: expect.stringMatching(/network is down/) },
    });
    expect(Date.parse(pending!.next_attempt_at!)).toBeGreaterThanOrEqual(Date.parse(pending!.last_error!.at));
    const [record] = await new OutgoingTransferStore(join(alice.test.home, 'queue', 'files')).list();
    expect(JSON.stringify(pending)).not.toContain(record!.manifest.key);

    network.faults.set({ down: false });
    const stop = new AbortController();
    const daemons = [alice, bob].map((side) => runDaemon(side.agent, { signal: stop.signal, logger, pollIntervalMs: 20, retryTickMs: 20 }));
    try {
      await until(async () => (await alice.agent.fileTransfers()).length === 0, 'the ack of the resumed transfer');
    } finally {
      stop.abort();
    }
    const [aliceSummary] = await Promise.all(daemons);
    // Once at least; again if the ack was slower than its (here 20 ms) deadline.
    expect(aliceSummary!.files_resumed).toBeGreaterThanOrEqual(1);
    const messages = await bob.agent.unread();
    expect(messages).toHaveLength(1);
    const saved = receivedFileOf(messages[0]!);
    expect(saved).toMatchObject({ name: 'dataset.bin', sha256: file.sha256 });
    expect(sha256Of(await readFile(saved!.path))).toBe(file.sha256);
    expect(await readdir(join(alice.test.home, 'queue', 'files'))).toEqual([]);
  });

  it('waits for the persisted next attempt, across a restart; a handed-off transfer waits for its ack until it is overdue', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('later.bin', 1_200_000);
    const cut = await cutTransfer(network, alice, file.path);
    network.faults.set({ down: false });
    const transferId = cut.file.transfer_id!;
    const state = JSON.parse(await readFile(stateFile(alice, transferId), 'utf8'));
    // As an earlier round on a slow schedule would have left it: the next attempt an hour away.
    await writeFile(stateFile(alice, transferId), JSON.stringify({ ...state, next_attempt_at: new Date(Date.now() + 3_600_000).toISOString() }));

    const reborn = await restart(alice);
    expect(await reborn.agent.resumeFileTransfers()).toEqual({ attempted: 0, handedOff: 0, dropped: [], transfers: [] });
    expect(network.pendingCount(bob.test.identity.fingerprint)).toBe(0);

    await writeFile(stateFile(reborn, transferId), JSON.stringify({ ...state, next_attempt_at: new Date(Date.now() - 1000).toISOString() }));
    expect(await reborn.agent.resumeFileTransfers()).toEqual({
      attempted: 1,
      handedOff: 1,
      dropped: [],
      transfers: [expect.objectContaining({ transfer_id: transferId, envelope_id: cut.envelope_id, state: 'handed-off', transport: 'memory' })],
    });
    const [handedOff] = await reborn.agent.fileTransfers();
    expect(handedOff).toMatchObject({ transfer_id: transferId, state: 'handed-off', via: 'memory', rounds: 2, last_error: null });
    expect(Date.parse(handedOff!.next_attempt_at!)).toBeGreaterThan(Date.now() - 1000);
    // Handed off, its ack not yet overdue: another pass sends nothing.
    const handedOffState = JSON.parse(await readFile(stateFile(reborn, transferId), 'utf8'));
    await writeFile(stateFile(reborn, transferId), JSON.stringify({ ...handedOffState, next_attempt_at: new Date(Date.now() + 3_600_000).toISOString() }));
    expect(await reborn.agent.resumeFileTransfers()).toEqual({ attempted: 0, handedOff: 0, dropped: [], transfers: [] });

    expect((await bob.agent.receive()).messages).toHaveLength(1);
    await reborn.agent.receive();
    expect(await reborn.agent.fileTransfers()).toEqual([]);
  });

  it('drops a transfer whose file changed or vanished, with a warning naming the file', async () => {
    const { network, alice } = await setUp();
    const edited = await writeRandomFile('edited.bin', 1_100_000);
    const removed = await writeRandomFile('removed.bin', 1_100_000);
    await cutTransfer(network, alice, edited.path);
    network.faults.set({ down: false });
    await cutTransfer(network, alice, removed.path);
    network.faults.set({ down: false });
    expect((await alice.agent.fileTransfers()).map((transfer) => transfer.name)).toEqual(['edited.bin', 'removed.bin']);
    await writeFile(edited.path, randomBytes(1_100_001));
    await rm(removed.path);
    await new Promise((resolve) => setTimeout(resolve, 30)); // past the 20 ms backoff

    const dropped: DroppedFileTransfer[] = (await alice.agent.resumeFileTransfers()).dropped;
    expect(dropped).toMatchObject([
      { name: 'edited.bin', path: edited.path, peer: 'bob', reason: expect.stringMatching(/edited\.bin changed since its transfer started/) },
      { name: 'removed.bin', path: removed.path, peer: 'bob', reason: `${removed.path} is gone` },
    ]);
    expect(warnings.filter((warning) => warning.message === 'file transfer dropped').map((warning) => warning.fields?.path)).toEqual([edited.path, removed.path]);
    expect(await alice.agent.fileTransfers()).toEqual([]);
    expect(await readdir(join(alice.test.home, 'queue', 'files'))).toEqual([]);
  });

  it('forgetFileTransfer drops a pending transfer by transfer id or envelope id', async () => {
    const { network, alice } = await setUp();
    const first = await cutTransfer(network, alice, (await writeRandomFile('one.bin', 1_100_000)).path);
    network.faults.set({ down: false });
    const second = await cutTransfer(network, alice, (await writeRandomFile('two.bin', 1_100_000)).path);
    expect(await alice.agent.forgetFileTransfer(first.file.transfer_id!)).toBe(true);
    expect(await alice.agent.forgetFileTransfer(second.envelope_id)).toBe(true);
    expect(await alice.agent.forgetFileTransfer(second.envelope_id)).toBe(false);
    expect(await readdir(join(alice.test.home, 'queue', 'files'))).toEqual([]);
  });
});

describe('outbox show and retry of a file transfer', () => {
  it('retryFileTransfer resumes one now, whatever its next attempt, with progress; then only waits for the ack', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('report.bin', 1_500_000);
    const cut = await cutTransfer(network, alice, file.path);
    network.faults.set({ down: false });
    const transferId = cut.file.transfer_id!;
    const state = JSON.parse(await readFile(stateFile(alice, transferId), 'utf8'));
    await writeFile(stateFile(alice, transferId), JSON.stringify({ ...state, next_attempt_at: new Date(Date.now() + 3_600_000).toISOString() }));
    expect(await alice.agent.fileTransfer(cut.envelope_id)).toMatchObject({ transfer_id: transferId, name: 'report.bin', state: 'queued', rounds: 1 });

    const progress: Array<{ transfer: { transfer_id: string; name: string }; phase: string; done: number; total: number }> = [];
    const retried = await alice.agent.retryFileTransfer(cut.envelope_id, { onProgress: (transfer, phase, done, total) => void progress.push({ transfer, phase, done, total }) });
    expect(retried).toMatchObject({ transfer_id: transferId, envelope_id: cut.envelope_id, name: 'report.bin', peer: 'bob', size: file.bytes.length, state: 'handed-off', transport: 'memory' });
    expect(retried!.attempts).toEqual([expect.objectContaining({ transport: 'memory', outcome: 'handed-off' })]);
    expect(progress.at(-1)).toEqual({ transfer: { transfer_id: transferId, name: 'report.bin' }, phase: 'sending', done: file.bytes.length, total: file.bytes.length });
    expect(progress.every((entry) => entry.done <= entry.total)).toBe(true);
    expect(await alice.agent.fileTransfer(transferId)).toMatchObject({ state: 'handed-off', via: 'memory', next_attempt_at: retried!.next_attempt_at, last_error: null });
    expect(retried!.reason).toMatch(/waiting for the ack; sent again after \S+ if it does not come/);

    // Handed off and not yet received: a retry reads nothing, and the receiver still gets it once.
    const progressBefore = progress.length;
    const again = await alice.agent.retryFileTransfer(transferId, { onProgress: (transfer, phase, done, total) => void progress.push({ transfer, phase, done, total }) });
    expect(again).toMatchObject({ state: 'handed-off', transport: 'memory', attempts: [expect.objectContaining({ outcome: 'handed-off' })] });
    expect(progress.slice(progressBefore).filter((entry) => entry.phase === 'sending' && entry.done < entry.total)).toEqual([]);
    expect((await bob.agent.receive()).messages).toHaveLength(1);
    expect((await bob.agent.receive()).messages).toHaveLength(0);
    await alice.agent.receive();
    expect(await alice.agent.fileTransfer(transferId)).toBeUndefined();
    expect(await alice.agent.retryFileTransfer(transferId)).toBeUndefined();
  });

  it('retryFileTransfer leaves a transfer another process is sending alone, and drops one whose file is gone', async () => {
    const { network, alice } = await setUp();
    const file = await writeRandomFile('busy.bin', 1_100_000);
    const cut = await cutTransfer(network, alice, file.path);
    network.faults.set({ down: false });
    const transferId = cut.file.transfer_id!;
    const lockPath = join(alice.test.home, 'queue', 'files', `${transferId}.lock`);
    // The parent process is alive and is not us: its lock holds.
    await writeFile(lockPath, `${process.ppid}\n`);
    await expect(alice.agent.retryFileTransfer(transferId)).rejects.toMatchObject({ code: 'E_ALREADY_EXISTS', message: expect.stringMatching(/busy\.bin is being sent by another process/) });
    expect(await alice.agent.fileTransfer(transferId)).toMatchObject({ state: 'queued', rounds: 1 });

    await rm(lockPath);
    await rm(file.path);
    expect(await alice.agent.retryFileTransfer(transferId)).toMatchObject({ state: 'dropped', attempts: [], reason: `${file.path} is gone` });
    expect(await readdir(join(alice.test.home, 'queue', 'files'))).toEqual([]);
  });
});

describe('a lost ack of a streamed file', () => {
  it('is recovered: once overdue, the daemon pass sends the transfer again, the receiver acks the duplicate, the file is saved once', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('archive.tar', 1_300_000);
    const sent = await alice.agent.sendFile('bob', file.path);
    expect(sent).toMatchObject({ state: 'handed-off', file: { method: 'stream' } });
    const transferId = sent.file.transfer_id!;
    expect((await bob.agent.receive()).messages).toHaveLength(1);
    // The ack is lost on its way: it reaches alice's mailbox and is taken away unread.
    const lost = await alice.transport.receive();
    expect(lost).toHaveLength(1);
    await Promise.all(lost.map((inbound) => inbound.commit()));
    await alice.agent.receive();
    expect(await alice.agent.fileTransfer(transferId)).toMatchObject({ state: 'handed-off', rounds: 1 });

    // Overdue (a real deadline is seconds away; here it is set in the past), and past the
    // receiver's 500 ms window in which copies of one envelope share one ack.
    const state = JSON.parse(await readFile(stateFile(alice, transferId), 'utf8'));
    await writeFile(stateFile(alice, transferId), JSON.stringify({ ...state, next_attempt_at: new Date(Date.now() - 1000).toISOString() }));
    await new Promise((resolve) => setTimeout(resolve, 600));
    const pass = await alice.agent.resumeFileTransfers();
    expect(pass).toMatchObject({ attempted: 1, handedOff: 1, transfers: [expect.objectContaining({ transfer_id: transferId, state: 'handed-off' })] });
    expect(await alice.agent.fileTransfer(transferId)).toMatchObject({ state: 'handed-off', rounds: 2 });

    const again = await bob.agent.receive();
    expect(again).toMatchObject({ messages: [], duplicates: 1 });
    const received = join(bob.test.home, 'files', 'received');
    expect((await readdir(received)).filter((name) => !name.startsWith('.'))).toEqual(['archive.tar']);
    expect(sha256Of(await readFile(join(received, 'archive.tar')))).toBe(file.sha256);
    expect(network.pendingCount(bob.test.identity.fingerprint)).toBe(0);
    expect(network.spooledAttachments).toBe(0);

    await alice.agent.receive();
    expect(await alice.agent.fileTransfers()).toEqual([]);
    expect(await readdir(join(alice.test.home, 'queue', 'files'))).toEqual([]);
  });
});

describe('receiving a file survives a crash', () => {
  for (const { kind, size } of [
    { kind: 'streamed', size: 700_000 },
    { kind: 'inline', size: 20_000 },
  ]) {
    it(`${kind}: a crash after the file is saved and before the inbox write does not save it twice`, async () => {
      const { network, alice, bob } = await setUp();
      const file = await writeRandomFile('photo.raw', size);
      await alice.agent.sendFile('bob', file.path);
      // The inbox cannot be written: the file is saved, then the envelope stays uncommitted.
      const inboxDir = join(bob.test.home, 'queue', 'inbox');
      await rm(inboxDir, { recursive: true, force: true });
      await writeFile(inboxDir, '');
      await expect(bob.agent.receive()).rejects.toMatchObject({ code: 'E_STORAGE' });
      const received = join(bob.test.home, 'files', 'received');
      expect(sha256Of(await readFile(join(received, 'photo.raw')))).toBe(file.sha256);

      const reborn = await restart(bob);
      await rm(inboxDir);
      await mkdir(inboxDir, { mode: 0o700 });
      const [message] = (await reborn.agent.receive()).messages;
      expect(receivedFileOf(message!)).toMatchObject({ path: join(received, 'photo.raw'), sha256: file.sha256 });
      expect((await readdir(received, { recursive: true })).sort()).toEqual(['.partial', 'photo.raw']);
      expect(network.pendingCount(bob.test.identity.fingerprint)).toBe(0);
    });
  }

  it('saves the file anew when the one an earlier delivery saved was changed meanwhile', async () => {
    const { network, alice, bob } = await setUp();
    const file = await writeRandomFile('photo.raw', 700_000);
    await alice.agent.sendFile('bob', file.path);
    const inboxDir = join(bob.test.home, 'queue', 'inbox');
    await rm(inboxDir, { recursive: true, force: true });
    await writeFile(inboxDir, '');
    await expect(bob.agent.receive()).rejects.toMatchObject({ code: 'E_STORAGE' });
    const received = join(bob.test.home, 'files', 'received');
    await writeFile(join(received, 'photo.raw'), 'edited by the user');

    const reborn = await restart(bob);
    await rm(inboxDir);
    const [message] = (await reborn.agent.receive()).messages;
    const saved = receivedFileOf(message!);
    expect(saved?.path).toBe(join(received, 'photo (1).raw'));
    expect(sha256Of(await readFile(saved!.path))).toBe(file.sha256);
  });

  it('removes .part files older than a day at the first receive, and keeps fresh ones', async () => {
    const { network, bob } = await setUp();
    const partial = join(bob.test.home, 'files', 'received', '.partial');
    await mkdir(partial, { recursive: true });
    const old = join(partial, `${'a'.repeat(32)}.0123456789ab.part`);
    const fresh = join(partial, `${'b'.repeat(32)}.0123456789ab.part`);
    await writeFile(old, 'cut short');
    await writeFile(fresh, 'being written');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    await utimes(old, twoDaysAgo, twoDaysAgo);

    const reborn = await restart(bob);
    await reborn.agent.receive();
    await expect(stat(old)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(fresh, 'utf8')).toBe('being written');
  });
});
