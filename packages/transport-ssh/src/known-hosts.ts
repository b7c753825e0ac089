/**
 * OpenSSH known_hosts files (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed
 * (`|1|salt|hash`) host patterns, `*`/`?` wildcards, `!` negation, `[host]:port` for
 * ports other than 22, and the `@revoked` marker. `@cert-authority` lines are skipped:
 * this transport does not accept host certificates. Lines that do not parse are skipped
 * and counted, never fatal.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, readFile } from 'node:fs/promises';
import { keyTypeOfBlob } from './key-blob.js';

export interface KnownHostsEntry {
  marker: 'revoked' | undefined;
  /** The host field as written: a comma-separated pattern list or one hashed name. */
  hosts: string;
  keyType: string;
  blob: Buffer;
}

export interface KnownHostsFile {
  entries: KnownHostsEntry[];
  /** Lines that were neither blank, a comment, nor a usable entry. */
  skippedLines: number;
}

export type KnownHostsVerdict =
  | { outcome: 'known' }
  | { outcome: 'revoked' }
  /** The host is listed, but with other keys: changed, or listed only under other key types. */
  | { outcome: 'changed'; knownTypes: string[] }
  | { outcome: 'unknown' };

export function parseKnownHosts(text: string): KnownHostsFile {
  const entries: KnownHostsEntry[] = [];
  let skippedLines = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: KnownHostsEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const word = fields.shift();
      if (word !== '@revoked') {
        skippedLines++;
        continue;
      }
      marker = 'revoked';
    }
    const [hosts, keyType, base64] = fields;
    const blob = base64 === undefined ? undefined : decodeKeyBlob(base64);
    if (hosts === undefined || keyType === undefined || blob === undefined || keyTypeOfBlob(blob) !== keyType) {
      skippedLines++;
      continue;
    }
    entries.push({ marker, hosts, keyType, blob });
  }
  return { entries, skippedLines };
}

/** The name known_hosts lists a host under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Does `entry` list the host `name` (as built by knownHostsName)? */
export function entryMatches(entry: Pick<KnownHostsEntry, 'hosts'>, name: string): boolean {
  if (entry.hosts.startsWith('|1|')) return hashedNameMatches(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(',')) {
    const negated = pattern.startsWith('!');
    if (!globMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** Judges the key `blob` that the server at `host`:`port` presented. */
export function judgeHostKey(file: KnownHostsFile, host: string, port: number, blob: Buffer): KnownHostsVerdict {
  const name = knownHostsName(host, port);
  const listed = file.entries.filter((entry) => entryMatches(entry, name));
  if (listed.some((entry) => entry.marker === 'revoked' && entry.blob.equals(blob))) return { outcome: 'revoked' };
  const trusted = listed.filter((entry) => entry.marker === undefined);
  if (trusted.some((entry) => entry.blob.equals(blob))) return { outcome: 'known' };
  if (trusted.length > 0) return { outcome: 'changed', knownTypes: [...new Set(trusted.map((entry) => entry.keyType))] };
  return { outcome: 'unknown' };
}

/** The key types known_hosts holds for a host, so the handshake can ask the server for one of those first. */
export function knownKeyTypes(file: KnownHostsFile, host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  return [...new Set(file.entries.filter((entry) => entry.marker === undefined && entryMatches(entry, name)).map((entry) => entry.keyType))];
}

/** Reads a known_hosts file; a missing file is an empty one (every host unknown). */
export async function readKnownHosts(path: string): Promise<KnownHostsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], skippedLines: 0 };
    throw error;
  }
  return parseKnownHosts(text);
}

/** Appends `name keytype base64` (trust on first use), creating the file with mode 0600. */
export async function recordHostKey(path: string, host: string, port: number, blob: Buffer): Promise<void> {
  let existing = '';
  try {
    existing = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const separator = existing === '' || existing.endsWith('\n') ? '' : '\n';
  await appendFile(path, `${separator}${knownHostsName(host, port)} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
}

function decodeKeyBlob(base64: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const blob = Buffer.from(base64, 'base64');
  return blob.length > 0 ? blob : undefined;
}

/** `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `ssh-keygen -H` writes it. */
function hashedNameMatches(hashed: string, name: string): boolean {
  const [, , salt, hash] = hashed.split('|');
  if (salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** OpenSSH's match_pattern: `*` any run, `?` one character, case-insensitive (host names are). */
function globMatches(pattern: string, name: string): boolean {
  const expression = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${expression}$`, 'is').test(name);
}
