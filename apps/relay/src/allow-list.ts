/** `--allow FILE`: one fingerprint per line; blank lines and `#` comments ignored. */
import { readFile } from 'node:fs/promises';
import { ConfigError, ErrorCode, FINGERPRINT_PATTERN } from '@skcomm/core';

export async function readAllowList(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `cannot read the allow list ${path}: ${(cause as Error).message}`, { cause, field: 'allow' });
  }
  return parseAllowList(text, path);
}

export function parseAllowList(text: string, source = 'allow list'): Set<string> {
  const allowed = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim().replaceAll(' ', '').toUpperCase();
    if (line === '') return;
    if (!FINGERPRINT_PATTERN.test(line)) {
      throw new ConfigError(ErrorCode.ConfigInvalid, `${source} line ${index + 1} is not a full fingerprint (40 or 64 hex digits)`, { field: 'allow' });
    }
    allowed.add(line);
  });
  return allowed;
}
