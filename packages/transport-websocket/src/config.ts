import * as v from 'valibot';
import { DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';

export const WEBSOCKET_TRANSPORT_ID = 'websocket';

function isRelayUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.username === '' && url.password === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** One relay URL, or several separated by commas (tried in order on send, all received from). */
const relayUrls = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be a ws:// or wss:// URL, or several separated by commas'),
  v.transform((value) => (Array.isArray(value) ? value : value.split(',')).map((url) => url.trim()).filter((url) => url !== '')),
  v.minLength(1, 'must name at least one relay'),
  v.maxLength(8, 'may name at most 8 relays'),
  v.check((urls) => urls.every(isRelayUrl), 'must be ws:// or wss:// URLs without credentials, separated by commas'),
  v.check((urls) => new Set(urls).size === urls.length, 'names the same relay twice'),
);

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** Relay URL(s): `ws://127.0.0.1:8765`, or several comma-separated for redundancy. */
  url: relayUrls,
  /** Larger envelopes are refused on send, before anything goes on the wire. */
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** Longest wait for a relay connection (TCP, upgrade and auth) before send() or healthCheck() gives up on it. */
  connectTimeoutMs: v.optional(numberOption(100, 120_000), 5_000),
  /** Longest wait for the relay's hop ack of one envelope. */
  sendTimeoutMs: v.optional(numberOption(100, 300_000), 15_000),
  /** First reconnect delay; doubles per failed attempt (full jitter) up to reconnectMaxMs. */
  reconnectBaseMs: v.optional(numberOption(10, 60_000), 250),
  reconnectMaxMs: v.optional(numberOption(100, 3_600_000), 30_000),
  /** Keep-alive ping interval; a relay silent for two intervals is considered gone. */
  pingIntervalMs: v.optional(numberOption(1_000, 3_600_000), 30_000),
  /** Declared in the traits for the router. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 50),
});

export type WebsocketTransportInit = v.InferInput<typeof configSchema>;
export type WebsocketTransportOptions = v.InferOutput<typeof configSchema>;

export function parseWebsocketOptions(raw: unknown): WebsocketTransportOptions {
  return parseTransportConfig(WEBSOCKET_TRANSPORT_ID, configSchema, raw);
}
