import { peerIdFromString } from '@libp2p/peer-id';
import type { PeerId } from '@libp2p/interface';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';

export interface PeerAddress {
  address: Multiaddr;
  peerId: PeerId;
}

/**
 * A peer's address from its peer record: a multiaddr that ends in `/p2p/<peer id>`, e.g.
 * `/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...`. The peer id is required: the noise
 * handshake proves the node at the address holds it.
 */
export function parsePeerAddress(text: string): PeerAddress | { problem: string } {
  let address: Multiaddr;
  try {
    address = multiaddr(text.trim());
  } catch (error) {
    return { problem: `is not a multiaddr (${(error as Error).message})` };
  }
  const components = address.getComponents();
  const last = components.at(-1);
  if (last?.name !== 'p2p' || last.value === undefined) return { problem: 'must end in /p2p/<peer id>' };
  if (components.slice(0, -1).some((component) => component.name === 'p2p-circuit')) return { problem: 'must be a direct address (no relay circuit)' };
  try {
    return { address, peerId: peerIdFromString(last.value) };
  } catch {
    return { problem: `names an invalid peer id ${JSON.stringify(last.value)}` };
  }
}
