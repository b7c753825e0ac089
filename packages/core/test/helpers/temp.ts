import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory per call; `removeTempDirs` cleans every one. */
const created: string[] = [];

export async function tempDir(prefix = 'skcomm-store-'): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), prefix));
  created.push(directory);
  return directory;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
}

/** Leftover temp files of atomic writes in `directory`. */
export async function tempFilesIn(directory: string): Promise<string[]> {
  return (await readdir(directory)).filter((name) => name.endsWith('.tmp'));
}

export function modeOf(stats: { mode: number }): number {
  return stats.mode & 0o777;
}
