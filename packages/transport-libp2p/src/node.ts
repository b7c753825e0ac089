import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { PrivateKey } from '@libp2p/interface';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';

export type SkcommNode = Libp2p<{ ping: Ping }>;

/**
 * A libp2p node with TCP, noise and yamux and the ping service, nothing else: no peer
 * discovery, bootstrap list, DHT, relay, UPnP or identify. It only ever dials the
 * addresses send() is given, and only listens where it is told.
 */
export function createNode(privateKey: PrivateKey, listen: string): Promise<SkcommNode> {
  return createLibp2p({
    start: false,
    privateKey,
    addresses: { listen: [listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { ping: ping() },
  });
}
