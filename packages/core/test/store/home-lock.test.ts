import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ErrorCode } from '../../src/index.js';
import { acquireHomeLock } from '../../src/store/index.js';
import { removeTempDirs, tempDir } from '../helpers/temp.js';

afterAll(removeTempDirs);

describe('acquireHomeLock', () => {
  test('one holder at a time; released, it can be taken again', async () => {
    const path = join(await tempDir(), 'state', 'daemon.lock');
    const lock = await acquireHomeLock(path);
    expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
    // Another live process (our parent) holding it means "already running".
    await writeFile(path, `${process.ppid}\n`);
    await expect(acquireHomeLock(path)).rejects.toMatchObject({ code: ErrorCode.AlreadyExists, message: expect.stringContaining(`pid ${process.ppid}`) });
    await writeFile(path, `${process.pid}\n`);
    await lock.release();
    const again = await acquireHomeLock(path);
    await again.release();
  });

  test('a stale lock (its process is gone, e.g. killed with -9) is taken over', async () => {
    const path = join(await tempDir(), 'daemon.lock');
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await writeFile(path, `${gone}\n`);
    const lock = await acquireHomeLock(path);
    expect((await readFile(path, 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
