/**
 * `netbird status --json`: `{ peers: { total, connected, details: [...] }, netbirdIp, fqdn, ... }`,
 * each peer with `fqdn` ("host.netbird.cloud"), `netbirdIp` and `status`
 * ("Connected", "Connecting", "Idle").
 */
import { meshAddresses } from './addresses.js';
import { cleanName, isRecord, MeshStatusError, parseJson, type PeerCandidate } from './candidate.js';

export function parseNetbirdStatus(text: string): PeerCandidate[] {
  const status = parseJson('netbird', text);
  if (!isRecord(status)) throw new MeshStatusError('netbird', 'expected a JSON object');
  const peers = status.peers;
  if (peers === undefined || peers === null) return [];
  if (!isRecord(peers)) throw new MeshStatusError('netbird', '"peers" is not an object');
  const details = peers.details;
  if (details === undefined || details === null) return [];
  if (!Array.isArray(details)) throw new MeshStatusError('netbird', '"peers.details" is not an array');
  const candidates: PeerCandidate[] = [];
  for (const peer of details) {
    if (!isRecord(peer)) continue;
    const addresses = meshAddresses([peer.netbirdIp]);
    const dnsName = cleanName(peer.fqdn)?.replace(/\.$/, '');
    const name = cleanName(dnsName?.split('.')[0]);
    if (name === undefined || dnsName === undefined || addresses.length === 0) continue;
    candidates.push({ name, addresses, online: peer.status === 'Connected', dnsName });
  }
  return candidates.sort((left, right) => left.name.localeCompare(right.name));
}
