/**
 * @skcomm/transport-syncthing: the file transport's mailbox layout inside a
 * Syncthing-shared folder, plus Syncthing's REST API for health and immediate rescans.
 *
 *   const transport = syncthing({ root: '~/Sync/skcomm', folder: 'skcomm', apiKeyFile: '~/.config/skcomm/syncthing-key' })({ selfFingerprint, logger });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { parseSyncthingOptions, SYNCTHING_TRANSPORT_ID, type SyncthingTransportInit, type SyncthingTransportOptions } from './config.js';
import { SyncthingTransport } from './syncthing-transport.js';

export {
  configSchema,
  DEFAULT_API_URL,
  DEVICE_ID_PATTERN,
  SYNCTHING_TRANSPORT_ID,
  type SyncthingTransportInit,
  type SyncthingTransportOptions,
} from './config.js';
export { SyncthingTransportError } from './errors.js';
export { DEFAULT_PRIORITY, SyncthingTransport } from './syncthing-transport.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function syncthing(init: SyncthingTransportInit): (context: TransportContext) => SyncthingTransport {
  const options = parseSyncthingOptions(init);
  return (context) => new SyncthingTransport(options, context);
}

export const plugin: TransportPlugin<SyncthingTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: SYNCTHING_TRANSPORT_ID,
  parseOptions: parseSyncthingOptions,
  create: (options, context) => new SyncthingTransport(options, context),
};

export default plugin;
