/**
 * @skcomm/transport-webrtc: envelopes over WebRTC data channels (werift), negotiated
 * through the skcomm relay's signaling broker.
 *
 *   const transport = webrtc({ signal: 'ws://127.0.0.1:8765' })({ selfFingerprint, logger, authToken });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { parseWebrtcOptions, WEBRTC_TRANSPORT_ID, type WebrtcTransportInit, type WebrtcTransportOptions } from './config.js';
import { WebrtcTransport } from './webrtc-transport.js';

export { configSchema, WEBRTC_TRANSPORT_ID, type WebrtcTransportInit, type WebrtcTransportOptions } from './config.js';
export { WebrtcTransportError } from './errors.js';
export { FrameError } from './framing.js';
export type { LinkReport } from './peer-links.js';
export { DEFAULT_PRIORITY, WebrtcTransport } from './webrtc-transport.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function webrtc(init: WebrtcTransportInit): (context: TransportContext) => WebrtcTransport {
  const options = parseWebrtcOptions(init);
  return (context) => new WebrtcTransport(options, context);
}

export const plugin: TransportPlugin<WebrtcTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: WEBRTC_TRANSPORT_ID,
  parseOptions: parseWebrtcOptions,
  create: (options, context) => new WebrtcTransport(options, context),
};

export default plugin;
