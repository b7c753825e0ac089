/**
 * The node's libp2p identity: an Ed25519 key kept in a 0600 file (libp2p protobuf,
 * base64), so the peer id in other agents' peer records stays valid across restarts.
 * Never logged.
 */
import { lstat, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { ConfigError, ErrorCode } from '@skcomm/core';

export const GENERATED_KEY_FILE = 'libp2p-peer-key';

/**
 * The key in `keyFile`, else in `<stateDir>/libp2p-peer-key`; either is generated on
 * first use when missing (the directory of a configured keyFile must exist).
 */
export async function loadPeerKey(keyFile: string | undefined, stateDir: string | undefined): Promise<PrivateKey> {
  if (keyFile !== undefined) {
    await createKeyFileIfMissing(keyFile, 'keyFile');
    return readKey(keyFile, 'keyFile');
  }
  if (stateDir === undefined) {
    throw new ConfigError(ErrorCode.ConfigInvalid, 'transport "libp2p": set keyFile, or give the transport a state directory to keep its peer key in', {
      field: 'keyFile',
    });
  }
  const path = join(stateDir, GENERATED_KEY_FILE);
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  await createKeyFileIfMissing(path, 'stateDir');
  return readKey(path, 'stateDir');
}

async function createKeyFileIfMissing(path: string, field: string): Promise<void> {
  try {
    await writeNewKeyFile(path, await generateKeyPair('Ed25519'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(ErrorCode.Storage, `transport "libp2p": cannot create the peer key file ${path}: ${(error as Error).message}`, { field, cause: error });
    }
  }
}

/** Writes a new key file, failing with EEXIST if there is one (two processes racing keep the first key). */
export async function writeNewKeyFile(path: string, key: PrivateKey): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    await handle.writeFile(`${Buffer.from(privateKeyToProtobuf(key)).toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readKey(path: string, field: string): Promise<PrivateKey> {
  let text: string;
  try {
    const stats = await lstat(path);
    if (!stats.isFile()) throw new ConfigError(ErrorCode.ConfigInvalid, `transport "libp2p": ${path} is not a regular file`, { field });
    const mode = stats.mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new ConfigError(ErrorCode.InsecurePermissions, `transport "libp2p": ${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`, {
        field,
      });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (ConfigError.is(error)) throw error;
    throw new ConfigError(ErrorCode.ConfigInvalid, `transport "libp2p": cannot read the peer key file ${path}: ${(error as Error).message}`, { field, cause: error });
  }
  try {
    return privateKeyFromProtobuf(Buffer.from(text.trim(), 'base64'));
  } catch (error) {
    // Never echo the file's content: it is a secret.
    throw new ConfigError(ErrorCode.KeyInvalid, `transport "libp2p": ${path} does not hold a libp2p private key (base64 protobuf)`, { field, cause: error });
  }
}
