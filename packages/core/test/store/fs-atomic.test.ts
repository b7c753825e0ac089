import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode, SkcommError } from '../../src/index.js';
import { readRegularFile, writeFileAtomic } from '../../src/store/index.js';
import { modeOf, removeTempDirs, tempDir, tempFilesIn } from '../helpers/temp.js';

afterAll(removeTempDirs);

describe('writeFileAtomic', () => {
  test('writes the content with mode 0600 and leaves no temp file', async () => {
    const directory = await tempDir();
    const path = join(directory, 'data.json');
    await writeFileAtomic(path, '{"a":1}');
    expect(await readFile(path, 'utf8')).toBe('{"a":1}');
    expect(modeOf(await stat(path))).toBe(0o600);
    expect(await tempFilesIn(directory)).toEqual([]);
  });

  test('replaces an existing file whole and applies the mode exactly, whatever the umask', async () => {
    const directory = await tempDir();
    const path = join(directory, 'data');
    await writeFile(path, 'old content that is longer', { mode: 0o644 });
    const previous = process.umask(0o077);
    try {
      await writeFileAtomic(path, new Uint8Array([1, 2, 3]), { mode: 0o640 });
    } finally {
      process.umask(previous);
    }
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect(modeOf(await stat(path))).toBe(0o640);
    expect(await tempFilesIn(directory)).toEqual([]);
  });

  test('modes the usual umask leaves intact come out as asked (0600 and 0644 under umask 022)', async () => {
    const directory = await tempDir();
    const previous = process.umask(0o022);
    try {
      await writeFileAtomic(join(directory, 'private'), 'p', { mode: 0o600 });
      await writeFileAtomic(join(directory, 'public'), 'p', { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    expect(modeOf(await stat(join(directory, 'private')))).toBe(0o600);
    expect(modeOf(await stat(join(directory, 'public')))).toBe(0o644);
  });

  test('exclusive refuses an existing file with E_ALREADY_EXISTS and keeps it', async () => {
    const directory = await tempDir();
    const path = join(directory, 'claimed');
    await writeFileAtomic(path, 'first', { exclusive: true });
    const error = await writeFileAtomic(path, 'second', { exclusive: true }).catch((caught: unknown) => caught);
    expect(SkcommError.hasCode(error, ErrorCode.AlreadyExists)).toBe(true);
    expect(await readFile(path, 'utf8')).toBe('first');
    expect(await tempFilesIn(directory)).toEqual([]);
  });

  test('a missing directory is a typed storage error', async () => {
    const directory = await tempDir();
    const error = await writeFileAtomic(join(directory, 'absent', 'file'), 'x').catch((caught: unknown) => caught);
    expect(SkcommError.hasCode(error, ErrorCode.Storage)).toBe(true);
  });
});

describe('readRegularFile', () => {
  test('reads a regular file', async () => {
    const directory = await tempDir();
    await writeFile(join(directory, 'file'), 'content');
    expect((await readRegularFile(join(directory, 'file'), 100)).toString()).toBe('content');
  });

  test('a missing file is E_NOT_FOUND', async () => {
    const directory = await tempDir();
    const error = await readRegularFile(join(directory, 'absent'), 100).catch((caught: unknown) => caught);
    expect(SkcommError.hasCode(error, ErrorCode.NotFound)).toBe(true);
  });

  test('refuses a file over the limit', async () => {
    const directory = await tempDir();
    await writeFile(join(directory, 'big'), 'x'.repeat(101));
    await expect(readRegularFile(join(directory, 'big'), 100)).rejects.toMatchObject({ code: ErrorCode.Storage });
    expect((await readRegularFile(join(directory, 'big'), 101)).length).toBe(101);
  });

  test.each(['symlink', 'directory', 'FIFO'] as const)('refuses a %s', async (kind) => {
    const directory = await tempDir();
    const target = join(directory, 'target');
    await writeFile(target, 'secret outside');
    const path = join(directory, 'planted');
    if (kind === 'symlink') await symlink(target, path);
    if (kind === 'directory') await mkdir(path);
    if (kind === 'FIFO') execFileSync('mkfifo', [path]);
    await expect(readRegularFile(path, 1000)).rejects.toMatchObject({ code: ErrorCode.Storage, message: expect.stringContaining(kind) });
  });
});
