/**
 * Key material: generation, import with validation, unlocking. Keys are parsed and
 * unlocked once and then reused through these handles; nothing parses a key per message.
 */
import * as openpgp from 'openpgp';
import { ErrorCode, KeyError } from '../errors.js';
import { fullOpenpgpConfig, openpgpConfig } from './config.js';

/** Largest armored key accepted on import, and most user ids on one key. */
export const MAX_KEY_BYTES = 64 * 1024;
export const MAX_USER_IDS = 32;

export interface PublicKeyHandle {
  /** Uppercase hex primary-key fingerprint: the identity. */
  readonly fingerprint: string;
  readonly userIds: readonly string[];
  readonly armored: string;
  /** Parsed key, for the crypto module only. */
  readonly key: openpgp.PublicKey;
}

export interface IdentityHandle extends PublicKeyHandle {
  /** Unlocked private key, held in memory only. */
  readonly privateKey: openpgp.PrivateKey;
}

export interface GeneratedIdentity {
  fingerprint: string;
  /** Private key, encrypted with the passphrase. */
  armoredPrivateKey: string;
  armoredPublicKey: string;
}

export async function generateIdentity(options: { name: string; email?: string; passphrase: string }): Promise<GeneratedIdentity> {
  if (options.passphrase.length === 0) {
    throw new KeyError(ErrorCode.PassphraseRequired, 'a non-empty passphrase is required to protect the private key');
  }
  const userId = options.email === undefined ? { name: options.name } : { name: options.name, email: options.email };
  let generated: { privateKey: string; publicKey: string };
  try {
    generated = await openpgp.generateKey({
      type: 'ecc',
      curve: 'curve25519Legacy',
      userIDs: [userId],
      passphrase: options.passphrase,
      format: 'armored',
      config: openpgpConfig,
    });
  } catch (cause) {
    throw new KeyError(ErrorCode.KeyInvalid, `cannot generate a key for "${options.name}": ${messageOf(cause)}`, { cause });
  }
  const { privateKey, publicKey } = generated;
  const parsed = await openpgp.readKey({ armoredKey: publicKey, config: openpgpConfig });
  return { fingerprint: fingerprintOf(parsed), armoredPrivateKey: privateKey, armoredPublicKey: publicKey };
}

export function fingerprintOf(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

/**
 * Reads and validates an armored public key: size and user-id caps, a valid primary
 * self-signature (not revoked, not expired), and usable signing and encryption keys.
 */
export async function readPublicKey(armored: string): Promise<PublicKeyHandle> {
  if (Buffer.byteLength(armored, 'utf8') > MAX_KEY_BYTES) {
    throw new KeyError(ErrorCode.KeyInvalid, `key is larger than ${MAX_KEY_BYTES} bytes`);
  }
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey: armored, config: openpgpConfig });
  } catch (cause) {
    throw new KeyError(ErrorCode.KeyInvalid, `not a readable OpenPGP public key: ${messageOf(cause)}`, { cause });
  }
  if (key.isPrivate()) {
    throw new KeyError(ErrorCode.KeyInvalid, 'this is a private key; import the public key (skcomm keys export) instead');
  }
  await validateKey(key);
  return toHandle(key as openpgp.PublicKey);
}

/** Reads the armored private key and unlocks it with the passphrase. */
export async function unlockIdentity(armoredPrivateKey: string, passphrase: string): Promise<IdentityHandle> {
  let locked: openpgp.PrivateKey;
  try {
    locked = await openpgp.readPrivateKey({ armoredKey: armoredPrivateKey, config: openpgpConfig });
  } catch (cause) {
    throw new KeyError(ErrorCode.KeyInvalid, `not a readable OpenPGP private key: ${messageOf(cause)}`, { cause });
  }
  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = locked.isDecrypted()
      ? locked
      : await openpgp.decryptKey({ privateKey: locked, passphrase, config: openpgpConfig });
  } catch (cause) {
    throw new KeyError(ErrorCode.PassphraseWrong, 'the passphrase does not unlock the private key', { cause });
  }
  await validateKey(privateKey);
  const publicKey = privateKey.toPublic();
  return { ...toHandle(publicKey), privateKey };
}

async function validateKey(key: openpgp.Key): Promise<void> {
  if (key.users.length > MAX_USER_IDS) {
    throw new KeyError(ErrorCode.KeyInvalid, `key has ${key.users.length} user ids, more than ${MAX_USER_IDS}`);
  }
  try {
    await key.verifyPrimaryKey(new Date(), undefined, fullOpenpgpConfig);
  } catch (cause) {
    const revoked = await key.isRevoked(undefined, undefined, new Date(), fullOpenpgpConfig).catch(() => false);
    const code = revoked ? ErrorCode.KeyRevoked : ErrorCode.KeyInvalid;
    throw new KeyError(code, `key ${fingerprintOf(key)} is not usable: ${messageOf(cause)}`, { cause });
  }
  for (const [what, find] of [
    ['signing', () => key.getSigningKey(undefined, new Date(), undefined, fullOpenpgpConfig)],
    ['encryption', () => key.getEncryptionKey(undefined, new Date(), undefined, fullOpenpgpConfig)],
  ] as const) {
    try {
      await find();
    } catch (cause) {
      throw new KeyError(ErrorCode.KeyInvalid, `key ${fingerprintOf(key)} has no valid ${what} key: ${messageOf(cause)}`, { cause });
    }
  }
}

function toHandle(key: openpgp.PublicKey): PublicKeyHandle {
  return {
    fingerprint: fingerprintOf(key),
    userIds: key.getUserIDs(),
    armored: key.armor(fullOpenpgpConfig),
    key,
  };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
