import type { CliContext } from '../context.js';
import { table } from '../table.js';

export default async function keysList(context: CliContext): Promise<void> {
  const agent = await context.agent();
  const peers = await agent.peers.list();
  const rows = [
    { name: agent.name, fingerprint: agent.fingerprint, trust: 'self', revoked: false },
    ...peers.map((peer) => ({ name: peer.name, fingerprint: peer.fingerprint, trust: peer.trust, revoked: peer.revoked })),
  ];
  context.print({ ok: true, keys: rows }, () =>
    table(['NAME', 'FINGERPRINT', 'TRUST'], rows.map((row) => [row.name, row.fingerprint, row.revoked ? 'REVOKED' : row.trust])),
  );
}
