import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureRealDirectory } from './directories.js';
import { QUARANTINE_DIRECTORY } from './layout.js';

/**
 * Moves an inbox entry into `<inbox>/.quarantine/` (rename: a link is moved, never
 * followed; a FIFO is never opened) and writes `<moved name>.reason.json` beside it.
 * Returns the new path.
 */
export async function quarantineEntry(inbox: string, name: string, reason: string, transport: string): Promise<string> {
  const directory = join(inbox, QUARANTINE_DIRECTORY);
  await ensureRealDirectory(directory, transport);
  const quarantinedAt = new Date();
  const movedName = `${quarantinedAt.toISOString().replaceAll(':', '-')}-${randomBytes(4).toString('hex')}-${name}`;
  const movedPath = join(directory, movedName);
  await rename(join(inbox, name), movedPath);
  const record = { name, reason, quarantinedAt: quarantinedAt.toISOString(), transport };
  await writeFile(join(directory, `${movedName}.reason.json`), `${JSON.stringify(record, null, 2)}\n`, { flag: 'wx' });
  return movedPath;
}
