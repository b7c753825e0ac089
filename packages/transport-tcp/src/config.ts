import * as v from 'valibot';
import { booleanOption, DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { parseHostPort, type HostPort } from './address.js';

export const TCP_TRANSPORT_ID = 'tcp';
export const DEFAULT_LISTEN_HOST = '127.0.0.1';
/** Largest UDP payload over IPv4 (65,535 minus IP and UDP headers). */
export const MAX_UDP_PAYLOAD = 65_507;

const listenAddress = v.pipe(
  v.string('must be HOST:PORT or PORT'),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseHostPort(dataset.value, { defaultHost: DEFAULT_LISTEN_HOST, allowPortZero: true });
    if ('problem' in parsed) {
      addIssue({ message: parsed.problem });
      return NEVER;
    }
    return parsed as HostPort;
  }),
);

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** Where to accept envelopes: `HOST:PORT` or `PORT` (host 127.0.0.1). Port 0 picks a free port once and keeps it across restarts. */
  listen: listenAddress,
  /** How send() frames envelopes. The listener accepts both, told apart by each connection's first byte. */
  framing: v.optional(v.picklist(['ndjson', 'length'], 'must be ndjson or length'), 'ndjson'),
  /** Also listen on UDP (same host and port), and send envelopes that fit one datagram over UDP first. */
  udp: v.optional(booleanOption(), false),
  /** Largest envelope sent as one datagram; larger ones go over TCP. Keep it under the path MTU to avoid IP fragmentation. */
  udpMaxBytes: v.optional(numberOption(1, MAX_UDP_PAYLOAD), 1200),
  /** How long a UDP send waits for the datagram's ack before it falls back to TCP. */
  udpAckTimeoutMs: v.optional(numberOption(1, 60_000), 300),
  /** Larger envelopes are refused on send; larger frames are refused on receive (and the connection closed). */
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** A connection that carries no bytes for this long is closed (outgoing ones after half of it). */
  idleTimeoutMs: v.optional(numberOption(100, 86_400_000), 60_000),
  /** Once a frame has begun, all of it must arrive within this time (slowloris guard). */
  frameTimeoutMs: v.optional(numberOption(100, 3_600_000), 30_000),
  /** Longest wait for an outgoing connection to open. */
  connectTimeoutMs: v.optional(numberOption(100, 600_000), 5_000),
  /** Longest wait for the receiver's hop ack of a frame. */
  ackTimeoutMs: v.optional(numberOption(100, 600_000), 10_000),
  /** Incoming connections accepted at once; more are refused with `ERR too-many-connections`. */
  maxConnections: v.optional(numberOption(1, 100_000), 256),
  /** Incoming connections accepted at once from one remote address. */
  maxConnectionsPerHost: v.optional(numberOption(1, 100_000), 32),
  /** Received envelopes held until commit(); when full, connections are paused (TCP backpressure). */
  maxQueuedEnvelopes: v.optional(numberOption(1, 10_000_000), 10_000),
  /** Bytes of received envelopes held until commit(). */
  maxQueuedBytes: v.optional(numberOption(1, 16 * 1024 * 1024 * 1024), 64 * 1024 * 1024),
  /** What the router should expect from send() to receivable at the other end. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 50),
});

export type TcpTransportInit = v.InferInput<typeof configSchema>;
export type TcpTransportOptions = v.InferOutput<typeof configSchema>;

export function parseTcpOptions(raw: unknown): TcpTransportOptions {
  return parseTransportConfig(TCP_TRANSPORT_ID, configSchema, raw);
}
