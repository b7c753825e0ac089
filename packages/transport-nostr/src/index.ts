/**
 * @skcomm/transport-nostr: SKComm envelopes in NIP-17/NIP-59 gift wraps through the
 * Nostr relays the user configured, several at once.
 *
 *   const transport = nostr({ relays: 'wss://relay.example' })({ selfFingerprint, stateDir, logger });
 *   await transport.start();
 *   await transport.send(bytes, { fingerprint, address: 'npub1…' });
 */
import { TRANSPORT_SPECIFICATION_VERSION, type TransportContext, type TransportPlugin } from '@skcomm/core';
import { NOSTR_TRANSPORT_ID, parseNostrOptions, type NostrTransportInit, type NostrTransportOptions } from './config.js';
import { NostrTransport } from './nostr-transport.js';

export { configSchema, NOSTR_TRANSPORT_ID, type NostrTransportInit, type NostrTransportOptions } from './config.js';
export { NostrEventRejectedError, NostrTransportError, type NostrRejectionReason } from './errors.js';
export { GIFT_WRAP_KIND, MAX_CARRIED_ENVELOPE_BYTES, RUMOR_KIND, SEAL_KIND, SKCOMM_TAG, unwrapEnvelope, wrapEnvelope, ConversationKeys } from './gift-wrap.js';
export { nostrBindingStatement } from './binding.js';
export { parsePublicKey } from './keys.js';
export { DEFAULT_PRIORITY, NostrTransport, type NostrHealth, type NostrInboundStats, type NostrSendResult } from './nostr-transport.js';
export type { RelayHealth, RelayOutcome } from './relay-link.js';

/** Two-step factory: validates `init` now, creates the transport when the host supplies its context. */
export function nostr(init: NostrTransportInit): (context: TransportContext) => NostrTransport {
  const options = parseNostrOptions(init);
  return (context) => new NostrTransport(options, context);
}

export const plugin: TransportPlugin<NostrTransportOptions> = {
  specificationVersion: TRANSPORT_SPECIFICATION_VERSION,
  id: NOSTR_TRANSPORT_ID,
  parseOptions: parseNostrOptions,
  create: (options, context) => new NostrTransport(options, context),
};

export default plugin;
