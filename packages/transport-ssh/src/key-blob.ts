/** SSH public key blobs: their type and their SHA256 fingerprint. */
import { createHash } from 'node:crypto';

/** `SHA256:` and 43 characters of unpadded base64, as `ssh-keygen -lf` prints it. */
export const HOST_KEY_FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

export function hostKeyFingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type a public key blob starts with (an SSH string), or undefined when malformed. */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return undefined;
  const type = blob.toString('latin1', 4, 4 + length);
  return /^[a-z0-9@.-]+$/.test(type) ? type : undefined;
}

/** The blob of an OpenSSH public key line (`ssh-ed25519 AAAA... comment`). */
export function publicKeyBlob(line: string): Buffer {
  const base64 = line.trim().split(/\s+/)[1];
  if (base64 === undefined) throw new Error('not an OpenSSH public key line');
  return Buffer.from(base64, 'base64');
}
