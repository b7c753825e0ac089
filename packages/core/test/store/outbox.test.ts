/**
 * The outbox log: durable records, folded state, several processes on one file,
 * corruption skipped by checksum (R12), compaction next to live appenders.
 */
import { randomUUID } from 'node:crypto';
import { readFile, truncate, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { type EnqueueInput, Outbox } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

function input(overrides: Partial<EnqueueInput> = {}): EnqueueInput {
  const envelopeId = overrides.envelopeId ?? randomUUID();
  return {
    envelopeId,
    peer: 'bob',
    recipientFingerprint: 'B'.repeat(40),
    documentSha256: 'a'.repeat(64),
    mode: 'failover',
    createdAt: new Date().toISOString(),
    ttlSeconds: 3600,
    maxRetries: 5,
    envelope: new TextEncoder().encode(`{"envelope_id":"${envelopeId}","body":"é ✓"}`),
    ...overrides,
  };
}

describe('Outbox', () => {
  test('an enqueued envelope is on disk when enqueue resolves, and reads back byte for byte', async () => {
    const directory = await tempDir();
    const outbox = await Outbox.open(directory);
    const record = input();
    await outbox.enqueue(record);
    const reopened = await Outbox.open(directory);
    expect(reopened.get(record.envelopeId)).toMatchObject({ state: 'queued', peer: 'bob', retryCount: 0, generation: 0 });
    expect(Buffer.from(await reopened.readEnvelope(record.envelopeId))).toEqual(Buffer.from(record.envelope));
    await Promise.all([outbox.close(), reopened.close()]);
  });

  test('concurrent enqueues all become durable (group commit)', async () => {
    const directory = await tempDir();
    const outbox = await Outbox.open(directory);
    const records = Array.from({ length: 300 }, () => input());
    await Promise.all(records.map((record) => outbox.enqueue(record)));
    const reopened = await Outbox.open(directory);
    expect(reopened.list().map((entry) => entry.envelopeId).sort()).toEqual(records.map((record) => record.envelopeId).sort());
    expect(reopened.corruptRecords).toBe(0);
  });

  test('states only move forward; revive starts a new generation; purge forgets', async () => {
    const outbox = await Outbox.open(await tempDir());
    const { envelopeId } = input();
    await outbox.enqueue(input({ envelopeId }));
    await outbox.setState(envelopeId, 'handed-off', { via: 'file' });
    await outbox.setState(envelopeId, 'queued');
    expect(outbox.get(envelopeId)?.state).toBe('handed-off');
    await outbox.setState(envelopeId, 'dead', { reason: 'out of retries' });
    await outbox.setState(envelopeId, 'delivered');
    expect(outbox.get(envelopeId)).toMatchObject({ state: 'dead', reason: 'out of retries' });
    await outbox.revive(envelopeId);
    expect(outbox.get(envelopeId)).toMatchObject({ state: 'queued', generation: 1, retryCount: 0 });
    expect(outbox.get(envelopeId)?.reason).toBeUndefined();
    await outbox.setState(envelopeId, 'delivered', { via: 'file' });
    await expect(outbox.revive(envelopeId)).rejects.toMatchObject({ code: ErrorCode.AlreadyExists });
    await outbox.purge(envelopeId);
    expect(outbox.get(envelopeId)).toBeUndefined();
    await expect(outbox.setState(envelopeId, 'dead')).rejects.toMatchObject({ code: ErrorCode.NotFound });
  });

  test('records a round per transport and counts attempts', async () => {
    const outbox = await Outbox.open(await tempDir());
    const { envelopeId } = input();
    await outbox.enqueue(input({ envelopeId }));
    const error = { code: 'E_TRANSPORT', message: 'refused', retryable: true };
    const at = new Date().toISOString();
    await outbox.recordRound(envelopeId, [{ transport: 'ws', outcome: 'failed', at, error }], { retryCount: 1, nextAttemptAt: new Date(Date.now() + 60_000) });
    await outbox.recordRound(envelopeId, [{ transport: 'ws', outcome: 'failed', at, error }, { transport: 'file', outcome: 'handed-off', at, detail: '/x' }], {
      retryCount: 1,
      nextAttemptAt: new Date(Date.now() + 60_000),
    });
    expect(outbox.get(envelopeId)).toMatchObject({ rounds: 2, retryCount: 1, transports: { ws: { attempts: 2, error }, file: { attempts: 1, detail: '/x' } } });
    expect(outbox.due()).toEqual([]);
    expect(outbox.due(new Date(Date.now() + 61_000)).map((entry) => entry.envelopeId)).toEqual([envelopeId]);
    expect(outbox.depthByState()).toMatchObject({ queued: 1, 'handed-off': 0 });
  });

  test('two processes on one home see each other\'s records', async () => {
    const directory = await tempDir();
    const [first, second] = await Promise.all([Outbox.open(directory), Outbox.open(directory)]);
    const record = input();
    await first.enqueue(record);
    await second.refresh();
    expect(second.get(record.envelopeId)?.state).toBe('queued');
    await second.setState(record.envelopeId, 'delivered', { via: 'file' });
    await first.refresh();
    expect(first.get(record.envelopeId)?.state).toBe('delivered');
  });

  test('interleaved appends from two processes keep every round counted once', async () => {
    const directory = await tempDir();
    const [first, second] = await Promise.all([Outbox.open(directory), Outbox.open(directory)]);
    const record = input();
    await first.enqueue(record);
    await second.refresh();
    const attempt = { transport: 'file', outcome: 'failed' as const, at: new Date().toISOString() };
    for (let round = 1; round <= 3; round++) {
      await first.recordRound(record.envelopeId, [attempt], { retryCount: round, nextAttemptAt: new Date() });
      await second.recordRound(record.envelopeId, [attempt], { retryCount: round, nextAttemptAt: new Date() });
    }
    await first.refresh();
    await second.refresh();
    const reopened = await Outbox.open(directory);
    for (const outbox of [first, second, reopened]) {
      expect(outbox.get(record.envelopeId)).toMatchObject({ rounds: 6, transports: { file: { attempts: 6 } } });
    }
  });

  test('a round and the state it led to are written together', async () => {
    const outbox = await Outbox.open(await tempDir());
    const record = input();
    await outbox.enqueue(record);
    const attempt = { transport: 'file', outcome: 'handed-off' as const, at: new Date().toISOString() };
    await outbox.recordRound(record.envelopeId, [attempt], { retryCount: 0, nextAttemptAt: new Date(), state: { state: 'handed-off', via: 'file' } });
    expect(outbox.get(record.envelopeId)).toMatchObject({ state: 'handed-off', via: 'file', rounds: 1 });
    expect((await Outbox.open(outbox.directory)).get(record.envelopeId)).toMatchObject({ state: 'handed-off', rounds: 1 });
  });

  test('the envelope reads back the same after another process compacted the log', async () => {
    const directory = await tempDir();
    const [first, second] = await Promise.all([Outbox.open(directory), Outbox.open(directory)]);
    const done = input();
    const pending = input();
    await first.enqueue(done);
    await first.enqueue(pending);
    await first.setState(done.envelopeId, 'delivered');
    await second.refresh();
    await second.compact();
    await first.refresh();
    expect(Buffer.from(await first.readEnvelope(pending.envelopeId))).toEqual(Buffer.from(pending.envelope));
  });

  test('corrupt records are skipped and counted; the rest stays usable (R12)', async () => {
    const directory = await tempDir();
    const outbox = await Outbox.open(directory);
    const records = Array.from({ length: 20 }, () => input());
    for (const record of records) await outbox.enqueue(record);
    await outbox.close();
    const bytes = await readFile(outbox.path);
    const lines = bytes.toString('utf8').split('\n');
    // Flip a bit in record 3 and in record 11.
    const flipped = Buffer.from(bytes);
    for (const line of [3, 11]) {
      const offset = lines.slice(0, line).reduce((sum, text) => sum + Buffer.byteLength(text) + 1, 0) + 40;
      flipped[offset] = (flipped[offset] ?? 0) ^ 0x04;
    }
    await writeFile(outbox.path, flipped);
    const reopened = await Outbox.open(directory);
    expect(reopened.corruptRecords).toBe(2);
    expect(reopened.list()).toHaveLength(18);
    await reopened.enqueue(input());
    expect(reopened.list()).toHaveLength(19);
  });

  test('a torn last line is skipped, and the next append starts clean', async () => {
    const directory = await tempDir();
    const outbox = await Outbox.open(directory);
    await outbox.enqueue(input());
    const torn = input();
    await outbox.enqueue(torn);
    await outbox.close();
    const size = (await readFile(outbox.path)).length;
    await truncate(outbox.path, size - 30);
    const reopened = await Outbox.open(directory);
    expect(reopened.list()).toHaveLength(1);
    expect(reopened.get(torn.envelopeId)).toBeUndefined();
  });

  test('compaction drops delivered messages, keeps pending ones and dead letters, and loses nothing appended meanwhile', async () => {
    const directory = await tempDir();
    const [compactor, appender] = await Promise.all([Outbox.open(directory), Outbox.open(directory)]);
    const delivered = input();
    const dead = input();
    const pending = input();
    for (const record of [delivered, dead, pending]) await compactor.enqueue(record);
    await compactor.setState(delivered.envelopeId, 'delivered');
    await compactor.setState(dead.envelopeId, 'dead', { reason: 'out of retries' });
    const concurrent = Array.from({ length: 40 }, () => input());
    await Promise.all([compactor.compact(), ...concurrent.map((record) => appender.enqueue(record))]);
    const reopened = await Outbox.open(directory);
    expect(reopened.get(delivered.envelopeId)).toBeUndefined();
    expect(reopened.get(dead.envelopeId)).toMatchObject({ state: 'dead', reason: 'out of retries' });
    expect(reopened.get(pending.envelopeId)?.state).toBe('queued');
    for (const record of concurrent) expect(reopened.get(record.envelopeId)?.state).toBe('queued');
    expect(Buffer.from(await reopened.readEnvelope(pending.envelopeId))).toEqual(Buffer.from(pending.envelope));
  });

  test('arbitrary bytes appended to the log never crash a load', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (garbage) => {
        const directory = await tempDir();
        const outbox = await Outbox.open(directory);
        await outbox.enqueue(input());
        await outbox.close();
        await writeFile(outbox.path, Buffer.concat([await readFile(outbox.path), Buffer.from(garbage), Buffer.from('\n')]));
        const reopened = await Outbox.open(directory);
        expect(reopened.list()).toHaveLength(1);
      }),
      { numRuns: 100 },
    );
  });
});
