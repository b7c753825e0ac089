/**
 * The agent's Nostr key and its peers' Nostr public keys. The secret key is read from a
 * 0600 file or generated once into the transport's state directory; it is never logged
 * and never leaves this process except as signatures.
 */
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decode as decodeNip19 } from 'nostr-tools/nip19';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { ConfigError, ErrorCode } from '@skcomm/core';

export const GENERATED_KEY_FILE = 'nostr-secret-key';

export interface NostrKeyPair {
  secretKey: Uint8Array;
  /** 64 lowercase hex digits (x-only secp256k1, as in every Nostr event). */
  publicKey: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The configured key file, else the key in `stateDir` (created on first use). */
export function loadKeyPair(secretKeyFile: string | undefined, stateDir: string | undefined): NostrKeyPair {
  if (secretKeyFile !== undefined) return keyPairFrom(readSecretFile(secretKeyFile, 'secretKeyFile'), 'secretKeyFile');
  if (stateDir === undefined) {
    throw new ConfigError(ErrorCode.ConfigInvalid, 'transport "nostr": set secretKeyFile, or give the transport a state directory to keep a generated key in', {
      field: 'secretKeyFile',
    });
  }
  const path = join(stateDir, GENERATED_KEY_FILE);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    writeNewSecretFile(path, Buffer.from(generateSecretKey()).toString('hex'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError(ErrorCode.Storage, `transport "nostr": cannot create ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  return keyPairFrom(readSecretFile(path, 'stateDir'), 'stateDir');
}

/** The peer's Nostr public key from its address: 64 hex digits or an npub. Undefined if it is neither. */
export function parsePublicKey(address: string): string | undefined {
  const trimmed = address.trim();
  if (HEX64.test(trimmed.toLowerCase())) return trimmed.toLowerCase();
  if (!trimmed.startsWith('npub1')) return undefined;
  try {
    const decoded = decodeNip19(trimmed);
    return decoded.type === 'npub' ? decoded.data : undefined;
  } catch {
    return undefined;
  }
}

function keyPairFrom(text: string, field: string): NostrKeyPair {
  const secretKey = parseSecretKey(text);
  if (secretKey === undefined) {
    // Never echo the file's content: it is (or was meant to be) a secret.
    throw new ConfigError(ErrorCode.KeyInvalid, `transport "nostr": the secret key file does not hold 64 hex digits or an nsec1 key`, { field });
  }
  try {
    return { secretKey, publicKey: getPublicKey(secretKey) };
  } catch {
    throw new ConfigError(ErrorCode.KeyInvalid, 'transport "nostr": the secret key is not a valid secp256k1 scalar', { field });
  }
}

function parseSecretKey(text: string): Uint8Array | undefined {
  const trimmed = text.trim();
  if (HEX64.test(trimmed.toLowerCase())) return new Uint8Array(Buffer.from(trimmed, 'hex'));
  if (!trimmed.startsWith('nsec1')) return undefined;
  try {
    const decoded = decodeNip19(trimmed);
    return decoded.type === 'nsec' ? decoded.data : undefined;
  } catch {
    return undefined;
  }
}

function readSecretFile(path: string, field: string): string {
  let mode: number;
  try {
    const stats = lstatSync(path);
    if (!stats.isFile()) throw new ConfigError(ErrorCode.ConfigInvalid, `transport "nostr": ${path} is not a regular file`, { field });
    mode = stats.mode & 0o777;
  } catch (error) {
    if (ConfigError.is(error)) throw error;
    throw new ConfigError(ErrorCode.ConfigInvalid, `transport "nostr": cannot read the secret key file ${path}: ${(error as Error).message}`, {
      field,
      cause: error,
    });
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      ErrorCode.InsecurePermissions,
      `transport "nostr": ${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${path}`,
      { field },
    );
  }
  return readFileSync(path, 'utf8');
}

function writeNewSecretFile(path: string, content: string): void {
  const descriptor = openSync(path, 'wx', 0o600);
  try {
    writeSync(descriptor, `${content}\n`);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}
