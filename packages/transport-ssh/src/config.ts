import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import * as v from 'valibot';
import { ConfigError, DEFAULT_MAX_ENVELOPE_BYTES, ErrorCode, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { parseSshAddress, type SshAddress } from './address.js';
import { booleanOption, numberOption, parseConfig } from './config-values.js';
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
 * Raw config, as it comes from YAML or `--set KEY=VALUE`. Keys are snake_case like
 * OpenSSH's own words (known_hosts). There is deliberately no password option: keys only.
 */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** The private key to log in with (OpenSSH or PEM format, unencrypted, mode 0600 like ssh demands). */
  identity: localPath,
  /** An OpenSSH known_hosts file that must list every server this transport connects to. */
  known_hosts: v.optional(localPath),
  /** Instead of known_hosts: the one server key accepted, as `ssh-keygen -lf` prints it (SHA256:...). */
  host_key: v.optional(v.pipe(v.string('must be a fingerprint'), v.trim(), v.regex(HOST_KEY_FINGERPRINT_PATTERN, 'must look like SHA256:<43 base64 characters>'))),
  /** Accept and record the key of a host known_hosts does not list yet. A changed key is refused regardless. */
  trust_on_first_use: v.optional(booleanOption(), false),
  /** The remote folder this transport receives from: `user@host[:port]:/path`. Without it, the transport only sends. */
  pull: v.optional(v.pipe(v.string('must be an address'), v.trim())),
  /** Longest wait for TCP connect + SSH handshake + authentication. */
  connect_timeout_ms: v.optional(numberOption(100, 300_000), 10_000),
  /** Longest wait for one SFTP request; the connection is dropped after it, as it may be wedged. */
  operation_timeout_ms: v.optional(numberOption(100, 600_000), 30_000),
  /** A connection unused this long is closed. 0 closes it as soon as nothing uses it. */
  idle_timeout_ms: v.optional(numberOption(0, 3_600_000), 30_000),
  /** How often subscribe() looks at the pull folder. */
  poll_interval_ms: v.optional(numberOption(50, 3_600_000), 2000),
  /** Larger envelopes are refused on send, and left alone (not read) in the pull folder. */
  max_envelope_bytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** What the router should expect from send() to readable at the other end: the reader's poll interval. */
  expected_latency_ms: v.optional(numberOption(0, 86_400_000), 5000),
});

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
  const config = parseConfig(SSH_TRANSPORT_ID, configSchema, raw);
  const invalid = (field: string, message: string) =>
    new ConfigError(ErrorCode.ConfigInvalid, `transport "${SSH_TRANSPORT_ID}": ${field} ${message}`, { field });

  if (config.known_hosts !== undefined && config.host_key !== undefined) {
    throw invalid('host_key', 'and known_hosts are alternatives: set one of them');
  }
  let hostKeyPolicy: HostKeyPolicy;
  if (config.host_key !== undefined) {
    if (config.trust_on_first_use) throw invalid('trust_on_first_use', 'needs known_hosts (the file to record keys in), not a pinned host_key');
    hostKeyPolicy = { kind: 'pinned', fingerprint: config.host_key };
  } else if (config.known_hosts !== undefined) {
    hostKeyPolicy = { kind: 'known-hosts', path: config.known_hosts, trustOnFirstUse: config.trust_on_first_use };
  } else {
    throw invalid('known_hosts', 'is required (or host_key=SHA256:...): host keys are always checked, never trusted blindly');
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
    connectTimeoutMs: config.connect_timeout_ms,
    operationTimeoutMs: config.operation_timeout_ms,
    idleTimeoutMs: config.idle_timeout_ms,
    pollIntervalMs: config.poll_interval_ms,
    maxEnvelopeBytes: config.max_envelope_bytes,
    expectedLatencyMs: config.expected_latency_ms,
  };
  if (config.name !== undefined) options.name = config.name;
  if (config.priority !== undefined) options.priority = config.priority;
  return options;
}
