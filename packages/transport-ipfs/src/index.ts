/**
 * @skcomm/transport-ipfs: envelopes as IPFS blocks between helia nodes. The sender stores
 * the envelope as a raw block and announces its CID to the recipient over a direct libp2p
 * stream; the recipient fetches it with bitswap. Offline by construction: no bootstrap,
 * DHT, delegated routing, gateways, mDNS, UPnP or AutoTLS.
 *
 *   const transport = ipfs({ peers: ['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...'] })({ selfFingerprint, stateDir, logger });
 *   await transport.send(bytes, { fingerprint, address: '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...' });
 */
// First, before anything loads libp2p: Promise.withResolvers for Node 20 (see polyfill.ts).
import './polyfill.js';
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { IPFS_TRANSPORT_ID, parseIpfsOptions, type IpfsTransportInit, type IpfsTransportOptions } from './config.js';
import { IpfsTransport } from './ipfs-transport.js';

export { ANNOUNCE_PROTOCOL, decodeAnnounce, decodeReply, encodeAnnounce, encodeReply, MAX_FRAME_BYTES, type Announce, type Reply } from './announce-codec.js';
export { blockMatches, envelopeCid, envelopeCidProblem } from './block.js';
export { configSchema, DEFAULT_LISTEN, IPFS_TRANSPORT_ID, type IpfsTransportInit, type IpfsTransportOptions } from './config.js';
export { IpfsTransportError, REFUSALS, type RefusalReason } from './errors.js';
export { type HeliaNode } from './helia-node.js';
export { DEFAULT_PRIORITY, IpfsTransport } from './ipfs-transport.js';
export { parsePeerAddress, type PeerAddress } from './peer-address.js';
export { KEY_FILE_NAME } from './private-key.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function ipfs(init: IpfsTransportInit = {}): (context: TransportContext) => IpfsTransport {
  const options = parseIpfsOptions(init);
  return (context) => new IpfsTransport(options, context);
}

export const plugin: TransportPlugin<IpfsTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: IPFS_TRANSPORT_ID,
  parseOptions: parseIpfsOptions,
  create: (options, context) => new IpfsTransport(options, context),
};

export default plugin;
