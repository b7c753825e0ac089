/** OutgoingTransferStore: private, atomic, and a corrupt record never breaks a listing. */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode, StorageError } from '../../src/index.js';
import { type OutgoingTransferRecord, OutgoingTransferStore } from '../../src/files/index.js';
import { modeOf, removeTempDirs, tempDir, tempFilesIn } from '../helpers/temp.js';
import { sampleManifest } from './fixtures.js';

afterAll(removeTempDirs);

const PEER = 'A'.repeat(40);

function sampleRecord(overrides: Partial<OutgoingTransferRecord> = {}): OutgoingTransferRecord {
  const manifest = sampleManifest({ size: 1234 });
  return {
    transfer_id: manifest.transfer_id,
    peer: PEER,
    path: '/home/me/report.pdf',
    size: 1234,
    mtime_ms: 1_764_000_000_123.4567,
    manifest,
    envelope: randomBytes(300).toString('base64'),
    created_at: '2026-11-29T12:00:00.000Z',
    ...overrides,
  };
}

async function newStore(): Promise<OutgoingTransferStore> {
  return new OutgoingTransferStore(join(await tempDir('skcomm-transfers-'), 'outgoing'));
}

describe('OutgoingTransferStore', () => {
  test('round trip: save, get, list, find, remove', async () => {
    const store = await newStore();
    const record = sampleRecord();
    await store.save(record);
    expect(await store.get(record.transfer_id)).toEqual(record);
    expect(await store.list()).toEqual([record]);
    expect(await store.find({ peer: PEER, path: record.path, size: 1234, mtimeMs: record.mtime_ms })).toEqual(record);
    await store.remove(record.transfer_id);
    expect(await store.list()).toEqual([]);
    expect(await store.get(record.transfer_id)).toBeUndefined();
    await store.remove(record.transfer_id);
  });

  test('records are 0600 in a 0700 directory, written without leftovers', async () => {
    const store = await newStore();
    await store.save(sampleRecord());
    expect(modeOf(await stat(store.directory))).toBe(0o700);
    const [name] = await readdir(store.directory);
    expect(modeOf(await stat(join(store.directory, name!)))).toBe(0o600);
    expect(await tempFilesIn(store.directory)).toEqual([]);
  });

  test('find matches peer, path, size and mtime exactly, and prefers the newest record', async () => {
    const store = await newStore();
    const older = sampleRecord({ created_at: '2026-11-29T10:00:00.000Z' });
    const newerManifest = sampleManifest({ size: 1234 });
    const newer = sampleRecord({ transfer_id: newerManifest.transfer_id, manifest: newerManifest, created_at: '2026-11-29T11:00:00.000Z' });
    await store.save(newer);
    await store.save(older);
    const query = { peer: PEER, path: older.path, size: 1234, mtimeMs: older.mtime_ms };
    expect((await store.find(query))?.transfer_id).toBe(newer.transfer_id);
    expect(await store.find({ ...query, peer: 'B'.repeat(40) })).toBeUndefined();
    expect(await store.find({ ...query, path: '/home/me/other.pdf' })).toBeUndefined();
    expect(await store.find({ ...query, size: 1235 })).toBeUndefined();
    expect(await store.find({ ...query, mtimeMs: older.mtime_ms + 1 })).toBeUndefined();
  });

  test('a corrupt record is skipped by list and find, and reported by get', async () => {
    const store = await newStore();
    const good = sampleRecord();
    await store.save(good);
    const corruptId = 'c'.repeat(32);
    await writeFile(join(store.directory, `${corruptId}.json`), '{"transfer_id": tru');
    const mismatchedId = 'd'.repeat(32);
    await writeFile(join(store.directory, `${mismatchedId}.json`), await readFile(join(store.directory, `${good.transfer_id}.json`)));
    await writeFile(join(store.directory, 'notes.txt'), 'not a record');
    expect(await store.list()).toEqual([good]);
    expect(await store.find({ peer: PEER, path: good.path, size: good.size, mtimeMs: good.mtime_ms })).toEqual(good);
    await expect(store.get(corruptId)).rejects.toSatisfy((error) => StorageError.hasCode(error, ErrorCode.Storage));
    await expect(store.get(mismatchedId)).rejects.toThrow(/corrupt/);
  });

  test('a record with a bad manifest is reported without quoting the key', async () => {
    const store = await newStore();
    const record = sampleRecord();
    const key = `${record.manifest.key.slice(0, 42)}B`;
    await store.save(record);
    await writeFile(join(store.directory, `${record.transfer_id}.json`), JSON.stringify({ ...record, manifest: { ...record.manifest, key } }));
    const error = await store.get(record.transfer_id).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect((error as Error).message).toContain('manifest.key');
    expect((error as Error).message).not.toContain(key.slice(0, 20));
  });

  test('refuses to save an invalid record, and ids that are not transfer ids', async () => {
    const store = await newStore();
    await expect(store.save(sampleRecord({ path: 'relative/path' }))).rejects.toBeInstanceOf(StorageError);
    await expect(store.save(sampleRecord({ size: 99 }))).rejects.toThrow(/manifest.size/);
    await expect(store.save(sampleRecord({ transfer_id: '../../x' }))).rejects.toBeInstanceOf(StorageError);
    expect(await store.get('../../etc/passwd')).toBeUndefined();
    await store.remove('../outside');
  });

  test('a store whose directory does not exist yet is empty', async () => {
    const store = await newStore();
    expect(await store.list()).toEqual([]);
    expect(await store.find({ peer: PEER, path: '/x', size: 0, mtimeMs: 0 })).toBeUndefined();
  });
});
