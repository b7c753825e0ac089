/**
 * The helia node, offline by construction. Never `createHelia()`: its defaults contact
 * bootstrap peers, delegated routing, HTTP gateways, mDNS, UPnP, AutoTLS and the DHT
 * (notes/feasibility-p2p.md §4). This node has TCP, noise, yamux, identify and bitswap,
 * listens where it is told, discovers nobody and dials only addresses it is given.
 */
import { withBitswap } from '@helia/bitswap';
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p';
import { identify, type Identify } from '@libp2p/identify';
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createHeliaLight } from 'helia';
import type { PrivateKey } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { Stores } from './stores.js';

export type HeliaNode = HeliaWithLibp2p<{ identify: Identify }>;

export interface HeliaNodeInit {
  privateKey: PrivateKey;
  listen: readonly Multiaddr[];
  stores: Stores;
  dialTimeoutMs: number;
}

/**
 * Bitswap waits 10 ms by default before sending a want list or a block, to batch more
 * wants; an envelope is one block wanted right now, so that wait only adds latency.
 */
const BITSWAP_DEBOUNCE_MS = 0;

/**
 * Bitswap drops a peer's send operation when more than this many are queued (default 10),
 * and a want that arrives while every queued operation is already running then waits for
 * the peer's next message: with many envelopes in flight the last ones were never sent.
 */
const BITSWAP_SEND_QUEUE_LENGTH = 1024;

/**
 * A dialler opens streams as soon as its side of a new connection is up; streams that
 * arrive before this side has finished upgrading are "early", and yamux aborts the whole
 * connection past 10 of them (MaxEarlyStreamsError). Allow a full in-flight window.
 */
const MAX_EARLY_STREAMS = 512;

export function createHeliaNode(init: HeliaNodeInit): HeliaNode {
  const helia = createHeliaLight({
    blockstore: init.stores.blockstore,
    datastore: init.stores.datastore,
  });
  const withLibp2p = withLibp2pLight(helia, {
    privateKey: init.privateKey,
    addresses: { listen: init.listen.map((address) => address.toString()) },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ maxEarlyStreams: MAX_EARLY_STREAMS })],
    peerDiscovery: [],
    connectionManager: { dialTimeout: init.dialTimeoutMs },
    services: { identify: identify() },
  });
  return withBitswap(withLibp2p, {
    sendWantlistDebounce: BITSWAP_DEBOUNCE_MS,
    sendBlocksDebounce: BITSWAP_DEBOUNCE_MS,
    sendBlocksMaxQueueLength: BITSWAP_SEND_QUEUE_LENGTH,
  });
}
