/**
 * A peer's IPFS address: a multiaddr that ends in its libp2p peer id, e.g.
 * `/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...` (`skcomm peer add --address ipfs=...`).
 * The peer id is what noise authenticates, so the address pins who we talk to.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import type { PeerId } from '@libp2p/interface';

export interface PeerAddress {
  address: Multiaddr;
  peerId: PeerId;
}

export function parsePeerAddress(text: string): PeerAddress | { problem: string } {
  let address: Multiaddr;
  try {
    address = multiaddr(text.trim());
  } catch {
    return { problem: 'is not a multiaddr' };
  }
  const components = address.getComponents();
  const last = components.at(-1);
  if (last?.name !== 'p2p' || last.value === undefined) return { problem: 'must end in /p2p/<peer id>' };
  if (components.length < 2) return { problem: 'needs a network address before /p2p/<peer id> (no peer routing is configured)' };
  try {
    return { address, peerId: peerIdFromString(last.value) };
  } catch {
    return { problem: 'has a /p2p/ part that is not a peer id' };
  }
}
