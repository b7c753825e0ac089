import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ReplayStore } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

const alice = 'A'.repeat(40);
const bob = 'B'.repeat(40);
const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-9222-222222222222', '33333333-3333-4333-a333-333333333333'];
const inOneHour = () => new Date(Date.now() + 3600_000);

async function logPath(): Promise<string> {
  return join(await tempDir(), 'state', 'seen.log');
}

describe('ReplayStore', () => {
  test('remembers (sender, id) pairs, keyed by both', async () => {
    const store = await ReplayStore.open(await logPath());
    await store.add(alice, ids[0]!, inOneHour());
    expect(await store.has(alice, ids[0]!)).toBe(true);
    expect(await store.has(bob, ids[0]!)).toBe(false);
    expect(await store.has(alice, ids[1]!)).toBe(false);
  });

  test('survives a reopen (restart)', async () => {
    const path = await logPath();
    const store = await ReplayStore.open(path);
    await store.add(alice, ids[0]!, inOneHour());
    await store.add(bob, ids[1]!, inOneHour());
    const reopened = await ReplayStore.open(path);
    expect(await reopened.has(alice, ids[0]!)).toBe(true);
    expect(await reopened.has(bob, ids[1]!)).toBe(true);
    expect(reopened.size).toBe(2);
    expect(reopened.corruptLines).toBe(0);
  });

  test('skips corrupt lines with a count and keeps the rest', async () => {
    const path = await logPath();
    const store = await ReplayStore.open(path);
    await store.add(alice, ids[0]!, inOneHour());
    await store.add(alice, ids[1]!, inOneHour());
    const [first, second] = (await readFile(path, 'utf8')).split('\n');
    // The second record with one character changed (its checksum no longer matches), junk, and a torn last line.
    const flipped = second!.replace(alice, `${'A'.repeat(39)}C`);
    await writeFile(path, `${first}\n${flipped}\ngarbage line\n${alice} ${ids[2]}`);
    const reopened = await ReplayStore.open(path);
    expect(reopened.corruptLines).toBe(3);
    expect(await reopened.has(alice, ids[0]!)).toBe(true);
    expect(await reopened.has(alice, ids[1]!)).toBe(false);
    // The file was rewritten without the bad lines, so new appends start on a fresh line.
    await reopened.add(bob, ids[2]!, inOneHour());
    const again = await ReplayStore.open(path);
    expect(again.corruptLines).toBe(0);
    expect(await again.has(bob, ids[2]!)).toBe(true);
  });

  test('prunes expired entries on open', async () => {
    const path = await logPath();
    let now = new Date('2026-01-01T00:00:00.000Z');
    const store = await ReplayStore.open(path, { now: () => now });
    await store.add(alice, ids[0]!, new Date('2026-01-01T01:00:00.000Z'));
    await store.add(alice, ids[1]!, new Date('2026-01-02T00:00:00.000Z'));
    now = new Date('2026-01-01T02:00:00.000Z');
    const reopened = await ReplayStore.open(path, { now: () => now });
    expect(await reopened.has(alice, ids[0]!)).toBe(false);
    expect(await reopened.has(alice, ids[1]!)).toBe(true);
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  test('sees entries another process appended since it opened', async () => {
    const path = await logPath();
    const daemon = await ReplayStore.open(path);
    const other = await ReplayStore.open(path);
    await other.add(alice, ids[0]!, inOneHour());
    expect(await daemon.has(alice, ids[0]!)).toBe(true);
    // A line still being written is not read until it is complete.
    const line = (await readFile(path, 'utf8')).trim();
    const torn = line.replace(ids[0]!, ids[1]!);
    await appendFile(path, torn.slice(0, 20));
    expect(await daemon.has(alice, ids[1]!)).toBe(false);
  });

  test('concurrent adds share fsyncs and all become durable (group commit)', async () => {
    const path = await logPath();
    const store = await ReplayStore.open(path);
    const many = Array.from({ length: 20 }, (_, index) => `${String(index).padStart(8, '0')}-2222-4222-8222-222222222222`);
    await Promise.all(many.map((id) => store.add(alice, id, inOneHour())));
    const reopened = await ReplayStore.open(path);
    for (const id of many) expect(await reopened.has(alice, id)).toBe(true);
    expect(reopened.corruptLines).toBe(0);
  });

  test('an add after another process rewrote the log lands in the new file', async () => {
    const path = await logPath();
    const daemon = await ReplayStore.open(path);
    await daemon.add(alice, ids[0]!, inOneHour()); // its append handle is open now
    await appendFile(path, 'garbage line\n');
    const other = await ReplayStore.open(path); // skips the corrupt line by rewriting the file
    expect(other.corruptLines).toBe(1);
    await daemon.add(bob, ids[1]!, inOneHour());
    expect(await other.has(bob, ids[1]!)).toBe(true);
    const reopened = await ReplayStore.open(path);
    expect(await reopened.has(alice, ids[0]!)).toBe(true);
    expect(await reopened.has(bob, ids[1]!)).toBe(true);
    await daemon.close();
  });

  test('refuses malformed entries from callers', async () => {
    const store = await ReplayStore.open(await logPath());
    await expect(store.add('not a fingerprint', ids[0]!, inOneHour())).rejects.toThrow(TypeError);
    await expect(store.add(alice, 'x y', inOneHour())).rejects.toThrow(TypeError);
  });
});

describe('ReplayStore bounds (rotation + low-water mark)', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const id = (index: number) => `${String(index).padStart(8, '0')}-1111-4111-8111-111111111111`;

  test('past maxEntries the older half is evicted; what it covered still counts as seen, across a reopen', async () => {
    const path = await logPath();
    const store = await ReplayStore.open(path, { maxEntries: 10 });
    for (let index = 1; index <= 11; index++) await store.add(alice, id(index), inOneHour(), at(index));
    expect(store.size).toBeLessThanOrEqual(10);
    expect(store.lowWaterMark(alice)).toBe(at(5).getTime());
    // Evicted, yet a replay of it (same signed created_at) is still refused.
    expect(await store.has(alice, id(2), at(2))).toBe(true);
    // Never seen, but created before the mark: refused too (eviction must not reopen replays).
    expect(await store.has(alice, id(99), at(4))).toBe(true);
    // After the mark and never seen: new.
    expect(await store.has(alice, id(98), at(6))).toBe(false);
    // Marks are per sender.
    expect(await store.has(bob, id(2), at(2))).toBe(false);

    const reopened = await ReplayStore.open(path, { maxEntries: 10 });
    expect(reopened.lowWaterMark(alice)).toBe(at(5).getTime());
    expect(await reopened.has(alice, id(3), at(3))).toBe(true);
    expect(await reopened.has(alice, id(11), at(11))).toBe(true);
    expect(reopened.corruptLines).toBe(0);
  });

  test('a restored older copy of the log (a backup) keeps refusing what its mark and entries cover (R14)', async () => {
    const path = await logPath();
    const store = await ReplayStore.open(path, { maxEntries: 4 });
    for (let index = 1; index <= 5; index++) await store.add(alice, id(index), inOneHour(), at(index));
    const backup = await readFile(path);
    for (let index = 6; index <= 9; index++) await store.add(alice, id(index), inOneHour(), at(index));
    await writeFile(path, backup);
    const restored = await ReplayStore.open(path, { maxEntries: 4 });
    for (let index = 1; index <= 5; index++) expect(await restored.has(alice, id(index), at(index))).toBe(true);
  });

  test('lines of the earlier four-field format are still read', async () => {
    const path = await logPath();
    const { crc32 } = await import('node:zlib');
    const fields = `${alice} ${ids[0]} ${Date.now() + 3600_000}`;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${fields} ${crc32(fields).toString(16).padStart(8, '0')}\n`);
    const store = await ReplayStore.open(path);
    expect(await store.has(alice, ids[0]!)).toBe(true);
    expect(store.corruptLines).toBe(0);
  });
});
