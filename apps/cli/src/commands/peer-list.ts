import type { CliContext } from '../context.js';
import { table } from '../table.js';

export default async function peerList(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const peers = await agent.peers.list();
  context.print({ ok: true, peers }, () =>
    peers.length === 0
      ? 'No peers yet. Add one with: skcomm peer add --name NAME --pubkey FILE'
      : table(
          ['NAME', 'FINGERPRINT', 'TRUST', 'ADDRESSES'],
          peers.map((peer) => [
            peer.name,
            peer.fingerprint,
            peer.revoked ? 'REVOKED' : peer.trust,
            Object.entries(peer.addresses).map(([transport, value]) => `${transport}=${value}`).join(' '),
          ]),
        ),
  );
}
