/**
 * Loads the private key to log in with. Refused like OpenSSH refuses it: a key file
 * that group or others may read ("UNPROTECTED PRIVATE KEY FILE"), and a passphrase-
 * protected key (there is no passphrase option: secrets stay out of config).
 */
import { readFile, stat } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { sshError, SshTransportError } from './errors.js';

export async function loadIdentity(path: string, transport: string): Promise<Buffer> {
  const refuse = (message: string, cause?: unknown): SshTransportError => sshError(transport, 'identity', `identity ${path}: ${message}`, cause);
  let contents: Buffer;
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw refuse('is not a file');
    if ((stats.mode & 0o077) !== 0) {
      throw refuse(`is readable by others (mode ${(stats.mode & 0o777).toString(8)}); run chmod 600 on it`);
    }
    contents = await readFile(path);
  } catch (error) {
    if (SshTransportError.isSshTransportError(error)) throw error;
    throw refuse(`cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, error);
  }
  const parsed = ssh2.utils.parseKey(contents);
  if (parsed instanceof Error) {
    throw /encrypted/i.test(parsed.message)
      ? refuse('is protected by a passphrase, which this transport does not take; use a dedicated unprotected key with mode 0600', parsed)
      : refuse(`is not a private key ssh2 can read (${parsed.message})`, parsed);
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key.isPrivateKey() !== true) throw refuse('holds no private key');
  return contents;
}
