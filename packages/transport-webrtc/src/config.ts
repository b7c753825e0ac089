import * as v from 'valibot';
import { DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { FILE_DATA_HEADER_BYTES } from './file-frames.js';

export const WEBRTC_TRANSPORT_ID = 'webrtc';

function isBrokerUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.username === '' && url.password === '' && url.hash === '';
  } catch {
    return false;
  }
}

const ICE_SERVER_URL = /^(?:stun|turn|turns):[^\s?]+(?:\?transport=(?:udp|tcp))?$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** ICE servers: none by default. werift would otherwise ask Google's public STUN server. */
const iceServers = v.pipe(
  v.union([v.string(), v.array(v.string())], 'must be stun:/turn: URLs, separated by commas'),
  v.transform((value) => (Array.isArray(value) ? value : value.split(',')).map((url) => url.trim()).filter((url) => url !== '')),
  v.maxLength(4, 'may name at most 4 ICE servers'),
  v.check((urls) => urls.every((url) => ICE_SERVER_URL.test(url)), 'must be stun:HOST:PORT or turn:HOST:PORT URLs'),
);

/** Raw config, as it comes from YAML or `--set`. */
export const configSchema = v.strictObject({
  name: v.optional(v.pipe(v.string(), v.regex(TRANSPORT_NAME_PATTERN, 'must be a transport name'))),
  priority: v.optional(numberOption(-1_000_000, 1_000_000, false)),
  /** The relay whose signaling broker both agents use: `ws://127.0.0.1:8765`. */
  signal: v.pipe(v.string('must be a ws:// or wss:// URL'), v.check(isBrokerUrl, 'must be a ws:// or wss:// URL without credentials')),
  /** The one IPv4 address ICE binds to and offers as host candidate. Loopback by default: set a LAN or mesh address to reach other machines. */
  bindAddress: v.optional(v.pipe(v.string(), v.regex(IPV4, 'must be an IPv4 address')), '127.0.0.1'),
  /** STUN/TURN servers, only ever the ones named here (none by default). */
  iceServers: v.optional(iceServers, []),
  turnUsername: v.optional(v.string()),
  turnCredential: v.optional(v.string()),
  maxEnvelopeBytes: v.optional(numberOption(1, DEFAULT_MAX_ENVELOPE_BYTES), DEFAULT_MAX_ENVELOPE_BYTES),
  /** Bytes per data-channel message; larger envelopes are chunked (16 KiB is the interoperable size). */
  chunkBytes: v.optional(numberOption(1024, 65_000), 16_384),
  /** Envelopes sent and not yet acknowledged, per peer: werift's SCTP collapses under more. */
  maxInflightEnvelopes: v.optional(numberOption(1, 256), 16),
  /** Data-channel bytes buffered before the sender waits for bufferedAmountLow. */
  maxBufferedBytes: v.optional(numberOption(16_384, 16_777_216), 65_536),
  /** Longest wait for signaling plus ICE, DTLS and SCTP to open a channel to a peer. */
  connectTimeoutMs: v.optional(numberOption(500, 120_000), 10_000),
  /** Longest wait for the receiver's hop ack of one envelope. */
  sendTimeoutMs: v.optional(numberOption(100, 300_000), 15_000),
  /** Keep-alive ping on each open channel (RTT for health); two missed pongs close the link. */
  pingIntervalMs: v.optional(numberOption(100, 3_600_000), 5_000),
  /** Broker reconnect backoff: first delay, doubling (full jitter) up to the max. */
  reconnectBaseMs: v.optional(numberOption(10, 60_000), 250),
  reconnectMaxMs: v.optional(numberOption(100, 3_600_000), 30_000),
  /** Links at once; offers beyond it are ignored (any authenticated fingerprint can send us one). */
  maxLinks: v.optional(numberOption(1, 10_000), 64),
  /** Received but uncommitted envelopes before acks are held back (the senders then wait). */
  maxQueuedEnvelopes: v.optional(numberOption(1, 1_000_000), 10_000),
  maxQueuedBytes: v.optional(numberOption(1024, 4_294_967_296), 67_108_864),
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 20),
  // ---- attachments (sendWithAttachment; README "Files")
  /** Largest attachment sent or accepted (16 GiB). */
  maxAttachmentBytes: v.optional(numberOption(0, Number.MAX_SAFE_INTEGER), 17_179_869_184),
  /** Data channels (ids 1..N) that carry attachment chunks beside the envelope channel. */
  fileLanes: v.optional(numberOption(1, 8), 1),
  /** Attachment bytes per data-channel message (werift takes messages up to 64 KiB, header included). */
  fileMessageBytes: v.optional(numberOption(1024, 65_536 - FILE_DATA_HEADER_BYTES), 65_536 - FILE_DATA_HEADER_BYTES),
  /** bufferedAmount cap of the file lanes together (split between them): werift's SCTP collapses above ~64 KiB in flight. */
  fileBufferedBytes: v.optional(numberOption(16_384, 16_777_216), 65_536),
  /** Attachment bytes sent and not yet confirmed durable by the receiver (the receiver announces its own; the lower applies). */
  fileWindowBytes: v.optional(numberOption(4_194_304, 1_073_741_824), 33_554_432),
  /** The receiver fsyncs and records its progress after this many new bytes (and 100 ms after a chunk at the latest). */
  fileSyncBytes: v.optional(numberOption(65_536, 1_073_741_824), 4_194_304),
  /** Longest time without progress while attachment chunks are outstanding. */
  fileStallTimeoutMs: v.optional(numberOption(1_000, 3_600_000), 30_000),
  /** Attachments received at once, from one peer and in all; further offers are refused as busy (retryable). */
  maxFileTransfersPerPeer: v.optional(numberOption(1, 64), 2),
  maxFileTransfers: v.optional(numberOption(1, 1024), 8),
  /** Attachment bytes the receive spool may hold (partial and delivered-uncommitted). */
  fileSpoolBytes: v.optional(numberOption(0, Number.MAX_SAFE_INTEGER), 68_719_476_736),
  /** Partial (and delivered but never committed) attachments untouched this long are deleted. */
  partialTtlHours: v.optional(numberOption(0.01, 8_760, false), 72),
});

export type WebrtcTransportInit = v.InferInput<typeof configSchema>;
export type WebrtcTransportOptions = v.InferOutput<typeof configSchema>;

export function parseWebrtcOptions(raw: unknown): WebrtcTransportOptions {
  return parseTransportConfig(WEBRTC_TRANSPORT_ID, configSchema, raw);
}
