import type { TrustLevel } from '@skcomm/core';
import type { CliContext } from '../context.js';

export default async function keysTrust(context: CliContext, name: string, options: { level: TrustLevel }): Promise<void> {
  const agent = await context.agent();
  const peer = await agent.peers.setTrust(name, options.level);
  context.print({ ok: true, peer }, `${peer.name} is now ${peer.trust}`);
}
