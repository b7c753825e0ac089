/** The receive spool on a real disk: resume records, refusals, pruning. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@skcomm/core';
import { RejectReason } from '../src/file-frames.js';
import { FileSpool, type FileSpoolOptions, SpoolRefusal } from '../src/file-spool.js';

const PEER = 'A'.repeat(40);
const OTHER = 'B'.repeat(40);
const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
});

async function spoolIn(options: Partial<FileSpoolOptions> = {}): Promise<{ spool: FileSpool; files: string }> {
  const stateDir = await mkdtemp(join(tmpdir(), 'skcomm-webrtc-spool-test-'));
  directories.push(stateDir);
  const spool = new FileSpool({
    stateDir,
    maxAttachmentBytes: 1024 ** 3,
    quotaBytes: 1024 ** 3,
    maxTransfers: 8,
    maxTransfersPerPeer: 2,
    partialTtlHours: 1,
    logger: silentLogger,
    transportName: 'webrtc',
    ...options,
  });
  await spool.init();
  return { spool, files: join(stateDir, 'files') };
}

const id = () => randomBytes(16).toString('hex');
const noop = async () => undefined;

async function refusal(promise: Promise<unknown>): Promise<RejectReason> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SpoolRefusal);
  return (error as SpoolRefusal).reason;
}

describe('file spool', () => {
  it('records only synced chunks, and a reopened transfer starts from the record; finish() renames to .bin', async () => {
    const { spool, files } = await spoolIn();
    const transfer = id();
    const file = await spool.open(PEER, transfer, 250, 100, noop);
    file.writeChunk(0, [Buffer.alloc(40, 1), Buffer.alloc(60, 1)]);
    expect(await file.sync()).toBe(100);
    file.writeChunk(2, [Buffer.alloc(50, 3)]); // the short last chunk: written, not synced yet
    await file.close();
    // close() flushes what was written: chunks 0 and 2.
    const again = await spool.open(PEER, transfer, 250, 100, noop);
    expect(again.have.missingRanges()).toEqual([{ start: 1, end: 2 }]);
    expect(again.confirmedBytes).toBe(150);
    again.writeChunk(1, [Buffer.alloc(100, 2)]);
    await again.sync();
    await again.finish();
    expect(again.finished).toBe(true);
    expect(again.path).toBe(join(files, `${transfer}.bin`));
    expect(await readFile(again.path)).toEqual(Buffer.concat([Buffer.alloc(100, 1), Buffer.alloc(100, 2), Buffer.alloc(50, 3)]));
    await again.close();
    // A finished transfer offered again: nothing is missing, the .bin stays.
    const done = await spool.open(PEER, transfer, 250, 100, noop);
    expect(done.finished).toBe(true);
    await done.close();
    spool.markDelivered(transfer, PEER);
    expect(spool.isDelivered(transfer)).toBe(true);
    await spool.remove(transfer);
    expect(await readdir(files)).toEqual([]);
    expect(spool.isDelivered(transfer)).toBe(false);
    // Remembered for the peer that sent it only: another peer's offer of the id is a new transfer.
    expect(spool.wasCommitted(transfer, PEER)).toBe(true);
    expect(spool.wasCommitted(transfer, OTHER)).toBe(false);
  });

  it('commits an envelope delivered again without touching the files a later transfer of the same id holds', async () => {
    const { spool, files } = await spoolIn();
    const transfer = id();
    spool.markDelivered(transfer, PEER);
    await spool.remove(transfer);
    // Delivered again without its attachment; meanwhile the id's files exist again (a later transfer).
    spool.markDelivered(transfer, PEER);
    const later = await spool.open(PEER, transfer, 100, 10, noop);
    await later.close();
    spool.commitRedelivery(transfer);
    expect(spool.isDelivered(transfer)).toBe(false);
    expect(spool.wasCommitted(transfer, PEER)).toBe(true);
    expect((await readdir(files)).sort()).toEqual([`${transfer}.json`, `${transfer}.part`]);
  });

  it('refuses what is over the limits, another peer\'s id, other chunking for a partial copy, and more than the per-peer transfers', async () => {
    const { spool } = await spoolIn({ maxAttachmentBytes: 1000, quotaBytes: 1500, maxTransfersPerPeer: 1 });
    expect(await refusal(spool.open(PEER, id(), 1001, 100, noop))).toBe(RejectReason.TooLarge);
    expect(await refusal(spool.open(PEER, id(), 1000, 5 * 1024 * 1024, noop))).toBe(RejectReason.Unsupported);
    const first = id();
    const held = await spool.open(PEER, first, 1000, 100, noop);
    expect(await refusal(spool.open(PEER, id(), 10, 10, noop))).toBe(RejectReason.Busy);
    expect(await refusal(spool.open(OTHER, first, 1000, 100, noop))).toBe(RejectReason.Busy);
    // Over the quota: 1000 bytes spooled already, 1000 more do not fit in 1500.
    expect(await refusal(spool.open(OTHER, id(), 1000, 100, noop))).toBe(RejectReason.NoSpace);
    await held.close();
    expect(await refusal(spool.open(PEER, first, 1000, 50, noop))).toBe(RejectReason.Mismatch);
  });

  it('a newer offer for the same id closes the transfer that holds it', async () => {
    const { spool } = await spoolIn();
    const transfer = id();
    let closed = 0;
    const first = await spool.open(PEER, transfer, 100, 10, async () => {
      closed++;
      await first.close();
    });
    const second = await spool.open(PEER, transfer, 100, 10, noop);
    expect(closed).toBe(1);
    await second.close();
  });

  it('prunes partial transfers untouched for partialTtlHours at start, and starts over after a damaged record', async () => {
    const { spool, files } = await spoolIn();
    const stale = id();
    const fresh = id();
    for (const transfer of [stale, fresh]) await (await spool.open(PEER, transfer, 100, 10, noop)).close();
    const old = new Date(Date.now() - 2 * 3_600_000);
    for (const suffix of ['part', 'json']) await utimes(join(files, `${stale}.${suffix}`), old, old);
    await spool.prune();
    expect((await readdir(files)).sort()).toEqual([`${fresh}.json`, `${fresh}.part`]);
    await writeFile(join(files, `${fresh}.json`), '{"v":1,"peer":');
    const reopened = await spool.open(PEER, fresh, 100, 10, noop);
    expect(reopened.have.size).toBe(0);
    await reopened.close();
  });
});
