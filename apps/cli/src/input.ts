/** Reads a file argument, or stdin for "-". */
import { readFile } from 'node:fs/promises';

const MAX_INPUT_BYTES = 1024 * 1024;

export async function readInput(pathOrDash: string): Promise<string> {
  if (pathOrDash !== '-') return readFile(pathOrDash, 'utf8');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT_BYTES) throw Object.assign(new Error(`stdin is larger than ${MAX_INPUT_BYTES} bytes`), { code: 'E_ENVELOPE_TOO_LARGE' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
