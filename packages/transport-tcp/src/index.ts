/**
 * @skcomm/transport-tcp: envelopes over TCP ("netcat"), optionally UDP, between agents
 * that can reach each other's address: loopback, a LAN, or a Tailscale / Netbird mesh.
 *
 *   const transport = tcp({ listen: '127.0.0.1:9999' })({ selfFingerprint, logger });
 *   await transport.send(bytes, { fingerprint, address: '100.64.0.7:9999' });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { parseTcpOptions, TCP_TRANSPORT_ID, type TcpTransportInit, type TcpTransportOptions } from './config.js';
import { TcpTransport } from './tcp-transport.js';

export { formatHostPort, parseHostPort, type HostPort } from './address.js';
export { configSchema, DEFAULT_LISTEN_HOST, TCP_TRANSPORT_ID, type TcpTransportInit, type TcpTransportOptions } from './config.js';
export { TcpTransportError } from './errors.js';
export { DEFAULT_PRIORITY, TcpTransport } from './tcp-transport.js';
export { AutoDetectDecoder, createDecoder, type Framing } from './framing/detect.js';
export { encodeFrame } from './framing/encode.js';
export { FrameError, type FrameDecoder, type FrameErrorReason } from './framing/frame-error.js';
export { LENGTH_PREFIX_BYTES } from './framing/length-decoder.js';
export { parseReply, type Reply } from './reply.js';
export * from './discover/index.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function tcp(init: TcpTransportInit): (context: TransportContext) => TcpTransport {
  const options = parseTcpOptions(init);
  return (context) => new TcpTransport(options, context);
}

export const plugin: TransportPlugin<TcpTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: TCP_TRANSPORT_ID,
  parseOptions: parseTcpOptions,
  create: (options, context) => new TcpTransport(options, context),
};

export default plugin;
