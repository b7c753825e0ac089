/**
 * The folder layout: `<root>/<recipient fingerprint>/<envelope_id>.skc.json`, with the
 * writers' temp files in `<inbox>/.tmp/` and quarantined entries in `<inbox>/.quarantine/`.
 * Every name that reaches a path is checked against a strict pattern first.
 */
import { join, relative, isAbsolute } from 'node:path';
import { ENVELOPE_ID_PATTERN, FINGERPRINT_PATTERN } from '@skcomm/core';

export const TEMP_DIRECTORY = '.tmp';
export const QUARANTINE_DIRECTORY = '.quarantine';
export const ENVELOPE_SUFFIX = '.skc.json';

/** What a directory entry in an inbox is, judged by its name alone. */
export type EntryKind =
  /** `<envelope_id>.skc.json`: a candidate for delivery. */
  | 'envelope'
  /** Our own `.tmp` and `.quarantine` directories. */
  | 'internal'
  /** A sync tool's file in progress (Syncthing `.syncthing.*.tmp` / `~syncthing~*.tmp`). */
  | 'sync-temp'
  /** A Syncthing conflict copy (`*.sync-conflict-*`): reported, never delivered. */
  | 'conflict'
  /** Anything else: ignored. */
  | 'foreign';

export function classifyEntry(name: string): EntryKind {
  if (name === TEMP_DIRECTORY || name === QUARANTINE_DIRECTORY) return 'internal';
  if (/^(?:\.syncthing\.|~syncthing~).*\.tmp$/s.test(name)) return 'sync-temp';
  if (name.includes('.sync-conflict-')) return 'conflict';
  if (envelopeIdOfName(name) !== undefined) return 'envelope';
  return 'foreign';
}

/** The envelope id in a final file name, or undefined when the name is not one. */
export function envelopeIdOfName(name: string): string | undefined {
  if (!name.endsWith(ENVELOPE_SUFFIX)) return undefined;
  const id = name.slice(0, -ENVELOPE_SUFFIX.length);
  return ENVELOPE_ID_PATTERN.test(id) ? id : undefined;
}

/** The final file name for an id that already matched ENVELOPE_ID_PATTERN. */
export function envelopeFileName(envelopeId: string): string {
  if (!ENVELOPE_ID_PATTERN.test(envelopeId)) throw new Error(`refusing to build a file name from "${envelopeId}"`);
  return envelopeId + ENVELOPE_SUFFIX;
}

/** `<root>/<fingerprint>`, for a fingerprint that matches FINGERPRINT_PATTERN. */
export function inboxDirectory(root: string, fingerprint: string): string {
  if (!FINGERPRINT_PATTERN.test(fingerprint)) throw new Error(`refusing to build an inbox path from "${fingerprint}"`);
  return insideRoot(root, join(root, fingerprint));
}

/** Returns `path` after checking that it lies strictly inside `root` (defence in depth behind the patterns). */
export function insideRoot(root: string, path: string): string {
  const fromRoot = relative(root, path);
  if (fromRoot === '' || fromRoot.startsWith('..') || isAbsolute(fromRoot)) throw new Error(`${path} is not inside ${root}`);
  return path;
}
