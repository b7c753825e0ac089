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

/**
 * What an unlocked identity is for, which decides the key packets whose S2K runs: `sign`
 * (seal, detached signatures, CapAuth tokens) decrypts only the signing key; `all` (also
 * opening messages) decrypts the encryption subkey too. Each S2K costs ~20 ms by design.
 */
export type KeyPurpose = 'sign' | 'all';

/** An identity that can sign: its signing key is unlocked; other secret subkeys may still be locked. */
export interface SigningIdentityHandle extends PublicKeyHandle {
  /** Private key with (at least) its signing key unlocked, held in memory only. */
  readonly privateKey: openpgp.PrivateKey;
  readonly purpose: KeyPurpose;
}

/** An identity with every secret key unlocked: it signs and opens messages. */
export interface IdentityHandle extends SigningIdentityHandle {
  readonly purpose: 'all';
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

/**
 * Reads the armored private key and unlocks what `purpose` needs (default `all`). Every
 * key packet that gets decrypted is checked against its public half, and the key passes
 * the same validation (self-signatures, usable signing and encryption keys) either way.
 */
export async function unlockIdentity(armoredPrivateKey: string, passphrase: string, options?: { purpose?: 'all' }): Promise<IdentityHandle>;
export async function unlockIdentity(armoredPrivateKey: string, passphrase: string, options: { purpose: 'sign' }): Promise<SigningIdentityHandle>;
export async function unlockIdentity(
  armoredPrivateKey: string,
  passphrase: string,
  options?: { purpose?: KeyPurpose },
): Promise<SigningIdentityHandle>;
export async function unlockIdentity(
  armoredPrivateKey: string,
  passphrase: string,
  options: { purpose?: KeyPurpose } = {},
): Promise<SigningIdentityHandle> {
  const purpose = options.purpose ?? 'all';
  let locked: openpgp.PrivateKey;
  try {
    locked = await openpgp.readPrivateKey({ armoredKey: armoredPrivateKey, config: openpgpConfig });
  } catch (cause) {
    throw new KeyError(ErrorCode.KeyInvalid, `not a readable OpenPGP private key: ${messageOf(cause)}`, { cause });
  }
  // Validated before any S2K runs: which key signs is read from verified binding signatures.
  await validateKey(locked);
  let privateKey: openpgp.PrivateKey;
  try {
    privateKey = purpose === 'all' ? await unlockAll(locked, passphrase) : await unlockSigningKey(locked, passphrase);
  } catch (cause) {
    throw new KeyError(ErrorCode.PassphraseWrong, 'the passphrase does not unlock the private key', { cause });
  }
  const publicKey = privateKey.toPublic();
  return { ...toHandle(publicKey), privateKey, purpose };
}

async function unlockAll(locked: openpgp.PrivateKey, passphrase: string): Promise<openpgp.PrivateKey> {
  return locked.isDecrypted() ? locked : openpgp.decryptKey({ privateKey: locked, passphrase, config: openpgpConfig });
}

/**
 * Decrypts only the packet of the current signing key (for our keys, the primary key),
 * then checks that its secret parameters match the public ones, as decryptKey does.
 */
async function unlockSigningKey(locked: openpgp.PrivateKey, passphrase: string): Promise<openpgp.PrivateKey> {
  const { keyPacket } = await locked.getSigningKey(undefined, new Date(), undefined, fullOpenpgpConfig);
  if (keyPacket.isDecrypted()) return locked;
  try {
    await (keyPacket as openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket).decrypt(passphrase);
    await (keyPacket as openpgp.SecretKeyPacket | openpgp.SecretSubkeyPacket).validate();
    return locked;
  } catch (cause) {
    // As decryptKey does: no half-checked secret material left behind (missing from the typings).
    (locked as openpgp.PrivateKey & { clearPrivateParams(): void }).clearPrivateParams();
    throw cause;
  }
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
