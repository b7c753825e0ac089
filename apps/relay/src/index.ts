/**
 * @skcomm/relay: the SKComm WebSocket relay behind `skcomm serve`.
 *
 *   const relay = await startRelay({ dataDir: '/var/lib/skcomm-relay', port: 8765 });
 */
export { parseAllowList, readAllowList } from './allow-list.js';
export { DEV_AUTH_WARNING, devAuthFromEnvironment, isLoopbackHost } from './dev-auth.js';
export { Mailbox, type MailboxEntry, MailboxFullError, type MailboxLimits, type MailboxStats } from './mailbox.js';
export { RelayMetrics } from './metrics.js';
export { DEFAULT_LIMITS, type RelayLimits, type RelayOptions } from './options.js';
export { type Relay, startRelay } from './relay.js';
export { SignalingBroker } from './signaling-broker.js';
