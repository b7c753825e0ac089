export { MeshStatusError, type MeshNetwork, type PeerCandidate } from './candidate.js';
export { parseNetbirdStatus } from './netbird.js';
export { discoverMeshPeers, parseMeshStatus } from './run-status.js';
export { parseTailscaleStatus } from './tailscale.js';
