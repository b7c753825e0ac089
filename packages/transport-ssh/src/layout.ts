/**
 * The folder layout, the same as @skcomm/transport-file's inbox so that a file transport
 * on the remote host reads what this transport writes: final files
 * `<folder>/<envelope_id>.skc.json`, written as `<folder>/.tmp/<envelope_id>.<random>.part`
 * and renamed into place. Every name that reaches a remote path is checked first.
 */
import { randomBytes } from 'node:crypto';
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN } from '@skcomm/core';

export const TEMP_DIRECTORY = '.tmp';
export const ENVELOPE_SUFFIX = '.skc.json';
export const PART_SUFFIX = '.part';

/** The envelope id in a final file name, or undefined when the name is not one. */
export function envelopeIdOfName(name: string): string | undefined {
  if (!name.endsWith(ENVELOPE_SUFFIX)) return undefined;
  const id = name.slice(0, -ENVELOPE_SUFFIX.length);
  return ENVELOPE_ID_PATTERN.test(id) ? id : undefined;
}

export function envelopeFileName(envelopeId: string): string {
  if (!ENVELOPE_ID_PATTERN.test(envelopeId)) throw new Error(`refusing to build a file name from "${envelopeId}"`);
  return envelopeId + ENVELOPE_SUFFIX;
}

/** A fresh temp name: the random part keeps two concurrent sends of one envelope apart. */
export function partFileName(envelopeId: string): string {
  if (!ENVELOPE_ID_PATTERN.test(envelopeId)) throw new Error(`refusing to build a file name from "${envelopeId}"`);
  return `${envelopeId}.${randomBytes(6).toString('hex')}${PART_SUFFIX}`;
}

/** `directory/name` for a remote (POSIX) path; `name` must be a single, plain component. */
export function remoteChild(directory: string, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new Error(`refusing to build a remote path from "${name}"`);
  }
  return `${directory}/${name}`;
}

/**
 * When the folder's last segment is a fingerprint (the file transport's
 * `<root>/<fingerprint>` layout), it must be the recipient's: a peer address that points
 * at another agent's inbox would misdeliver.
 */
export function folderFingerprintMismatch(directory: string, recipientFingerprint: string): string | undefined {
  const last = directory.slice(directory.lastIndexOf('/') + 1);
  return FINGERPRINT_PATTERN.test(last) && last !== recipientFingerprint ? last : undefined;
}
