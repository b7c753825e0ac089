import type { CliContext } from '../context.js';

export default async function keysRevoke(context: CliContext, name: string): Promise<void> {
  const agent = await context.agent();
  const peer = await agent.peers.revoke(name);
  context.print({ ok: true, peer }, `${peer.name} (${peer.fingerprint}) is revoked: its envelopes are rejected from now on`);
}
