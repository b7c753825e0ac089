import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import * as v from 'valibot';
import { booleanOption, ConfigError, ErrorCode, numberOption, parseTransportConfig } from '@skcomm/core';
import { configSchema as fileConfigSchema } from '@skcomm/transport-file';

export const SYNCTHING_TRANSPORT_ID = 'syncthing';
export const DEFAULT_API_URL = 'http://127.0.0.1:8384';

/** Syncthing's own sync takes about 0.25 s after a REST scan, 1 s with the watcher alone, on loopback. */
const DEFAULT_EXPECTED_LATENCY_MS = 1_000;

/** Eight groups of seven base32 characters, as Syncthing prints device IDs. */
export const DEVICE_ID_PATTERN = /^[A-Z2-7]{7}(?:-[A-Z2-7]{7}){7}$/;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const apiUrl = v.pipe(
  v.string('must be a URL'),
  v.transform((url) => url.trim().replace(/\/+$/, '')),
  v.url('must be a URL such as http://127.0.0.1:8384'),
  v.check((url) => ['http:', 'https:'].includes(new URL(url).protocol), 'must be an http:// or https:// URL'),
  // The API key travels in a header: never in clear text across a network.
  v.check((url) => {
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || LOOPBACK_HOSTS.has(hostname) || hostname.startsWith('127.');
  }, 'must use https:// unless it is on loopback (the API key would cross the network in clear text)'),
);

const absolutePath = v.pipe(
  v.string('must be a path'),
  v.transform((path) => path.trim()),
  v.minLength(1, 'must not be empty'),
  v.transform((path) => (path.startsWith('~/') ? join(homedir(), path.slice(2)) : path)),
  v.check(isAbsolute, 'must be an absolute path (or start with ~/)'),
  v.check((path) => !path.includes('\0'), 'must not contain NUL'),
  v.transform(normalize),
);

const folderId = v.pipe(
  v.string('must be a Syncthing folder ID'),
  v.transform((id) => id.trim()),
  v.minLength(1, 'must not be empty'),
  v.maxLength(256, 'must be at most 256 characters'),
  // eslint-disable-next-line no-control-regex
  v.regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters'),
);

const deviceId = v.pipe(
  v.string('must be a Syncthing device ID'),
  v.transform((id) => id.trim().toUpperCase()),
  v.regex(DEVICE_ID_PATTERN, 'must be a Syncthing device ID (XXXXXXX-XXXXXXX-... eight groups of seven)'),
);

/** Raw config, as it comes from YAML or `--set`: the file transport's keys plus Syncthing's REST API. */
export const configSchema = v.pipe(
  v.strictObject({
    ...fileConfigSchema.entries,
    expectedLatencyMs: v.optional(numberOption(0, 86_400_000), DEFAULT_EXPECTED_LATENCY_MS),
    /** Syncthing's GUI/REST address. */
    api: v.optional(apiUrl, DEFAULT_API_URL),
    /** The API key itself; prefer apiKeyFile, which keeps it out of the transport config. */
    apiKey: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'))),
    /** A file holding the API key (read on first use, surrounding white space ignored). */
    apiKeyFile: v.optional(absolutePath),
    /** The ID of the Syncthing folder whose path is `root`. */
    folder: folderId,
    /** The peer's device ID. Without it, any other device sharing the folder counts. */
    device: v.optional(deviceId),
    /** Refuse send() (retryable) while no peer device is connected, so the router fails over now. */
    requireConnectedPeer: v.optional(booleanOption(), true),
    /** Per REST call. */
    requestTimeoutMs: v.optional(numberOption(100, 120_000), 5_000),
  }),
  v.forward(
    v.check((options) => (options.apiKey === undefined) !== (options.apiKeyFile === undefined), 'or apiKeyFile is required (exactly one of them)'),
    ['apiKey'],
  ),
);

export type SyncthingTransportInit = v.InferInput<typeof configSchema>;
export type SyncthingTransportOptions = v.InferOutput<typeof configSchema>;

/** The snake_case keys this transport took before all transports settled on camelCase. */
const RENAMED_KEYS: Record<string, string> = { api_key: 'apiKey', api_key_file: 'apiKeyFile' };

export function parseSyncthingOptions(raw: unknown): SyncthingTransportOptions {
  if (typeof raw === 'object' && raw !== null) {
    // Told, not silently aliased: a stale config names the key to write instead.
    const renamed = Object.keys(raw).find((key) => Object.hasOwn(RENAMED_KEYS, key));
    if (renamed !== undefined) {
      throw new ConfigError(ErrorCode.ConfigInvalid, `transport "${SYNCTHING_TRANSPORT_ID}": ${renamed} was renamed: use ${RENAMED_KEYS[renamed]} instead`, {
        field: renamed,
      });
    }
  }
  return parseTransportConfig(SYNCTHING_TRANSPORT_ID, configSchema, raw);
}
