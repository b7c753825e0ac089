import { homedir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import * as v from 'valibot';
import { DEFAULT_MAX_ENVELOPE_BYTES, numberOption, parseTransportConfig, TRANSPORT_NAME_PATTERN } from '@skcomm/core';
import { parsePeerAddress } from './peer-address.js';

export const IPFS_TRANSPORT_ID = 'ipfs';
export const DEFAULT_LISTEN = '/ip4/127.0.0.1/tcp/0';
/** Bitswap refuses messages over 2 MiB; an envelope block must fit in one with room for framing. */
export const MAX_BLOCK_BYTES = DEFAULT_MAX_ENVELOPE_BYTES;

/** A list of multiaddrs: a YAML list, or one string separated by commas or spaces (from `--set`). */
function multiaddrList(check: (address: Multiaddr) => string | undefined) {
  return v.pipe(
    v.union([v.string(), v.array(v.string())], 'must be a multiaddr or a list of them'),
    v.transform((value) => (Array.isArray(value) ? value : value.split(/[\s,]+/)).map((item) => item.trim()).filter((item) => item !== '')),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const parsed: Multiaddr[] = [];
      for (const text of dataset.value) {
        let address: Multiaddr;
        try {
          address = multiaddr(text);
        } catch {
          addIssue({ message: `${JSON.stringify(text)} is not a multiaddr` });
          return NEVER;
        }
        const problem = check(address);
        if (problem !== undefined) {
          addIssue({ message: `${text} ${problem}` });
          return NEVER;
        }
        parsed.push(address);
      }
      return parsed;
    }),
  );
}

function listenProblem(address: Multiaddr): string | undefined {
  const names = address.getComponents().map((component) => component.name);
  const [network, transport, ...rest] = names;
  if (!(network === 'ip4' || network === 'ip6') || transport !== 'tcp' || rest.length > 0) return 'must be /ip4/HOST/tcp/PORT or /ip6/HOST/tcp/PORT';
  return undefined;
}

function peerProblem(address: Multiaddr): string | undefined {
  const parsed = parsePeerAddress(address.toString());
  return 'problem' in parsed ? parsed.problem : undefined;
}

const filePath = v.pipe(
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
  /** Where libp2p listens (TCP only). Port 0 picks a free port at the first start and keeps it across restarts. */
  listen: v.optional(multiaddrList(listenProblem), [DEFAULT_LISTEN]),
  /** Peers to connect to at start and to probe in healthCheck(): full multiaddrs ending in /p2p/<peer id>. */
  peers: v.optional(multiaddrList(peerProblem), []),
  /** The libp2p private key (protobuf, mode 0600; created if missing). Default `<stateDir>/libp2p-key`. */
  keyFile: v.optional(filePath),
  /** A directory for a file-backed blockstore and datastore. Default: in memory. */
  repo: v.optional(filePath),
  /** Longest wait for the recipient to fetch, queue and confirm an announced envelope. */
  sendTimeoutMs: v.optional(numberOption(100, 600_000), 15_000),
  /** Longest a recipient spends fetching an announced block by bitswap before refusing it. */
  fetchTimeoutMs: v.optional(numberOption(50, 600_000), 10_000),
  /** Longest wait for a new libp2p connection (dial, noise, yamux). */
  dialTimeoutMs: v.optional(numberOption(100, 600_000), 5_000),
  /** Sends in flight at once; more wait their turn. libp2p streams abort when overrun (notes §6). */
  maxInFlight: v.optional(numberOption(1, 256), 64),
  /** Larger envelopes are refused on send and announcements of larger blocks are refused on receive. */
  maxEnvelopeBytes: v.optional(numberOption(1, MAX_BLOCK_BYTES), MAX_BLOCK_BYTES),
  /** Received envelopes held until commit(); when full, announcements are refused as busy (retryable). */
  maxQueuedEnvelopes: v.optional(numberOption(1, 10_000_000), 10_000),
  /** Bytes of received envelopes held until commit(). */
  maxQueuedBytes: v.optional(numberOption(1, 16 * 1024 * 1024 * 1024), 64 * 1024 * 1024),
  /** What the router should expect from send() to receivable at the other end. */
  expectedLatencyMs: v.optional(numberOption(0, 86_400_000), 50),
});

export type IpfsTransportInit = v.InferInput<typeof configSchema>;
export type IpfsTransportOptions = v.InferOutput<typeof configSchema>;

export function parseIpfsOptions(raw: unknown): IpfsTransportOptions {
  return parseTransportConfig(IPFS_TRANSPORT_ID, configSchema, raw);
}
