/**
 * `tailscale status --json`: `{ BackendState, Self: {...}, Peer: { "nodekey:…": {...} } }`,
 * each node with `HostName`, `DNSName` ("host.tailnet.ts.net."), `TailscaleIPs` (IPv4 and
 * IPv6), `Online` and `OS`. `Peer` is absent or null on a tailnet of one.
 */
import { meshAddresses } from './addresses.js';
import { cleanName, isRecord, MeshStatusError, parseJson, type PeerCandidate } from './candidate.js';

export function parseTailscaleStatus(text: string): PeerCandidate[] {
  const status = parseJson('tailscale', text);
  if (!isRecord(status)) throw new MeshStatusError('tailscale', 'expected a JSON object');
  if (typeof status.BackendState === 'string' && status.BackendState !== 'Running') {
    throw new MeshStatusError('tailscale', `tailscale is not running (BackendState ${JSON.stringify(status.BackendState.slice(0, 40))})`);
  }
  const peers = status.Peer;
  if (peers === undefined || peers === null) return [];
  if (!isRecord(peers)) throw new MeshStatusError('tailscale', '"Peer" is not an object');
  const candidates: PeerCandidate[] = [];
  for (const node of Object.values(peers)) {
    if (!isRecord(node)) continue;
    const addresses = meshAddresses(Array.isArray(node.TailscaleIPs) ? node.TailscaleIPs : []);
    const dnsName = cleanName(node.DNSName)?.replace(/\.$/, '');
    const name = cleanName(node.HostName) ?? cleanName(dnsName?.split('.')[0]);
    if (name === undefined || addresses.length === 0) continue;
    const os = cleanName(node.OS);
    candidates.push({
      name,
      addresses,
      online: node.Online === true,
      ...(dnsName === undefined || dnsName === '' ? {} : { dnsName }),
      ...(os === undefined ? {} : { os }),
    });
  }
  return candidates.sort((left, right) => left.name.localeCompare(right.name));
}
