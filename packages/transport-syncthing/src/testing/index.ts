/**
 * @skcomm/transport-syncthing/testing: real Syncthing instances on loopback, for this
 * package's tests, benchmarks and integration tests. Not for production use.
 */
export { freePort, requireSyncthing, startSyncthing, type SyncthingInstance } from './syncthing-instance.js';
export { isConnected, startSyncthingPair, type SyncthingPair } from './syncthing-pair.js';
