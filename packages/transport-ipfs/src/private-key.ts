/**
 * The node's libp2p identity. Its peer id is part of the address peers are given, so it is
 * kept in a file (protobuf, mode 0600) and reused at every start.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { ConfigError, ErrorCode, StorageError } from '@skcomm/core';

export const KEY_FILE_NAME = 'libp2p-key';

/** Reads the key at `path`, or creates one there. Refuses a key file others can read. */
export async function loadOrCreatePrivateKey(path: string): Promise<PrivateKey> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) {
      throw new ConfigError(
        ErrorCode.InsecurePermissions,
        `the libp2p key file ${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 ${path}`,
        { field: 'keyFile' },
      );
    }
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof ConfigError) throw error;
      throw StorageError.fromFs(error, `cannot read the libp2p key file ${path}`);
    }
    return createKeyFile(path);
  }
  try {
    return privateKeyFromProtobuf(bytes);
  } catch (cause) {
    throw new ConfigError(ErrorCode.KeyInvalid, `the libp2p key file ${path} does not hold a libp2p private key`, { field: 'keyFile', cause });
  }
}

async function createKeyFile(path: string): Promise<PrivateKey> {
  const key = await generateKeyPair('Ed25519');
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const handle = await open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(privateKeyToProtobuf(key));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw StorageError.fromFs(error, `cannot write the libp2p key file ${path}`);
  }
  return key;
}
