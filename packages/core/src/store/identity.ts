/** The agent's own key pair, read from the home directory. */
import { lstat } from 'node:fs/promises';
import {
  type IdentityHandle,
  type KeyPurpose,
  MAX_KEY_BYTES,
  type PublicKeyHandle,
  readPublicKey,
  type SigningIdentityHandle,
  unlockIdentity,
} from '../crypto/index.js';
import { ConfigError, ErrorCode, StorageError } from '../errors.js';
import { readConfig, type SkcommConfig } from './config.js';
import { readRegularFile, storageErrorOf } from './fs-atomic.js';
import { homeLayout } from './layout.js';
import { assertOwnerOnly } from './permissions.js';

export type LoadedIdentity = IdentityHandle & { name: string };
export type LoadedSigningIdentity = SigningIdentityHandle & { name: string };

export interface LoadIdentityOptions {
  /** What the key is unlocked for (default `all`); `sign` skips the encryption subkey's S2K. */
  purpose?: KeyPurpose;
  /** The home's config when the caller already read it (spares a second read and parse). */
  config?: SkcommConfig;
}

/** Unlocks the private key. Refuses one that group or others can read (T25). */
export async function loadIdentity(home: string, passphrase: string, options?: LoadIdentityOptions & { purpose?: 'all' }): Promise<LoadedIdentity>;
export async function loadIdentity(home: string, passphrase: string, options: LoadIdentityOptions & { purpose: 'sign' }): Promise<LoadedSigningIdentity>;
export async function loadIdentity(home: string, passphrase: string, options?: LoadIdentityOptions): Promise<LoadedSigningIdentity>;
export async function loadIdentity(home: string, passphrase: string, options: LoadIdentityOptions = {}): Promise<LoadedSigningIdentity> {
  const layout = homeLayout(home);
  let mode: number;
  try {
    mode = (await lstat(layout.privateKeyFile)).mode;
  } catch (cause) {
    const error = storageErrorOf(cause, `cannot read ${layout.privateKeyFile}`);
    if (error.code === ErrorCode.NotFound) {
      throw new StorageError(ErrorCode.NotFound, `no identity in ${layout.home}; run skcomm init`, { cause });
    }
    throw error;
  }
  assertOwnerOnly(mode, layout.privateKeyFile, 'the private key');
  const armored = (await readRegularFile(layout.privateKeyFile, MAX_KEY_BYTES)).toString('utf8');
  const config = options.config ?? (await readConfig(home));
  const identity = await unlockIdentity(armored, passphrase, { purpose: options.purpose ?? 'all' });
  assertConfiguredFingerprint(identity.fingerprint, config.fingerprint, layout.privateKeyFile);
  return { ...identity, name: config.name };
}

/** The public half, for `keys export` and `keys list`: no passphrase needed. */
export async function readOwnPublicKey(home: string): Promise<PublicKeyHandle & { name: string }> {
  const layout = homeLayout(home);
  const armored = (await readRegularFile(layout.publicKeyFile, MAX_KEY_BYTES)).toString('utf8');
  const config = await readConfig(home);
  const key = await readPublicKey(armored);
  assertConfiguredFingerprint(key.fingerprint, config.fingerprint, layout.publicKeyFile);
  return { ...key, name: config.name };
}

function assertConfiguredFingerprint(actual: string, configured: string, path: string): void {
  if (actual !== configured) {
    throw new ConfigError(ErrorCode.ConfigInvalid, `${path} holds key ${actual}, but config.yml names ${configured}`, {
      field: 'fingerprint',
    });
  }
}
