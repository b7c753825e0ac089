/**
 * @skcomm/transport-websocket: envelopes through one or more skcomm relays (`skcomm serve`).
 *
 *   const transport = websocket({ url: 'ws://127.0.0.1:8765' })({ selfFingerprint, logger, authToken });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { parseWebsocketOptions, WEBSOCKET_TRANSPORT_ID, type WebsocketTransportInit, type WebsocketTransportOptions } from './config.js';
import { WebsocketTransport } from './websocket-transport.js';

export { configSchema, WEBSOCKET_TRANSPORT_ID, type WebsocketTransportInit, type WebsocketTransportOptions } from './config.js';
export { WebsocketTransportError } from './errors.js';
export { DEFAULT_PRIORITY, WebsocketTransport } from './websocket-transport.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function websocket(init: WebsocketTransportInit): (context: TransportContext) => WebsocketTransport {
  const options = parseWebsocketOptions(init);
  return (context) => new WebsocketTransport(options, context);
}

export const plugin: TransportPlugin<WebsocketTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: WEBSOCKET_TRANSPORT_ID,
  parseOptions: parseWebsocketOptions,
  create: (options, context) => new WebsocketTransport(options, context),
};

export default plugin;
