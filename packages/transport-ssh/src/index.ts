/**
 * @skcomm/transport-ssh: delivers into a peer's inbox folder on a remote host over SFTP
 * (atomic rename, the same layout as @skcomm/transport-file), and receives by pulling
 * from a remote folder. Key-based login, host keys always checked.
 *
 *   const transport = ssh({ identity: '~/.ssh/skcomm_ed25519', knownHosts: '~/.ssh/known_hosts',
 *                           pull: 'me@mail.example.org:/srv/skcomm/me' })({ selfFingerprint, logger });
 *   await transport.send(bytes, { fingerprint, address: 'lumina@mail.example.org:/srv/skcomm/lumina' });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { parseSshOptions, SSH_TRANSPORT_ID, type SshTransportInit, type SshTransportOptions } from './config.js';
import { SshTransport } from './ssh-transport.js';

export { DEFAULT_SSH_PORT, formatSshAddress, parseSshAddress, type SshAddress, type SshAddressParse } from './address.js';
export { configSchema, SSH_TRANSPORT_ID, type SshTransportInit, type SshTransportOptions } from './config.js';
export { SshTransportError, type SshFailure } from './errors.js';
export type { HostKeyPolicy } from './host-key.js';
export { hostKeyFingerprint, HOST_KEY_FINGERPRINT_PATTERN } from './key-blob.js';
export { ENVELOPE_SUFFIX, PART_SUFFIX, TEMP_DIRECTORY } from './layout.js';
export { DEFAULT_PRIORITY, SshTransport } from './ssh-transport.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function ssh(init: SshTransportInit): (context: TransportContext) => SshTransport {
  const options = parseSshOptions(init);
  return (context) => new SshTransport(options, context);
}

export const plugin: TransportPlugin<SshTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: SSH_TRANSPORT_ID,
  parseOptions: parseSshOptions,
  create: (options, context) => new SshTransport(options, context),
};

export default plugin;
