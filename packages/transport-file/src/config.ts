import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import * as v from 'valibot';
import { booleanOption, DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';

export const FILE_TRANSPORT_ID = 'file';

const rootPath = v.pipe(
  v.string('must be a path'),
  v.transform((path) => path.trim()),
  v.minLength(1, 'must not be empty'),
  v.transform((path) => (path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path)),
  v.check(isAbsolute, 'must be an absolute path (or start with ~/)'),
  v.check((path) => !path.includes('\0'), 'must not contain NUL'),
  v.transform(normalize),
);

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** The shared folder. Never created by the transport: a missing root means an unmounted share or stick. */
  root: rootPath,
  /** How often subscribe() looks at the inbox, fs.watch or not. */
  pollIntervalMs: v.optional(numberOption(50, 3_600_000), 2000),
  /** Larger envelopes are refused on send and quarantined on receive, unread. */
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** Use fs.watch for quicker pushes. Polling runs regardless: fs.watch misses changes on network file systems. */
  watch: v.optional(booleanOption(), true),
  /** What the router should expect from send() to readable at the other end: set it to the sync delay. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 30_000),
  /** An empty envelope file younger than this may still be being copied in, and is left alone; older ones are quarantined. */
  emptyFileGraceMs: v.optional(numberOption(0, 86_400_000), 10_000),
});

export type FileTransportInit = v.InferInput<typeof configSchema>;
export type FileTransportOptions = v.InferOutput<typeof configSchema>;

export function parseFileOptions(raw: unknown): FileTransportOptions {
  return parseTransportConfig(FILE_TRANSPORT_ID, configSchema, raw);
}
