import * as v from 'valibot';
import { multiaddr } from '@multiformats/multiaddr';
import { DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';

export const LIBP2P_TRANSPORT_ID = 'libp2p';
export const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/0';
/** libp2p 3 streams abort past a 4 MiB read buffer; 256 envelopes in flight keeps well clear of it with small envelopes. */
export const MAX_IN_FLIGHT = 256;

const listenAddress = v.pipe(
  v.string('must be a multiaddr like /ip4/127.0.0.1/tcp/0'),
  v.transform((value) => value.trim()),
  v.check((value) => {
    try {
      const names = multiaddr(value)
        .getComponents()
        .map((component) => component.name);
      return names.length === 2 && (names[0] === 'ip4' || names[0] === 'ip6') && names[1] === 'tcp';
    } catch {
      return false;
    }
  }, 'must be a multiaddr like /ip4/127.0.0.1/tcp/PORT (tcp only)'),
);

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** Where to accept connections. Port 0 picks a free port once and keeps it across restarts. */
  listen: v.optional(listenAddress, DEFAULT_LISTEN),
  /** The node's Ed25519 key (libp2p protobuf, base64) in a 0600 file, generated there if missing; default: `<stateDir>/libp2p-peer-key`. */
  keyFile: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'))),
  /** Larger envelopes are refused on send; larger frames are refused on receive (and the stream reset). */
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** Envelopes sent to one peer and not yet acked. */
  maxInFlight: v.optional(numberOption(1, MAX_IN_FLIGHT), 128),
  /** Longest wait for a connection to a peer (TCP + noise + yamux + protocol select). */
  dialTimeoutMs: v.optional(numberOption(100, 600_000), 5_000),
  /** Longest wait for the receiver's hop ack of an envelope. */
  ackTimeoutMs: v.optional(numberOption(100, 600_000), 10_000),
  /** Received envelopes held until commit(); beyond that the receiver answers "busy" (retryable). */
  maxQueuedEnvelopes: v.optional(numberOption(1, 10_000_000), 10_000),
  /** Bytes of received envelopes held until commit(). */
  maxQueuedBytes: v.optional(numberOption(1, 16 * 1024 * 1024 * 1024), 64 * 1024 * 1024),
  /** What the router should expect from send() to receivable at the other end. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 50),
});

export type Libp2pTransportInit = v.InferInput<typeof configSchema>;
export type Libp2pTransportOptions = v.InferOutput<typeof configSchema>;

export function parseLibp2pOptions(raw: unknown): Libp2pTransportOptions {
  return parseTransportConfig(LIBP2P_TRANSPORT_ID, configSchema, raw);
}
