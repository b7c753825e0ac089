/**
 * Where the passphrase comes from, in order: `--passphrase-file`, `SKCOMM_PASSPHRASE`,
 * a hidden prompt (only on a terminal), else a one-line hint.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { ErrorCode, KeyError } from '../errors.js';
import { storageErrorOf } from './fs-atomic.js';
import { assertOwnerOnly } from './permissions.js';

const MAX_PASSPHRASE_FILE_BYTES = 64 * 1024;

export interface ResolvePassphraseOptions {
  passphraseFile?: string;
  env?: Record<string, string | undefined>;
  /** Asks for the passphrase without echoing it; used only when stdin is a terminal. */
  prompt?: (question: string) => Promise<string>;
  /** Defaults to `process.stdin.isTTY`. */
  stdinIsTTY?: boolean;
}

export async function resolvePassphrase(options: ResolvePassphraseOptions = {}): Promise<string> {
  if (options.passphraseFile !== undefined) return readPassphraseFile(options.passphraseFile);
  const fromEnvironment = (options.env ?? process.env).SKCOMM_PASSPHRASE;
  if (fromEnvironment !== undefined && fromEnvironment !== '') return fromEnvironment;
  const isTTY = options.stdinIsTTY ?? process.stdin.isTTY === true;
  if (options.prompt !== undefined && isTTY) {
    const answer = await options.prompt('Passphrase for the SKComm private key: ');
    if (answer !== '') return answer;
  }
  throw new KeyError(
    ErrorCode.PassphraseRequired,
    'a passphrase is required: pass --passphrase-file FILE, set SKCOMM_PASSPHRASE, or run in a terminal',
  );
}

async function readPassphraseFile(path: string): Promise<string> {
  let handle: FileHandle;
  try {
    // Symlinks are followed on purpose: mounted secrets (Kubernetes) are symlinks.
    handle = await open(path, 'r');
  } catch (cause) {
    throw storageErrorOf(cause, `cannot read the passphrase file ${path}`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new KeyError(ErrorCode.PassphraseRequired, `the passphrase file ${path} is not a regular file`);
    assertOwnerOnly(stats.mode, path, 'the passphrase file');
    if (stats.size > MAX_PASSPHRASE_FILE_BYTES) {
      throw new KeyError(ErrorCode.PassphraseRequired, `the passphrase file ${path} is larger than ${MAX_PASSPHRASE_FILE_BYTES} bytes`);
    }
    const passphrase = (await handle.readFile('utf8')).replace(/[\r\n]+$/, '');
    if (passphrase === '') throw new KeyError(ErrorCode.PassphraseRequired, `the passphrase file ${path} is empty`);
    return passphrase;
  } catch (cause) {
    if (KeyError.is(cause)) throw cause;
    throw storageErrorOf(cause, `cannot read the passphrase file ${path}`);
  } finally {
    await handle.close();
  }
}
