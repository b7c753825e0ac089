import { randomBytes } from 'node:crypto';
import { lstat, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { TransportHealth } from '@skcomm/core';
import { describeError } from '@skcomm/core';
import { ensureRealDirectory } from './directories.js';
import { errnoOf } from './errors.js';
import { TEMP_DIRECTORY } from './layout.js';

/**
 * Up when the root is a directory, the own inbox is a real directory in it, and a probe
 * file can be written, synced and removed there; latencyMs is the time of that probe.
 */
export async function probeHealth(root: string, inbox: string, transport: string): Promise<TransportHealth> {
  const checkedAt = new Date();
  const down = (detail: string): TransportHealth => ({ status: 'down', detail, checkedAt });
  const problem = await folderProblem(root, inbox);
  if (problem !== undefined) return down(problem);
  const started = performance.now();
  try {
    const temp = join(inbox, TEMP_DIRECTORY);
    await ensureRealDirectory(temp, transport);
    const probe = join(temp, `.probe-${randomBytes(6).toString('hex')}`);
    const handle = await open(probe, 'wx');
    try {
      await handle.writeFile('probe');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await unlink(probe);
  } catch (error) {
    return down(`cannot write in ${inbox}: ${describeError(error)}`);
  }
  return { status: 'up', latencyMs: Math.round((performance.now() - started) * 100) / 100, checkedAt };
}

/**
 * The cheap half of the health check (two stats, no write): why the folders are not
 * usable, or undefined when the root is a directory holding the own inbox as a real one.
 */
export async function folderProblem(root: string, inbox: string): Promise<string | undefined> {
  try {
    if (!(await stat(root)).isDirectory()) return `root ${root} is not a directory`;
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? `root ${root} is missing (unmounted or removed?)` : `root ${root}: ${describeError(error)}`;
  }
  try {
    if (!(await lstat(inbox)).isDirectory()) return `own inbox ${inbox} is not a real directory`;
  } catch (error) {
    return errnoOf(error) === 'ENOENT' ? `own inbox ${inbox} is missing (start() creates it)` : `own inbox ${inbox}: ${describeError(error)}`;
  }
  return undefined;
}
