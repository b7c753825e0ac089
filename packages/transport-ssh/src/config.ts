import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import * as v from 'valibot';
import { booleanOption, ConfigError, DEFAULT_MAX_ENVELOPE_BYTES, ErrorCode, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { parseSshAddress, type SshAddress } from './address.js';
import type { HostKeyPolicy } from './host-key.js';
import { HOST_KEY_FINGERPRINT_PATTERN } from './key-blob.js';

export const SSH_TRANSPORT_ID = 'ssh';

const localPath = v.pipe(
  v.string('must be a path'),
  v.transform((path) => path.trim()),
  v.minLength(1, 'must not be empty'),
  v.transform((path) => (path === '~' ? homedir() : path.startsWith('~/') ? join(homedir(), path.slice(2)) : path)),
  v.check(isAbsolute, 'must be an absolute path (or start with ~/)'),
  v.check((path) => !path.includes('\0'), 'must not contain NUL'),
  v.transform(normalize),
);

/**
 * Raw config, as it comes from YAML or `--set KEY=VALUE`. Keys are camelCase like every
 * transport's. There is deliberately no password option: keys only.
 */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** The private key to log in with (OpenSSH or PEM format, unencrypted, mode 0600 like ssh demands). */
  identity: localPath,
  /** An OpenSSH known_hosts file that must list every server this transport connects to. */
  knownHosts: v.optional(localPath),
  /** Instead of knownHosts: the one server key accepted, as `ssh-keygen -lf` prints it (SHA256:...). */
  hostKey: v.optional(v.pipe(v.string('must be a fingerprint'), v.trim(), v.regex(HOST_KEY_FINGERPRINT_PATTERN, 'must look like SHA256:<43 base64 characters>'))),
  /** Accept and record the key of a host the knownHosts file does not list yet. A changed key is refused regardless. */
  trustOnFirstUse: v.optional(booleanOption(), false),
  /** The remote folder this transport receives from: `user@host[:port]:/path`. Without it, the transport only sends. */
  pull: v.optional(v.pipe(v.string('must be an address'), v.trim())),
  /** Longest wait for TCP connect + SSH handshake + authentication. */
  connectTimeoutMs: v.optional(numberOption(100, 300_000), 10_000),
  /** Longest wait for one SFTP request; the connection is dropped after it, as it may be wedged. */
  operationTimeoutMs: v.optional(numberOption(100, 600_000), 30_000),
  /** A connection unused this long is closed. 0 closes it as soon as nothing uses it. */
  idleTimeoutMs: v.optional(numberOption(0, 3_600_000), 30_000),
  /** How often subscribe() looks at the pull folder. */
  pollIntervalMs: v.optional(numberOption(50, 3_600_000), 2000),
  /** Larger envelopes are refused on send, and left alone (not read) in the pull folder. */
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** What the router should expect from send() to readable at the other end: the reader's poll interval. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 5000),
});

/** The snake_case keys this transport took before all transports settled on camelCase. */
const RENAMED_KEYS: Record<string, string> = {
  known_hosts: 'knownHosts',
  host_key: 'hostKey',
  trust_on_first_use: 'trustOnFirstUse',
  connect_timeout_ms: 'connectTimeoutMs',
  operation_timeout_ms: 'operationTimeoutMs',
  idle_timeout_ms: 'idleTimeoutMs',
  poll_interval_ms: 'pollIntervalMs',
  max_envelope_bytes: 'maxEnvelopeBytes',
  expected_latency_ms: 'expectedLatencyMs',
};

export type SshTransportInit = v.InferInput<typeof configSchema>;

/** Validated options, as the transport uses them. */
export interface SshTransportOptions {
  identity: string;
  hostKeyPolicy: HostKeyPolicy;
  pull: SshAddress | undefined;
  connectTimeoutMs: number;
  operationTimeoutMs: number;
  idleTimeoutMs: number;
  pollIntervalMs: number;
  maxEnvelopeBytes: number;
  expectedLatencyMs: number;
  name?: string;
  priority?: number;
}

export function parseSshOptions(raw: unknown): SshTransportOptions {
  const config = parseTransportConfig(SSH_TRANSPORT_ID, configSchema, raw, RENAMED_KEYS);
  const invalid = (field: string, message: string) =>
    new ConfigError(ErrorCode.ConfigInvalid, `transport "${SSH_TRANSPORT_ID}": ${field} ${message}`, { field });

  if (config.knownHosts !== undefined && config.hostKey !== undefined) {
    throw invalid('hostKey', 'and knownHosts are alternatives: set one of them');
  }
  let hostKeyPolicy: HostKeyPolicy;
  if (config.hostKey !== undefined) {
    if (config.trustOnFirstUse) throw invalid('trustOnFirstUse', 'needs knownHosts (the file to record keys in), not a pinned hostKey');
    hostKeyPolicy = { kind: 'pinned', fingerprint: config.hostKey };
  } else if (config.knownHosts !== undefined) {
    hostKeyPolicy = { kind: 'known-hosts', path: config.knownHosts, trustOnFirstUse: config.trustOnFirstUse };
  } else {
    throw invalid('knownHosts', 'is required (or hostKey=SHA256:...): host keys are always checked, never trusted blindly');
  }

  let pull: SshAddress | undefined;
  if (config.pull !== undefined) {
    const parsed = parseSshAddress(config.pull);
    if (!parsed.ok) throw invalid('pull', `${parsed.problem} (expected user@host[:port]:/path)`);
    pull = parsed.address;
  }

  const options: SshTransportOptions = {
    identity: config.identity,
    hostKeyPolicy,
    pull,
    connectTimeoutMs: config.connectTimeoutMs,
    operationTimeoutMs: config.operationTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    pollIntervalMs: config.pollIntervalMs,
    maxEnvelopeBytes: config.maxEnvelopeBytes,
    expectedLatencyMs: config.expectedLatencyMs,
  };
  if (config.name !== undefined) options.name = config.name;
  if (config.priority !== undefined) options.priority = config.priority;
  return options;
}
