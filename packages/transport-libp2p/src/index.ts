/**
 * @skcomm/transport-libp2p: direct peer-to-peer envelopes over libp2p (TCP + noise +
 * yamux), no discovery, relays or DHT. Peers are addressed by multiaddr with peer id:
 * `/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...`.
 *
 *   const transport = libp2p({ listen: '/ip4/127.0.0.1/tcp/4001' })({ selfFingerprint, stateDir, logger });
 */
// First: libp2p 3 needs Promise.withResolvers, which Node 20 lacks (see polyfill.ts).
import './polyfill.js';
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { LIBP2P_TRANSPORT_ID, parseLibp2pOptions, type Libp2pTransportInit, type Libp2pTransportOptions } from './config.js';
import { Libp2pTransport } from './libp2p-transport.js';

export { configSchema, DEFAULT_LISTEN, LIBP2P_TRANSPORT_ID, MAX_IN_FLIGHT, type Libp2pTransportInit, type Libp2pTransportOptions } from './config.js';
export { Libp2pTransportError, StreamLostError } from './errors.js';
export { PROTOCOL } from './frames.js';
export { MAX_FRAME_BYTES } from './inbound-stream.js';
export { DEFAULT_PRIORITY, Libp2pTransport } from './libp2p-transport.js';
export { GENERATED_KEY_FILE } from './peer-key.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function libp2p(init: Libp2pTransportInit = {}): (context: TransportContext) => Libp2pTransport {
  const options = parseLibp2pOptions(init);
  return (context) => new Libp2pTransport(options, context);
}

export const plugin: TransportPlugin<Libp2pTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: LIBP2P_TRANSPORT_ID,
  parseOptions: parseLibp2pOptions,
  create: (options, context) => new Libp2pTransport(options, context),
};

export default plugin;
