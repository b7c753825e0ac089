import * as v from 'valibot';
import { numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { MAX_CARRIED_ENVELOPE_BYTES } from './gift-wrap.js';

export const NOSTR_TRANSPORT_ID = 'nostr';

const relayUrl = v.pipe(
  v.string(),
  v.transform((url) => url.trim()),
  v.check((url) => {
    try {
      const parsed = new URL(url);
      return (parsed.protocol === 'ws:' || parsed.protocol === 'wss:') && parsed.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be a list of ws:// or wss:// relay URLs'),
);

/** `ws://a,ws://b` (from --set) or a YAML list; order kept, duplicates removed. */
const relayList = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be a list of ws:// or wss:// relay URLs'),
  v.transform((value) => (typeof value === 'string' ? value.split(',') : value).map((url) => url.trim()).filter((url) => url !== '')),
  v.array(relayUrl),
  v.minLength(1, 'must name at least one relay'),
  v.maxLength(16, 'must name at most 16 relays'),
  v.transform((urls) => [...new Set(urls)]),
);

const filePath = v.pipe(
  v.string('must be a path'),
  v.transform((path) => path.trim()),
  v.minLength(1, 'must not be empty'),
  v.check((path) => path.startsWith('/'), 'must be an absolute path'),
  v.check((path) => !path.includes('\0'), 'must not contain NUL'),
);

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** The relays this agent publishes to and reads from. Only these are ever contacted. */
  relays: relayList,
  /**
   * File holding this agent's Nostr secret key (64 hex digits or nsec1…), mode 0600.
   * Without it the key is generated once into the transport's state directory.
   */
  secretKeyFile: v.optional(filePath),
  /** Longest wait for a relay's OK to a published event. */
  publishTimeoutMs: v.optional(numberOption(100, 120_000), 5000),
  /** Longest wait for a relay connection (and for a health probe's answer). */
  connectTimeoutMs: v.optional(numberOption(100, 120_000), 3000),
  /** Upper bound of the reconnect backoff for a lost relay connection. */
  reconnectMaxDelayMs: v.optional(numberOption(100, 3_600_000), 30_000),
  /** Larger envelopes are refused on send. Bounded by what fits in one NIP-44 gift wrap. */
  maxEnvelopeBytes: v.optional(numberOption(1, MAX_CARRIED_ENVELOPE_BYTES), MAX_CARRIED_ENVELOPE_BYTES),
  /** What the router should expect from send() to receivable at the other end. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 500),
});

export type NostrTransportInit = v.InferInput<typeof configSchema>;
export type NostrTransportOptions = v.InferOutput<typeof configSchema>;

export function parseNostrOptions(raw: unknown): NostrTransportOptions {
  return parseTransportConfig(NOSTR_TRANSPORT_ID, configSchema, raw);
}
