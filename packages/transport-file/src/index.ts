/**
 * @skcomm/transport-file: a shared folder (NFS, SSHFS, SMB, Nextcloud, Syncthing, a USB
 * stick) as a mailbox. Layout `<root>/<recipient fingerprint>/<envelope_id>.skc.json`.
 *
 *   const transport = file({ root: '/media/usb/skcomm' })({ selfFingerprint, logger });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { FILE_TRANSPORT_ID, parseFileOptions, type FileTransportInit, type FileTransportOptions } from './config.js';
import { FileTransport } from './file-transport.js';

export { configSchema, FILE_TRANSPORT_ID, type FileTransportInit, type FileTransportOptions } from './config.js';
/** Config helpers for transports that build on this one (e.g. @skcomm/transport-syncthing). */
export { FileTransportError } from './errors.js';
export { DEFAULT_PRIORITY, FileTransport } from './file-transport.js';
export { ENVELOPE_SUFFIX, QUARANTINE_DIRECTORY, TEMP_DIRECTORY } from './layout.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function file(init: FileTransportInit): (context: TransportContext) => FileTransport {
  const options = parseFileOptions(init);
  return (context) => new FileTransport(options, context);
}

export const plugin: TransportPlugin<FileTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: FILE_TRANSPORT_ID,
  parseOptions: parseFileOptions,
  create: (options, context) => new FileTransport(options, context),
};

export default plugin;
