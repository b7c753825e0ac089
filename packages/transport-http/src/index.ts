/**
 * @skcomm/transport-http: webhook POST of envelope bytes to a peer's URL, a receiving
 * server that answers 2xx only once the envelope is durable, and an HTTP mailbox (served
 * by the same server) with a poll client for agents that cannot keep a socket open.
 *
 *   const transport = http({ listen: '127.0.0.1:8080', spool: '/var/lib/agent/http' })({ selfFingerprint, logger });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { HTTP_TRANSPORT_ID, parseHttpOptions, type HttpTransportInit, type HttpTransportOptions } from './config.js';
import { HttpTransport } from './http-transport.js';

export { configSchema, DEFAULT_PATH, HTTP_TRANSPORT_ID, type HttpTransportInit, type HttpTransportOptions } from './config.js';
export { HttpTransportError } from './errors.js';
export { DEFAULT_PRIORITY, HttpTransport } from './http-transport.js';
export { MAX_MAILBOX_PAGE, type MailboxEntry } from './mailbox-page.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function http(init: HttpTransportInit): (context: TransportContext) => HttpTransport {
  const options = parseHttpOptions(init);
  return (context) => new HttpTransport(options, context);
}

export const plugin: TransportPlugin<HttpTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: HTTP_TRANSPORT_ID,
  parseOptions: parseHttpOptions,
  create: (options, context) => new HttpTransport(options, context),
};

export default plugin;
